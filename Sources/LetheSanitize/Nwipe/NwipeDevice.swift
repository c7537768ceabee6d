import Foundation

/// What an nwipe log says about one device: its identity, every pass and verification line,
/// the bytes written and read, and its rows of the summary tables.
public struct NwipeDevice: Sendable, Hashable {
    /// A pass of a round, as nwipe numbers them (1-based).
    public struct Pass: Sendable, Hashable, Comparable {
        /// The pass within the round.
        public var pass: Int
        /// The round.
        public var round: Int

        public static func < (lhs: Pass, rhs: Pass) -> Bool { (lhs.round, lhs.pass) < (rhs.round, rhs.pass) }
    }

    /// The device path (`/dev/sdb`).
    public var path: String
    /// The model nwipe reported.
    public var model: String?
    /// The serial as text (invalid bytes replaced by U+FFFD).
    public var serial: String?
    /// The serial's raw bytes.
    public var serialBytes: [UInt8]?
    /// The device's size in bytes (the `sect/blk/dev` line).
    public var sizeBytes: Int64?
    /// The method nwipe invoked on it.
    public var methodInvoked: String?
    /// Passes per round and rounds, from the `Starting pass i/N, round r/R` lines.
    public var passesPerRound: Int?
    /// Rounds, from the same lines.
    public var roundsSeen: Int?
    /// The passes started and finished.
    public var passesStarted: Set<Pass> = []
    /// The passes nwipe reported finished.
    public var passesFinished: Set<Pass> = []
    /// Bytes reported written, over all passes and the blanking pass.
    public var bytesWritten: Int64 = 0
    /// How many `bytes written` lines there were.
    public var writeLines: Int = 0
    /// Bytes reported read back.
    public var bytesVerified: Int64 = 0
    /// Verifications started (`Verifying …`).
    public var verificationsStarted: Int = 0
    /// Verifications reported successful.
    public var verificationsPassed: Int = 0
    /// Whether a blanking pass started, and whether nwipe reported it successful.
    public var blankingStarted = false
    /// Whether nwipe reported `[SUCCESS] Blanked device`.
    public var blankingSucceeded = false
    /// Lines at level error or fatal, and `FAILURE` lines, naming this device.
    public var errorLines: [String] = []
    /// The "Error Summary" row: pass, verification and fdatasync errors.
    public var passErrors: Int64?
    /// Verification errors.
    public var verificationErrors: Int64?
    /// fdatasync I/O errors.
    public var syncErrors: Int64?
    /// The "Drive Status" row.
    public var status: NwipeStatus?

    /// A device first seen at `path`.
    public init(path: String) { self.path = path }

    /// The serial's raw bytes in lowercase hex.
    public var serialHex: String? { serialBytes.map { $0.map { String(format: "%02x", $0) }.joined() } }

    /// The name nwipe uses in its summary tables (`sdb`, `loop0`).
    public var tableName: String { (path as NSString).lastPathComponent }

    /// Whether `serial` (as the asset records it) is this device's serial: the same bytes, or
    /// their hex (how a non-UTF-8 serial, as loop devices and some USB bridges report, is recorded).
    public func hasSerial(_ serial: String) -> Bool {
        guard let serialBytes else { return false }
        let wanted = serial.trimmingCharacters(in: .whitespaces)
        guard !wanted.isEmpty else { return false }
        return Array(wanted.utf8) == serialBytes || wanted.lowercased() == serialHex
    }
}
