import LetheCore

/// How much of a target a read-back checks.
public enum ReadbackMode: Sendable, Hashable {
    /// Every byte.
    case full
    /// Blocks drawn by a CSPRNG from `seed` at `ratePercent` with at least `minimum` blocks,
    /// always including the first and the last block.
    case sampled(ratePercent: Int, minimum: Int, seed: [UInt8])

    /// `full` or `sampled`, for records.
    public var name: String {
        switch self {
        case .full: "full"
        case .sampled: "sampled"
        }
    }
}

/// One place where the medium did not hold the expected pattern.
public struct ReadbackMismatch: Sendable, Hashable {
    /// The byte offset of the first differing byte in a 4 KiB sector.
    public var offset: Int64
    /// The expected byte there.
    public var expected: UInt8
    /// The byte found.
    public var found: UInt8
}

/// What a read-back found: enough to repeat it (mode, seed, blocks) and to judge it.
public struct ReadbackReport: Sendable {
    /// Full or sampled.
    public var mode: ReadbackMode
    /// The pattern compared against and the pass whose stream it is.
    public var pattern: OverwritePattern
    /// The pass whose bytes are expected (the last).
    public var pass: Int
    /// The target's size.
    public var size: Int64
    /// The sample block size (sampled mode) or buffer size (full).
    public var blockSize: Int
    /// Blocks read.
    public var blocksChecked: Int
    /// Bytes read.
    public var bytesRead: Int64
    /// The first 100 mismatching sectors.
    public var mismatches: [ReadbackMismatch]
    /// How many 4 KiB sectors mismatched in all.
    public var mismatchCount: Int64
    /// Whether the page cache was bypassed.
    public var directIO: Bool
    /// Seconds the read-back took.
    public var seconds: Double
    /// Whether it stopped early on a stop signal.
    public var interrupted: Bool

    /// Whether every byte read matched, and something was read: a read-back of nothing (an
    /// empty target) proves nothing.
    public var passed: Bool { mismatchCount == 0 && !interrupted && bytesRead > 0 }

    /// The report as JSON (canonical-encodable: no floats).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "mode": .string(mode.name), "pattern": .string(pattern.description), "pass": .integer(Int64(pass)),
            "size_bytes": .integer(size), "block_size": .integer(Int64(blockSize)),
            "blocks_checked": .integer(Int64(blocksChecked)), "bytes_read": .integer(bytesRead),
            "mismatch_count": .integer(mismatchCount), "direct_io": .bool(directIO),
            "milliseconds": .integer(Int64(seconds * 1000)), "interrupted": .bool(interrupted),
            "passed": .bool(passed),
            "mismatches": .array(
                mismatches.map {
                    [
                        "offset": .integer($0.offset), "expected": .integer(Int64($0.expected)),
                        "found": .integer(Int64($0.found)),
                    ]
                }),
        ]
        if case .sampled(let rate, let minimum, let seed) = mode {
            object["sample_rate_percent"] = .integer(Int64(rate))
            object["sample_minimum"] = .integer(Int64(minimum))
            object["sample_seed"] = .string(seed.map { String(format: "%02x", $0) }.joined())
        }
        return .object(object)
    }
}
