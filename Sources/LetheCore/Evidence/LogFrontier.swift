/// The right edge of the log's tree: the perfect subtrees that make up its first `size` entries,
/// largest first. Appending a leaf merges equal subtrees, which completes new perfect subtrees
/// (on average one per entry), so the store writes them as it goes.
public struct LogFrontier: Sendable {
    /// How many entries the tree holds.
    public private(set) var size: Int64
    /// The perfect subtrees, largest (leftmost) first.
    public private(set) var subtrees: [(level: Int, hash: [UInt8])]

    /// The empty tree.
    public init() {
        size = 0
        subtrees = []
    }

    /// The frontier of the first `size` entries of a stored tree: O(log n) reads.
    public init(size: Int64, tree: MerkleTree) throws(LetheError) {
        self.size = size
        subtrees = []
        var start: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 {
            subtrees.append((level, try tree.perfectHash(level: level, index: start >> level)))
            start += Int64(1) << level
        }
    }

    /// Adds a leaf; `completed(level, index, hash)` is called for every perfect subtree of level ≥ 1
    /// that the leaf completes, lowest first.
    public mutating func append(
        leafHash: [UInt8], hasher: any LogHasher,
        completed: (_ level: Int, _ index: Int64, _ hash: [UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        subtrees.append((0, leafHash))
        size += 1
        while subtrees.count >= 2, subtrees[subtrees.count - 1].level == subtrees[subtrees.count - 2].level {
            let right = subtrees.removeLast()
            let left = subtrees.removeLast()
            let level = left.level + 1
            let hash = hasher.nodeHash(left.hash, right.hash)
            subtrees.append((level, hash))
            try completed(level, (size >> level) - 1, hash)
        }
    }

    /// The root of the tree (RFC 9162's MTH of all its entries).
    public func root(hasher: any LogHasher) -> [UInt8] {
        guard var hash = subtrees.last?.hash else { return hasher.emptyRoot }
        for subtree in subtrees.dropLast().reversed() { hash = hasher.nodeHash(subtree.hash, hash) }
        return hash
    }
}
