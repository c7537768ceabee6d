import Foundation
import LetheCore

/// How an nwipe run ended for a device (its "Drive Status" row).
public enum NwipeStatus: String, Sendable, Hashable {
    /// Every pass (and the verification asked for) finished.
    case erased = "Erased"
    /// A pass, verification or sync failed.
    case failed = "FAILED"
    /// The user (or a signal) stopped the run.
    case aborted = "ABORTED"
}

/// What an nwipe log says about one run: its settings, and for each device its identity, passes,
/// verifications, bytes and outcome. The per-device properties (``device``, ``serial``,
/// ``status`` …) are those of the selected device: the first one, or the one ``selecting(_:)`` chose.
///
/// Lines are decoded as UTF-8 with invalid bytes replaced, so a device serial made of raw bytes
/// (loop devices, some USB bridges) never stops the parse; the serial's bytes are kept in hex too.
public struct NwipeLog: Sendable, Hashable {
    /// nwipe's version from its banner (`0.33`).
    public var version: String?
    /// The wipe method (`Fill With Zeros`, `DoD Short`).
    public var method: String?
    /// Rounds asked for.
    public var rounds: Int?
    /// The verify setting (`0 (off)`, `1 (last pass)`, `2 (all passes)`).
    public var verify: String?
    /// The PRNG (`Isaac64`).
    public var prng: String?
    /// The first and last time stamp in the log.
    public var startedAt: Date?
    /// The last time stamp.
    public var endedAt: Date?
    /// Every device the log names, in the order it first names them.
    public var devices: [NwipeDevice] = []
    /// Lines at level error or fatal that name no device.
    public var generalErrorLines: [String] = []
    /// The index in ``devices`` of the selected device.
    public private(set) var selected = 0

    private var selectedDevice: NwipeDevice? { devices.indices.contains(selected) ? devices[selected] : nil }
    /// The device wiped (`/dev/sdb`).
    public var device: String? { selectedDevice?.path }
    /// The model nwipe reported.
    public var model: String? { selectedDevice?.model }
    /// The serial as text (invalid bytes replaced by U+FFFD).
    public var serial: String? { selectedDevice?.serial }
    /// The serial's raw bytes in lowercase hex.
    public var serialHex: String? { selectedDevice?.serialHex }
    /// Bytes nwipe reported written, over all passes and the blanking pass.
    public var bytesWritten: Int64 { selectedDevice?.bytesWritten ?? 0 }
    /// Bytes nwipe reported read back by its verification.
    public var bytesVerified: Int64 { selectedDevice?.bytesVerified ?? 0 }
    /// Pass errors (the "Error Summary" row).
    public var passErrors: Int64? { selectedDevice?.passErrors }
    /// Verification errors.
    public var verificationErrors: Int64? { selectedDevice?.verificationErrors }
    /// fdatasync I/O errors.
    public var syncErrors: Int64? { selectedDevice?.syncErrors }
    /// The final status; nil when the log has no "Drive Status" row for the device (cut short).
    public var status: NwipeStatus? { selectedDevice?.status }
    /// How many verifications nwipe reported as successful.
    public var verificationsPassed: Int { selectedDevice?.verificationsPassed ?? 0 }
    /// Lines at level error or fatal (and FAILURE lines) about the device or no device.
    public var errorLines: [String] { (selectedDevice?.errorLines ?? []) + generalErrorLines }

    /// The same log with `device` (one of ``devices``) selected.
    public func selecting(_ device: NwipeDevice) -> NwipeLog {
        var copy = self
        copy.selected = devices.firstIndex { $0.path == device.path } ?? selected
        return copy
    }

    /// Whether nwipe verified what it wrote (verify on, at least one verification passed, none failed).
    public var toolVerified: Bool {
        guard let verify, !verify.hasPrefix("0") else { return false }
        return verificationsPassed > 0 && (verificationErrors ?? 0) == 0
    }

    /// Whether the log shows a complete, error-free erasure.
    public var erasedWithoutErrors: Bool {
        status == .erased && (passErrors ?? 0) == 0 && (verificationErrors ?? 0) == 0 && (syncErrors ?? 0) == 0
            && errorLines.isEmpty
    }

    /// The time of a line's stamp, `2026/11/23 00:59:45` (nwipe writes UTC), or nil when the text
    /// is not a stamp of that shape and a calendar time. Read byte by byte: Foundation's
    /// DateFormatter stopped the process on a stamp whose bytes were not all ASCII (a fuzzed log,
    /// "Incorrect range" in its UTF-16 range arithmetic).
    static func stampDate(_ stamp: Substring) -> Date? {
        var bytes = Array(stamp.utf8)
        guard bytes.count == 19 else { return nil }
        for (index, byte) in bytes.enumerated() {
            let expected: UInt8? =
                switch index {
                case 4, 7: UInt8(ascii: "/")
                case 10: UInt8(ascii: " ")
                case 13, 16: UInt8(ascii: ":")
                default: nil
                }
            if let expected {
                guard byte == expected else { return nil }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            }
        }
        (bytes[4], bytes[7], bytes[10]) = (UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: "T"))
        return try? RFC3339.parse(String(decoding: bytes + [UInt8(ascii: "Z")], as: UTF8.self))
    }

    /// Parses a log's bytes. A file that is not an nwipe log (no banner, no status) is an error naming it.
    public init(bytes: [UInt8], fileName: String) throws(LetheError) {
        var section = ""
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let line = String(decoding: rawLine, as: UTF8.self)
            var message = line
            var isError = false
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                if let date = Self.stampDate(line[line.index(after: line.startIndex)..<close]) {
                    if startedAt == nil { startedAt = date }
                    endedAt = date
                }
                message = String(line[line.index(after: close)...]).trimmingCharacters(in: .whitespaces)
                let level = message.prefix { $0 != ":" }
                isError = level == "error" || level == "fatal"
                if let colon = message.firstIndex(of: ":") {
                    message = String(message[message.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                }
            }
            if line.contains("Error Summary") { section = "errors" }
            if line.contains("Drive Status") { section = "status" }
            if isError || message.contains("FAILURE") {
                if let index = deviceIndex(in: message, create: false) {
                    devices[index].errorLines.append(message)
                } else {
                    generalErrorLines.append(message)
                }
            }
            parse(message: message, raw: Array(rawLine), section: section)
        }
        guard version != nil || devices.contains(where: { $0.status != nil }) else {
            throw LetheError(
                .invalidInput, "\(fileName) is not an nwipe log (no 'banner = nwipe' line and no Drive Status table)")
        }
    }

    /// The device whose path the message names (`/dev/sdb`, not `/dev/sdb1`); registered when new.
    private mutating func deviceIndex(in message: String, create: Bool) -> Int? {
        guard let start = message.range(of: "/dev/") else { return nil }
        let path = String(
            message[start.lowerBound...].prefix { !$0.isWhitespace && $0 != "," && $0 != "'" && $0 != "\"" })
        let trimmed = path.hasSuffix(".") ? String(path.dropLast()) : path
        if let index = devices.firstIndex(where: { $0.path == trimmed }) { return index }
        guard create, trimmed.count > 5 else { return nil }
        devices.append(NwipeDevice(path: trimmed))
        return devices.count - 1
    }

    /// `i/N, round r/R` or `i of N, round r of R` after `prefix` → the pass and the totals.
    private static func pass(in message: String, after prefix: String) -> (NwipeDevice.Pass, Int, Int)? {
        guard message.hasPrefix(prefix) else { return nil }
        let numbers = message.dropFirst(prefix.count).split { !$0.isNumber }.prefix(4).compactMap { Int($0) }
        guard numbers.count == 4 else { return nil }
        return (NwipeDevice.Pass(pass: numbers[0], round: numbers[2]), numbers[1], numbers[3])
    }

    private mutating func parse(message: String, raw: [UInt8], section: String) {
        func value(after key: String) -> String? {
            guard message.hasPrefix(key) else { return nil }
            let rest = message.dropFirst(key.count).drop { $0 == " " }
            guard rest.hasPrefix("=") else { return nil }
            return rest.dropFirst().trimmingCharacters(in: .whitespaces)
        }
        if let banner = value(after: "banner") {
            version = banner.split(separator: " ").last.map(String.init)
            return
        } else if let text = value(after: "method") {
            method = text
            return
        } else if let text = value(after: "rounds") {
            rounds = Int(text)
            return
        } else if let text = value(after: "verify") {
            verify = text
            return
        } else if let text = value(after: "prng") {
            prng = text
            return
        }
        let columns = message.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        if columns.count >= 4, !columns[0].hasSuffix("Device"), section == "errors" || section == "status" {
            let name = columns[0].drop { $0 == "!" || $0 == " " }
            guard let index = devices.firstIndex(where: { $0.tableName == name }) else { return }
            if section == "errors" {
                devices[index].passErrors = Int64(columns[1])
                devices[index].verificationErrors = Int64(columns[2])
                devices[index].syncErrors = Int64(columns[3])
            } else if devices[index].status == nil {
                let text = columns[1].uppercased()
                if text.contains("ABORT") {
                    devices[index].status = .aborted
                } else if text.contains("FAIL") {
                    devices[index].status = .failed
                } else if text.contains("ERASED") {
                    devices[index].status = .erased
                }
            }
            return
        }
        // Only the lines that introduce a device add one (not `Opened entropy source '/dev/urandom'`).
        let introduces =
            message.hasPrefix("Found /dev/") || message.contains(" has serial number")
            || message.contains(", sect/blk/dev ")
        guard let index = deviceIndex(in: message, create: introduces) else { return }
        if message.hasPrefix("Found /dev/") {
            let parts = message.dropFirst("Found ".count).split(separator: ",", omittingEmptySubsequences: false)
            if parts.count > 2 { devices[index].model = parts[2].trimmingCharacters(in: .whitespaces) }
        } else if message.contains(" has serial number") {
            let marker = Array("has serial number".utf8)
            if let start = Self.find(marker, in: raw) {
                var bytes = Array(raw[(start + marker.count)...])
                while bytes.first == 0x20 { bytes.removeFirst() }
                while bytes.last == 0x20 || bytes.last == 0x0D { bytes.removeLast() }
                devices[index].serial = String(decoding: bytes, as: UTF8.self)
                devices[index].serialBytes = bytes
            }
        } else if message.contains(", sect/blk/dev ") {
            devices[index].sizeBytes = message.split(separator: "/").last.flatMap { Int64($0) }
        } else if message.hasPrefix("Invoking method '") {
            devices[index].methodInvoked = message.dropFirst("Invoking method '".count).split(separator: "'").first
                .map(String.init)
        } else if let (pass, perRound, rounds) = Self.pass(in: message, after: "Starting pass ") {
            devices[index].passesStarted.insert(pass)
            devices[index].passesPerRound = perRound
            devices[index].roundsSeen = rounds
        } else if let (pass, _, _) = Self.pass(in: message, after: "Finished pass ") {
            devices[index].passesFinished.insert(pass)
        } else if message.contains(" bytes written to ") {
            if let number = Int64(message.prefix { $0.isNumber }) {
                devices[index].bytesWritten += number
                devices[index].writeLines += 1
            }
        } else if message.contains(" bytes read from ") {
            if let number = Int64(message.prefix { $0.isNumber }) { devices[index].bytesVerified += number }
        } else if message.hasPrefix("Blanking device ") {
            devices[index].blankingStarted = true
        } else if message.hasPrefix("[SUCCESS] Blanked device ") {
            devices[index].blankingSucceeded = true
        } else if message.hasPrefix("Verifying ") {
            devices[index].verificationsStarted += 1
        } else if message.hasPrefix("[SUCCESS] Verified") || message.hasPrefix("Verified pass") {
            devices[index].verificationsPassed += 1
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count)
        where haystack[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }

    /// The parsed fields as JSON, for the job's event.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "bytes_written": .integer(bytesWritten), "bytes_verified": .integer(bytesVerified),
            "verifications_passed": .integer(Int64(verificationsPassed)), "tool_verified": .bool(toolVerified),
            "error_lines": .integer(Int64(errorLines.count)),
        ]
        object["version"] = version.map(JSONValue.string)
        object["device"] = device.map(JSONValue.string)
        object["model"] = model.map(JSONValue.string)
        object["serial"] = serial.map(JSONValue.string)
        object["serial_hex"] = serialHex.map(JSONValue.string)
        object["method"] = method.map(JSONValue.string)
        object["rounds"] = rounds.map { .integer(Int64($0)) }
        object["verify"] = verify.map(JSONValue.string)
        object["prng"] = prng.map(JSONValue.string)
        object["pass_errors"] = passErrors.map(JSONValue.integer)
        object["verification_errors"] = verificationErrors.map(JSONValue.integer)
        object["fdatasync_errors"] = syncErrors.map(JSONValue.integer)
        object["started_at"] = startedAt.map { .string(RFC3339.format($0)) }
        object["ended_at"] = endedAt.map { .string(RFC3339.format($0)) }
        object["status"] = status.map { .string($0.rawValue) }
        object["size_bytes"] = selectedDevice?.sizeBytes.map(JSONValue.integer)
        object["devices_in_log"] = .integer(Int64(devices.count))
        return .object(object)
    }
}
