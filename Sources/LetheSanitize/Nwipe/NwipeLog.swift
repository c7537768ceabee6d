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

/// What an nwipe log says about one run: device, method, verification, bytes, errors, outcome.
///
/// Lines are decoded as UTF-8 with invalid bytes replaced, so a device serial made of raw bytes
/// (loop devices, some USB bridges) never stops the parse; the serial's bytes are kept in hex too.
public struct NwipeLog: Sendable, Hashable {
    /// nwipe's version from its banner (`0.33`).
    public var version: String?
    /// The device wiped (`/dev/sdb`).
    public var device: String?
    /// The model nwipe reported.
    public var model: String?
    /// The serial as text (invalid bytes replaced by U+FFFD).
    public var serial: String?
    /// The serial's raw bytes in lowercase hex.
    public var serialHex: String?
    /// The wipe method (`Fill With Zeros`, `DoD Short`).
    public var method: String?
    /// Rounds asked for.
    public var rounds: Int?
    /// The verify setting (`0 (off)`, `1 (last pass)`, `2 (all passes)`).
    public var verify: String?
    /// The PRNG (`Isaac64`).
    public var prng: String?
    /// Bytes nwipe reported written, over all passes and the blanking pass.
    public var bytesWritten: Int64
    /// Bytes nwipe reported read back by its verification.
    public var bytesVerified: Int64
    /// Pass errors, verification errors and fdatasync errors (the "Error Summary" row).
    public var passErrors: Int64?
    /// Verification errors.
    public var verificationErrors: Int64?
    /// fdatasync I/O errors.
    public var syncErrors: Int64?
    /// The first and last time stamp in the log.
    public var startedAt: Date?
    /// The last time stamp.
    public var endedAt: Date?
    /// The final status; nil when the log has no "Drive Status" row (cut short).
    public var status: NwipeStatus?
    /// How many verifications nwipe reported as successful.
    public var verificationsPassed: Int
    /// Lines at level error or fatal.
    public var errorLines: [String]

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

    /// Parses a log's bytes. A file that is not an nwipe log (no banner, no status) is an error naming it.
    public init(bytes: [UInt8], fileName: String) throws(LetheError) {
        bytesWritten = 0
        bytesVerified = 0
        verificationsPassed = 0
        errorLines = []
        var section = ""
        var timeFormatter = DateFormatter()
        timeFormatter = DateFormatter()
        timeFormatter.locale = Locale(identifier: "en_US_POSIX")
        timeFormatter.timeZone = TimeZone(identifier: "UTC")
        timeFormatter.dateFormat = "yyyy/MM/dd HH:mm:ss"
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let line = String(decoding: rawLine, as: UTF8.self)
            var message = line
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                let stamp = String(line[line.index(after: line.startIndex)..<close])
                if let date = timeFormatter.date(from: stamp) {
                    if startedAt == nil { startedAt = date }
                    endedAt = date
                }
                message = String(line[line.index(after: close)...]).trimmingCharacters(in: .whitespaces)
                let level = message.prefix { $0 != ":" }
                if level == "error" || level == "fatal" { errorLines.append(message) }
                if let colon = message.firstIndex(of: ":") {
                    message = String(message[message.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                }
            }
            if line.contains("Error Summary") { section = "errors" }
            if line.contains("Drive Status") { section = "status" }
            parse(message: message, raw: Array(rawLine), section: section)
        }
        guard version != nil || status != nil else {
            throw LetheError(
                .invalidInput, "\(fileName) is not an nwipe log (no 'banner = nwipe' line and no Drive Status table)")
        }
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
        } else if let text = value(after: "method") {
            method = text
        } else if let text = value(after: "rounds") {
            rounds = Int(text)
        } else if let text = value(after: "verify") {
            verify = text
        } else if let text = value(after: "prng") {
            prng = text
        } else if message.hasPrefix("Found /dev/") {
            let parts = message.dropFirst("Found ".count).split(separator: ",", omittingEmptySubsequences: false)
            device = parts.first.map { String($0).trimmingCharacters(in: .whitespaces) }
            if parts.count > 2 { model = parts[2].trimmingCharacters(in: .whitespaces) }
        } else if message.contains(" has serial number") {
            let marker = Array("has serial number".utf8)
            if let start = Self.find(marker, in: raw) {
                var bytes = Array(raw[(start + marker.count)...])
                while bytes.first == 0x20 { bytes.removeFirst() }
                while bytes.last == 0x20 || bytes.last == 0x0D { bytes.removeLast() }
                serial = String(decoding: bytes, as: UTF8.self)
                serialHex = bytes.map { String(format: "%02x", $0) }.joined()
            }
        } else if message.hasSuffix("bytes written to \(device ?? "/dev/")") || message.contains(" bytes written to ") {
            if let number = Int64(message.prefix { $0.isNumber }) { bytesWritten += number }
        } else if message.contains(" bytes read from ") {
            if let number = Int64(message.prefix { $0.isNumber }) { bytesVerified += number }
        } else if message.hasPrefix("[SUCCESS] Verified") || message.hasPrefix("Verified pass") {
            verificationsPassed += 1
        }
        let columns = message.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard columns.count >= 4, !columns[0].hasSuffix("Device") else { return }
        if section == "errors" {
            passErrors = Int64(columns[1])
            verificationErrors = Int64(columns[2])
            syncErrors = Int64(columns[3])
        } else if section == "status", status == nil {
            let text = columns[1].uppercased()
            if text.contains("ABORT") {
                status = .aborted
            } else if text.contains("FAIL") {
                status = .failed
            } else if text.contains("ERASED") {
                status = .erased
            }
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
        return .object(object)
    }
}
