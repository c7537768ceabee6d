import Foundation
import LetheCore

/// One way an nwipe log disagrees with itself or with the asset: the field, what the log says,
/// and what was expected.
public struct NwipeFinding: Sendable, Hashable, CustomStringConvertible {
    /// The field or line (`serial`, `bytes written`, `pass 2/3 of round 1`).
    public var field: String
    /// What the log says.
    public var found: String
    /// What was expected.
    public var expected: String

    /// Creates a finding.
    public init(field: String, found: String, expected: String) {
        self.field = field
        self.found = found
        self.expected = expected
    }

    /// `field: the log says FOUND, expected EXPECTED`.
    public var description: String { "\(field): the log says \(found), expected \(expected)" }
}

/// What the asset says a log must be about.
public struct NwipeExpectation: Sendable, Hashable {
    /// The asset's tag (named in errors).
    public var assetTag: String
    /// The asset's serial, if recorded.
    public var serial: String?
    /// The asset's capacity in bytes, if recorded.
    public var capacityBytes: Int64?
    /// The device path to take from a log of several devices (`--device`), if given.
    public var devicePath: String?
    /// Whether the serial check is skipped (`--ignore-serial --reason …`).
    public var ignoreSerial: Bool

    /// Creates an expectation.
    public init(
        assetTag: String, serial: String?, capacityBytes: Int64?, devicePath: String? = nil, ignoreSerial: Bool = false
    ) {
        self.assetTag = assetTag
        self.serial = serial
        self.capacityBytes = capacityBytes
        self.devicePath = devicePath
        self.ignoreSerial = ignoreSerial
    }
}

extension NwipeLog {
    /// Passes per round of nwipe 0.33's wiping methods, by the name its log prints.
    public static let passesPerRound: [String: Int] = [
        "Fill With Zeros": 1, "Fill With Ones": 1, "PRNG Stream": 1, "DoD Short": 3, "DoD 5220.22-M": 7,
        "Gutmann Wipe": 35, "RCMP TSSIT OPS-II": 8,
    ]

    /// A capacity and a device size agree when they differ by at most 1 % (drives are sold by
    /// nominal size: a "1 TB" drive has 1,000,204,886,016 bytes).
    static func sizeMatches(_ size: Int64, capacity: Int64) -> Bool {
        abs(size - capacity) <= capacity / 100
    }

    /// The log with the asset's own device selected, after checking that device's serial and size
    /// against the asset. Refused (code `invalidInput`, naming the field, the log's value and the
    /// asset's) when no device is the asset's, when several could be, or when its size differs.
    public func selectingDevice(for asset: NwipeExpectation, logName: String) throws(LetheError) -> NwipeLog {
        func refuse(_ finding: NwipeFinding, _ advice: String) -> LetheError {
            LetheError(
                .invalidInput,
                "nwipe log \(logName) is not about asset \(asset.assetTag): \(finding); \(advice) (nothing was recorded)"
            )
        }
        let listed = devices.map { "\($0.path) (serial hex \($0.serialHex ?? "none"))" }.joined(separator: ", ")
        guard !devices.isEmpty else {
            throw refuse(
                NwipeFinding(field: "device", found: "no device", expected: "the device of \(asset.assetTag)"),
                "import the log of the run that wiped it")
        }
        var candidates = devices
        if let path = asset.devicePath {
            candidates = devices.filter { $0.path == path }
            guard !candidates.isEmpty else {
                throw refuse(
                    NwipeFinding(field: "device", found: listed, expected: path), "give one of the log's devices")
            }
        }
        if !asset.ignoreSerial {
            guard let serial = asset.serial?.trimmingCharacters(in: .whitespaces), !serial.isEmpty else {
                throw refuse(
                    NwipeFinding(field: "serial", found: listed, expected: "the asset's serial, which is not recorded"),
                    "record the asset's serial, or pass --ignore-serial --reason TEXT")
            }
            candidates = candidates.filter { $0.hasSerial(serial) }
            guard !candidates.isEmpty else {
                throw refuse(
                    NwipeFinding(field: "serial", found: listed, expected: "'\(serial)'"),
                    "import the log of this asset's drive, or, if the drive reports another serial, pass --ignore-serial --reason TEXT"
                )
            }
        }
        guard candidates.count == 1, let chosen = candidates.first else {
            throw LetheError(
                .invalidInput,
                "nwipe log \(logName) lists \(candidates.count) devices that could be asset \(asset.assetTag): \(candidates.map(\.path).joined(separator: ", ")); name one with --device PATH (nothing was recorded)"
            )
        }
        guard let capacity = asset.capacityBytes else {
            throw refuse(
                NwipeFinding(
                    field: "device size", found: chosen.sizeBytes.map { "\($0) bytes" } ?? "none",
                    expected: "the asset's capacity, which is not recorded"),
                "record the asset's capacity")
        }
        guard let size = chosen.sizeBytes, Self.sizeMatches(size, capacity: capacity) else {
            throw refuse(
                NwipeFinding(
                    field: "device size of \(chosen.path)", found: chosen.sizeBytes.map { "\($0) bytes" } ?? "none",
                    expected: "\(capacity) bytes (the asset's capacity, within 1 %)"),
                "import the log of this asset's drive")
        }
        return selecting(chosen)
    }

    /// What contradicts the selected device's "Erased" status: a method that writes nothing, a
    /// pass started and not finished (or never started), bytes written other than size × passes
    /// (plus the blanking pass), a verification or blanking without its success line, fewer
    /// verifications than the verify setting asks, error or FAILURE lines, a missing or non-zero
    /// Error Summary row. Empty for a consistent log.
    public func completenessFindings() -> [NwipeFinding] {
        guard let device = devices.indices.contains(selected) ? devices[selected] : nil else {
            return [NwipeFinding(field: "device", found: "none", expected: "one device")]
        }
        var findings: [NwipeFinding] = []
        let name = device.path
        guard let method, !method.hasPrefix("Verify") else {
            return [
                NwipeFinding(
                    field: "method", found: method.map { "'\($0)'" } ?? "none",
                    expected: "a method that writes (zero, one, random, dodshort, dod522022m, gutmann, ops2)")
            ]
        }
        if device.methodInvoked != method {
            findings.append(
                NwipeFinding(
                    field: "method on \(name)", found: device.methodInvoked.map { "'\($0)'" } ?? "never invoked",
                    expected: "'\(method)'"))
        }
        let rounds = self.rounds ?? 0
        if rounds < 1 {
            findings.append(
                NwipeFinding(field: "rounds", found: "\(self.rounds.map(String.init) ?? "none")", expected: "1 or more")
            )
        }
        guard let perRound = device.passesPerRound, perRound >= 1 else {
            findings.append(
                NwipeFinding(
                    field: "passes on \(name)", found: "no 'Starting pass' line",
                    expected: "every pass started and finished"))
            return findings
        }
        if let known = Self.passesPerRound[method], known != perRound {
            findings.append(
                NwipeFinding(field: "passes per round", found: "\(perRound)", expected: "\(known) (\(method))"))
        }
        if device.roundsSeen != rounds {
            findings.append(
                NwipeFinding(field: "rounds on \(name)", found: "\(device.roundsSeen ?? 0)", expected: "\(rounds)"))
        }
        for round in 1...max(rounds, 1) {
            for pass in 1...perRound {
                let key = NwipeDevice.Pass(pass: pass, round: round)
                if !device.passesStarted.contains(key) || !device.passesFinished.contains(key) {
                    findings.append(
                        NwipeFinding(
                            field: "pass \(pass)/\(perRound) of round \(round)/\(rounds) on \(name)",
                            found: device.passesStarted.contains(key) ? "started, not finished" : "not run",
                            expected: "started and finished"))
                }
            }
        }
        let writes = Int64(perRound * max(rounds, 1) + (device.blankingStarted ? 1 : 0))
        if let size = device.sizeBytes, size > 0 {
            if device.bytesWritten != size * writes {
                findings.append(
                    NwipeFinding(
                        field: "bytes written to \(name)", found: "\(device.bytesWritten)",
                        expected:
                            "\(size * writes) (size \(size) × \(writes) passes\(device.blankingStarted ? ", the blanking pass included" : ""))"
                    ))
            }
        } else {
            findings.append(
                NwipeFinding(field: "device size of \(name)", found: "none", expected: "its 'sect/blk/dev' line"))
        }
        if device.blankingStarted, !device.blankingSucceeded {
            findings.append(
                NwipeFinding(
                    field: "blanking of \(name)", found: "no success line", expected: "[SUCCESS] Blanked device"))
        }
        if device.verificationsPassed < device.verificationsStarted {
            findings.append(
                NwipeFinding(
                    field: "verifications of \(name)",
                    found: "\(device.verificationsPassed) of \(device.verificationsStarted) successful",
                    expected: "every one successful"))
        }
        let asked = verify.map { $0.hasPrefix("2") ? perRound * max(rounds, 1) : $0.hasPrefix("1") ? 1 : 0 } ?? 0
        if device.verificationsPassed < asked {
            findings.append(
                NwipeFinding(
                    field: "verifications of \(name)", found: "\(device.verificationsPassed) successful",
                    expected: "at least \(asked) (verify = \(verify ?? "?"))"))
        }
        if let line = errorLines.first {
            findings.append(NwipeFinding(field: "error lines", found: "'\(line)'", expected: "none"))
        }
        if let pass = device.passErrors, let verification = device.verificationErrors, let sync = device.syncErrors {
            if pass != 0 || verification != 0 || sync != 0 {
                findings.append(
                    NwipeFinding(
                        field: "Error Summary row of \(device.tableName)", found: "\(pass) | \(verification) | \(sync)",
                        expected: "0 | 0 | 0"))
            }
        } else {
            findings.append(
                NwipeFinding(field: "Error Summary row of \(device.tableName)", found: "none", expected: "0 | 0 | 0"))
        }
        return findings
    }
}
