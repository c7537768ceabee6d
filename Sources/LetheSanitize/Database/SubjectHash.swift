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
    private var counts = [Int](repeating: 0, count: bucketCount)
    /// How many hashes were added (duplicates included).
    public private(set) var count = 0

    /// An empty collector.
    public init() {}

    private static func bucket(_ hash: SubjectHash) -> Int { Int(truncatingIfNeeded: hash.w0 >> 48) }

    /// Adds one hash.
    public mutating func add(_ hash: SubjectHash) {
        if chunks.isEmpty || chunks[chunks.count - 1].count == Self.chunkSize {
            chunks.append([])
            chunks[chunks.count - 1].reserveCapacity(Self.chunkSize)
        }
        chunks[chunks.count - 1].append(hash)
        counts[Self.bucket(hash)] += 1
        count += 1
    }

    /// The hashes' bytes in ascending order, each hash once; the collector is emptied.
    public mutating func sortedUniqueBytes() -> [UInt8] {
        let bucketCount = Self.bucketCount
        func bucket(_ hash: SubjectHash) -> Int { Self.bucket(hash) }
        var starts = [Int](repeating: 0, count: bucketCount + 1)
        for index in 0..<bucketCount { starts[index + 1] = starts[index] + counts[index] }
        let total = count
        let chunks = self.chunks
        self = SortedHashCollector()
        var next = starts
        // Scattered straight into the output, as big-endian words (byte order is word order),
        // sorted within each bucket, then compacted over duplicates: one buffer, no second array.
        return [UInt8](unsafeUninitializedCapacity: total * 32) { bytes, written in
            let raw = UnsafeMutableRawBufferPointer(bytes)
            func store(_ hash: SubjectHash, at index: Int) {
                raw.storeBytes(of: hash.w0.bigEndian, toByteOffset: index * 32, as: UInt64.self)
                raw.storeBytes(of: hash.w1.bigEndian, toByteOffset: index * 32 + 8, as: UInt64.self)
                raw.storeBytes(of: hash.w2.bigEndian, toByteOffset: index * 32 + 16, as: UInt64.self)
                raw.storeBytes(of: hash.w3.bigEndian, toByteOffset: index * 32 + 24, as: UInt64.self)
            }
            func load(_ index: Int) -> SubjectHash {
                SubjectHash(digest: UnsafeRawBufferPointer(rebasing: raw[index * 32..<index * 32 + 32]))
            }
            for chunk in chunks {
                for hash in chunk {
                    let slot = bucket(hash)
                    store(hash, at: next[slot])
                    next[slot] += 1
                }
            }
            for slot in 0..<bucketCount where starts[slot + 1] - starts[slot] > 1 {
                let range = starts[slot]..<starts[slot + 1]
                if range.count > 64 {
                    // Not what uniform hashes give: many copies of a few values (a placeholder
                    // identifier on half the rows). A comparison sort keeps it n log n.
                    for (index, hash) in zip(range, range.map(load).sorted()) { store(hash, at: index) }
                    continue
                }
                for index in range.dropFirst() {
                    let hash = load(index)
                    var position = index
                    while position > range.lowerBound, case let previous = load(position - 1), hash < previous {
                        store(previous, at: position)
                        position -= 1
                    }
                    if position != index { store(hash, at: position) }
                }
            }
            var kept = 0
            for index in 0..<total {
                let hash = load(index)
                if kept > 0, hash == load(kept - 1) { continue }
                if kept != index { store(hash, at: kept) }
                kept += 1
            }
            written = kept * 32
        }
    }
}
