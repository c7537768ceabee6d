/// Roots and proofs of the evidence log, computed from stored subtree hashes (RFC 9162 §2.1).
///
/// Perfect subtrees of at least ``firstStoredLevel`` levels are read from the store; smaller ones
/// are folded from leaf hashes. A root, an inclusion proof or a consistency proof therefore costs
/// O(log n) reads, never a rebuild of the tree.
public struct MerkleTree {
    /// The lowest level whose perfect-subtree hashes the store keeps (16-leaf subtrees): one node
    /// row per 8 events on average, and at most 15 leaf hashes read to fold a smaller subtree.
    public static let firstStoredLevel = 4

    /// The hash functions.
    public let hasher: any LogHasher
    /// Where hashes are read from.
    public let source: any LogTreeReading

    /// A tree over a source.
    public init(hasher: any LogHasher, source: any LogTreeReading) {
        self.hasher = hasher
        self.source = source
    }

    /// The hash of the perfect subtree `level`/`index`: stored, else computed from below.
    public func perfectHash(level: Int, index: Int64) throws(LetheError) -> [UInt8] {
        if level >= Self.firstStoredLevel {
            if let stored = try source.storedLogNode(level: level, index: index) { return stored }
            return hasher.nodeHash(
                try perfectHash(level: level - 1, index: index * 2),
                try perfectHash(level: level - 1, index: index * 2 + 1))
        }
        var hashes = try source.logLeafHashes(from: index << level, count: 1 << level)
        guard hashes.count == 1 << level else {
            throw LetheError(.internal, "the evidence log lacks entries \(index << level) ..< \((index + 1) << level)")
        }
        while hashes.count > 1 {
            hashes = stride(from: 0, to: hashes.count, by: 2).map { hasher.nodeHash(hashes[$0], hashes[$0 + 1]) }
        }
        return hashes[0]
    }

    /// MTH(D[start ..< start + size]) for a range whose start is aligned as RFC 9162's recursion makes it.
    func rangeHash(start: Int64, size: Int64) throws(LetheError) -> [UInt8] {
        precondition(size >= 1)
        if size & (size - 1) == 0, start % size == 0 {
            let level = size.trailingZeroBitCount
            return try perfectHash(level: level, index: start >> level)
        }
        let split = Self.largestPowerOfTwo(below: size)
        return hasher.nodeHash(
            try rangeHash(start: start, size: split), try rangeHash(start: start + split, size: size - split))
    }

    /// The root hash of the first `size` entries.
    public func root(size: Int64) throws(LetheError) -> [UInt8] {
        size == 0 ? hasher.emptyRoot : try rangeHash(start: 0, size: size)
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries (RFC 9162 §2.1.3.1), leaf first.
    public func inclusionProof(index: Int64, size: Int64) throws(LetheError) -> [[UInt8]] {
        guard index >= 0, index < size else {
            throw LetheError(.usage, "log index \(index) is not in a tree of \(size) entries (0 ..< \(size))")
        }
        var path: [[UInt8]] = []
        var (start, count) = (Int64(0), size)
        while count > 1 {
            let split = Self.largestPowerOfTwo(below: count)
            if index - start < split {
                path.append(try rangeHash(start: start + split, size: count - split))
                count = split
            } else {
                path.append(try rangeHash(start: start, size: split))
                start += split
                count -= split
            }
        }
        return path.reversed()
    }

    /// The consistency proof from the tree of `oldSize` entries to the tree of `newSize`
    /// (RFC 9162 §2.1.4.1).
    public func consistencyProof(from oldSize: Int64, to newSize: Int64) throws(LetheError) -> [[UInt8]] {
        guard oldSize >= 0, oldSize <= newSize else {
            throw LetheError(
                .usage, "a consistency proof needs 0 ≤ old size ≤ new size (got \(oldSize) and \(newSize))")
        }
        guard oldSize > 0, oldSize < newSize else { return [] }
        var proof: [[UInt8]] = []
        var (start, count, old, complete) = (Int64(0), newSize, oldSize, true)
        while old < count {
            let split = Self.largestPowerOfTwo(below: count)
            if old <= split {
                proof.append(try rangeHash(start: start + split, size: count - split))
                count = split
            } else {
                proof.append(try rangeHash(start: start, size: split))
                start += split
                count -= split
                old -= split
                complete = false
            }
        }
        if !complete { proof.append(try rangeHash(start: start, size: count)) }
        return proof.reversed()
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int64) -> Int64 {
        Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }
}
