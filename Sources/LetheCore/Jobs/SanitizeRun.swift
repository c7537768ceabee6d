import Foundation

/// Where an overwrite run stands.
public enum SanitizeRunStatus: String, LetheVocabulary {
    /// Under way, or killed without a chance to say so (resume from its checkpoint).
    case running
    /// Stopped on request (SIGINT) at the recorded offset.
    case interrupted
    /// Every pass written and flushed.
    case completed
    /// An I/O error ended it.
    case failed
    public static let fieldName = "sanitize run status"
}

/// One overwrite of a job's target by Lethe, with its checkpoint: enough to resume it and to
/// regenerate what it wrote for a read-back.
public struct SanitizeRun: Sendable, Hashable {
    /// The run number (0 before it is stored).
    public var id: Int64
    /// The job it executes.
    public var jobID: Int64
    /// The target as given.
    public var target: String
    /// The path it resolved to (what is written and read back).
    public var resolvedTarget: String
    /// Whether the target is a block device.
    public var isBlockDevice: Bool
    /// Bytes per pass.
    public var sizeBytes: Int64
    /// The pattern (`zero`, `byte:0x5a`, `random`).
    public var pattern: String
    /// Passes asked for.
    public var passes: Int
    /// The random stream's seed, hex (recorded so a read-back can regenerate it; not a secret).
    public var seedHex: String
    /// Where it stands.
    public var status: SanitizeRunStatus
    /// The checkpoint: pass (from 1) and bytes of it flushed.
    public var pass: Int
    /// Bytes of `pass` flushed.
    public var offset: Int64
    /// Bytes written over all attempts.
    public var bytesWritten: Int64
    /// Milliseconds spent writing over all attempts.
    public var milliseconds: Int64
    /// Whether every write bypassed the page cache.
    public var directIO: Bool
    /// Why the serial check was skipped, when it was.
    public var serialIgnoredReason: String?
    /// The image file the run writes, as `device:inode` (nil for a block device, whose node can
    /// change between boots, and for runs recorded before it was kept): a resume refuses another
    /// file at the same path.
    public var targetIdentity: String?
    /// Why the size check was skipped (`--ignore-size --reason`), when it was (nil for runs recorded
    /// before it was kept).
    public var sizeIgnoredReason: String?
    /// When it started.
    public var startedAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a run record.
    public init(
        id: Int64 = 0, jobID: Int64, target: String, resolvedTarget: String, isBlockDevice: Bool, sizeBytes: Int64,
        pattern: String, passes: Int, seedHex: String, status: SanitizeRunStatus = .running, pass: Int = 1,
        offset: Int64 = 0, bytesWritten: Int64 = 0, milliseconds: Int64 = 0, directIO: Bool = true,
        serialIgnoredReason: String? = nil, startedAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.jobID = jobID
        self.target = target
        self.resolvedTarget = resolvedTarget
        self.isBlockDevice = isBlockDevice
        self.sizeBytes = sizeBytes
        self.pattern = pattern
        self.passes = passes
        self.seedHex = seedHex
        self.status = status
        self.pass = pass
        self.offset = offset
        self.bytesWritten = bytesWritten
        self.milliseconds = milliseconds
        self.directIO = directIO
        self.serialIgnoredReason = serialIgnoredReason
        self.startedAt = startedAt
        self.updatedAt = updatedAt ?? startedAt
    }

    /// The run as JSON.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .integer(id), "job": .integer(jobID), "target": .string(target),
            "resolved_target": .string(resolvedTarget), "block_device": .bool(isBlockDevice),
            "size_bytes": .integer(sizeBytes), "pattern": .string(pattern), "passes": .integer(Int64(passes)),
            "seed": .string(seedHex), "status": .string(status.rawValue), "pass": .integer(Int64(pass)),
            "offset": .integer(offset), "bytes_written": .integer(bytesWritten), "milliseconds": .integer(milliseconds),
            "direct_io": .bool(directIO), "started_at": .string(RFC3339.format(startedAt)),
            "updated_at": .string(RFC3339.format(updatedAt)),
        ]
        object["serial_ignored_reason"] = serialIgnoredReason.map(JSONValue.string)
        object["size_ignored_reason"] = sizeIgnoredReason.map(JSONValue.string)
        return .object(object)
    }
}

extension EventType {
    /// An overwrite run stopped on request; the payload holds the exact pass and offset reached.
    public static let jobInterrupted: EventType = "job.interrupted"
    /// An interrupted or killed overwrite run continued from its checkpoint.
    public static let jobResumed: EventType = "job.resumed"
}
