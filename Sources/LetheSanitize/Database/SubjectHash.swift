import Dispatch
import LetheCore

/// A subject's keyed hash: HMAC-SHA-256 of its normalised identifier under the installation
/// secret. This is the only form in which Lethe stores, returns or logs a subject.
///
/// Persist it as its 64-character lowercase ``hex`` form and read it back with ``init(hex:)``.
public struct SubjectHash: Sendable, Hashable, Comparable, CustomStringConvertible {
    // The 32 bytes as four big-endian words: cheap to copy, hash and compare.
    let w0: UInt64
    let w1: UInt64
    let w2: UInt64
    let w3: UInt64

    /// Creates a hash from its four big-endian words.
    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Creates a hash from its 32 bytes.
    ///
    /// - Precondition: `bytes` holds exactly 32 bytes.
    public init(bytes: some Sequence<UInt8>) {
        var words: [UInt64] = [0, 0, 0, 0]
        var count = 0
        for byte in bytes {
            precondition(count < 32, "a subject hash has 32 bytes")
            words[count / 8] = words[count / 8] << 8 | UInt64(byte)
            count += 1
        }
        precondition(count == 32, "a subject hash has 32 bytes")
        (w0, w1, w2, w3) = (words[0], words[1], words[2], words[3])
    }

    /// Creates a hash from a 32-byte digest in memory.
    init(digest: UnsafeRawBufferPointer) {
        w0 = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Reads the 64-character hex form (either case); `nil` when it is not 64 hex digits.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
        self.init(bytes: bytes)
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                result.append(UInt8(truncatingIfNeeded: word >> shift))
            }
        }
        return result
    }

    /// Bytes `8 * index ..< 8 * index + 8` as one big-endian word (`index` 0...3): the bytes
    /// without an array.
    public func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: w0
        case 1: w1
        case 2: w2
        default: w3
        }
    }

    /// The 64-character lowercase hex form, as stored and shown.
    public var hex: String { Hex.encode(bytes) }

    /// The hex form.
    public var description: String { hex }

    /// Orders hashes by their bytes.
    public static func < (lhs: SubjectHash, rhs: SubjectHash) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }
}

/// Collects a scan's hashes and returns their bytes in ascending order, 32 per hash, each hash
/// once: the form in which a scan's holdings are merged with the stored ones and appended in key
/// order.
///
/// Keyed hashes are uniform, so a counting sort on their first 16 bits leaves buckets of a few
/// hashes each, finished by insertion sort: linear time, where a comparison sort of a million
/// hashes took most of a repeated scan's sorting time. Hashes are kept in fixed-size chunks and
/// counted per bucket as they arrive (no array regrown and copied while a million arrive).
public struct SortedHashCollector {
    private static let bucketCount = 1 << 16
    private static let chunkSize = 1 << 16
    private var chunks: [[SubjectHash]] = []
    /// The chunk being filled (kept apart from `chunks`: appending to an array inside an array
    /// checked both on every hash).
    private var current: [SubjectHash] = []
    private var counts = [Int](repeating: 0, count: bucketCount)
    /// How many hashes were added (duplicates included).
    public private(set) var count = 0

    /// An empty collector.
    public init() {}

    private static func bucket(_ hash: SubjectHash) -> Int { Int(truncatingIfNeeded: hash.w0 >> 48) }

    /// Adds one hash.
    public mutating func add(_ hash: SubjectHash) {
        if current.count == Self.chunkSize {
            chunks.append(current)
            current = []
        }
        if current.isEmpty { current.reserveCapacity(Self.chunkSize) }
        current.append(hash)
        counts[Self.bucket(hash)] += 1
        count += 1
    }

    /// The hashes' bytes in ascending order, each hash once; the collector is emptied.
    ///
    /// Two threads each take half of the buckets: each scatters the hashes of its buckets straight
    /// into the output and sorts them there, so neither writes where the other does.
    public mutating func sortedUniqueBytes() -> [UInt8] {
        let bucketCount = Self.bucketCount
        var starts = [Int](repeating: 0, count: bucketCount + 1)
        for index in 0..<bucketCount { starts[index + 1] = starts[index] + counts[index] }
        let total = count
        let chunks = self.chunks + [current]
        self = SortedHashCollector()
        guard total > 0 else { return [] }
        let bounds = starts
        // Scattered straight into the output, as big-endian words (byte order is word order),
        // sorted within each bucket, then compacted over duplicates if there are any.
        return [UInt8](unsafeUninitializedCapacity: total * 32) { bytes, written in
            let output = SortOutput(bytes.baseAddress!)
            let duplicates = UnsafeMutablePointer<Bool>.allocate(capacity: 2)
            duplicates.initialize(repeating: false, count: 2)
            defer { duplicates.deallocate() }
            let found = SortOutput.Flags(duplicates)
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let buckets = half * bucketCount / 2..<(half + 1) * bucketCount / 2
                found.pointer[half] = Self.sortHalf(buckets, of: chunks, starts: bounds, into: output)
            }
            guard duplicates[0] || duplicates[1] else {
                written = total * 32
                return
            }
            var kept = 0
            for index in 0..<total {
                let hash = output.load(index)
                if kept > 0, hash == output.load(kept - 1) { continue }
                if kept != index { output.store(hash, at: kept) }
                kept += 1
            }
            written = kept * 32
        }
    }

    /// Scatters the hashes whose bucket is in `buckets` to their places in `output` and sorts each
    /// bucket; returns whether two equal hashes were seen.
    private static func sortHalf(
        _ buckets: Range<Int>, of chunks: [[SubjectHash]], starts: [Int], into output: SortOutput
    ) -> Bool {
        var next = starts
        for chunk in chunks {
            for hash in chunk {
                let slot = bucket(hash)
                guard buckets.contains(slot) else { continue }
                output.store(hash, at: next[slot])
                next[slot] += 1
            }
        }
        var duplicates = false
        for slot in buckets where starts[slot + 1] - starts[slot] > 1 {
            let range = starts[slot]..<starts[slot + 1]
            if range.count > 64 {
                // Not what uniform hashes give: many copies of a few values (a placeholder
                // identifier on half the rows). A comparison sort keeps it n log n.
                for (index, hash) in zip(range, range.map(output.load).sorted()) { output.store(hash, at: index) }
                duplicates = true
                continue
            }
            for index in range.dropFirst() {
                let hash = output.load(index)
                var position = index
                while position > range.lowerBound, case let previous = output.load(position - 1), hash < previous {
                    output.store(previous, at: position)
                    position -= 1
                }
                if position != index { output.store(hash, at: position) }
                if position > range.lowerBound, output.load(position - 1) == hash { duplicates = true }
            }
        }
        return duplicates
    }
}

/// The sort's output buffer, written by two threads at disjoint hashes.
private struct SortOutput: @unchecked Sendable {
    let base: UnsafeMutableRawPointer

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = UnsafeMutableRawPointer(base) }

    func store(_ hash: SubjectHash, at index: Int) {
        base.storeBytes(of: hash.w0.bigEndian, toByteOffset: index * 32, as: UInt64.self)
        base.storeBytes(of: hash.w1.bigEndian, toByteOffset: index * 32 + 8, as: UInt64.self)
        base.storeBytes(of: hash.w2.bigEndian, toByteOffset: index * 32 + 16, as: UInt64.self)
        base.storeBytes(of: hash.w3.bigEndian, toByteOffset: index * 32 + 24, as: UInt64.self)
    }

    func load(_ index: Int) -> SubjectHash {
        SubjectHash(digest: UnsafeRawBufferPointer(start: base + index * 32, count: 32))
    }

    /// One flag per thread.
    struct Flags: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Bool>
        init(_ pointer: UnsafeMutablePointer<Bool>) { self.pointer = pointer }
    }
}
