import Crypto
import LetheCore

/// Recomputes the evidence log's tree from its stored entries, batch after batch, checking each
/// entry on the way: its position, its stored leaf hash and the sequence number in its body.
///
/// The hot loop of `lethe log verify`: RFC 9162 hashing with swift-crypto's SHA-256 over
/// contiguous bytes, hashes kept as 32-byte values (no allocation per entry), the tree's right
/// edge kept as a stack of perfect subtrees (O(log n) memory), and the completed subtree hashes of
/// the stored levels kept to be compared with the store's afterwards.
public struct LogReplay: Sendable {
    /// A SHA-256 hash held inline.
    public struct Hash: Hashable, Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64)

        /// The hash in the first 32 bytes of `bytes`.
        public init(_ bytes: UnsafeRawBufferPointer) {
            precondition(bytes.count >= 32, "a SHA-256 hash is 32 bytes")
            words = (
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }

        init(_ digest: SHA256Digest) {
            self = digest.withUnsafeBytes { Hash($0) }
        }

        /// The 32 bytes.
        public var bytes: [UInt8] {
            withUnsafeBytes(of: words) { Array($0) }
        }

        public static func == (lhs: Hash, rhs: Hash) -> Bool {
            lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
                && lhs.words.3 == rhs.words.3
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
        }
    }

    /// What is wrong with an entry.
    public enum Fault: Sendable, Equatable {
        /// No row holds entry `index`: the next stored row is event `nextSeq`.
        case missing(index: Int64, nextSeq: Int64)
        /// The bytes of entry `index` no longer match the leaf hash stored with them.
        case changed(index: Int64)
        /// Entry `index` holds the body of another event (its `"seq"` differs from its row's).
        case foreignBody(index: Int64)
    }

    /// Why ``replay(_:from:until:)`` stopped.
    public enum Stop: Sendable, Equatable {
        /// Every entry of the batch was replayed.
        case endOfBatch
        /// The tree reached the size asked for (a checkpoint's); the batch may hold more.
        case reachedSize
        /// An entry is wrong; nothing after it was replayed.
        case fault(Fault)
    }

    /// How many entries were replayed.
    public private(set) var size: Int64 = 0
    /// The perfect subtrees that make up the entries so far, largest (leftmost) first.
    private var subtrees: [(level: Int, hash: Hash)] = []
    /// The completed subtree hashes of each stored level (index = level), in index order.
    public private(set) var completedNodes: [[Hash]]

    /// An empty tree.
    public init() {
        subtrees.reserveCapacity(64)
        completedNodes = Array(repeating: [], count: 64)
    }

    /// Replays entries of `batch` from `row` on, advancing `row`, until the batch ends, the
    /// tree holds `limit` entries, or an entry is wrong.
    public mutating func replay(_ batch: LogEntryBatch, from row: inout Int, until limit: Int64) -> Stop {
        while row < batch.count {
            if size == limit { return .reachedSize }
            let index = size
            let seq = batch.seq(at: row)
            guard seq == index + 1 else { return .fault(.missing(index: index, nextSeq: seq)) }
            let leaf =
                row < batch.hashedCount ? Hash(batch.computedLeafHash(at: row)) : Self.leafHash(batch, row)
            switch batch.storedLeaf(at: row) {
            case .absent: break
            case .present:
                guard Hash(batch.storedLeafHash(at: row)) == leaf else { return .fault(.changed(index: index)) }
            case .malformed: return .fault(.changed(index: index))
            }
            guard Self.sequenceNumber(in: batch.entry(at: row)) == seq else {
                return .fault(.foreignBody(index: index))
            }
            append(leaf)
            row += 1
        }
        return size == limit ? .reachedSize : .endOfBatch
    }

    /// Computes the leaf hashes of the entries of `batch` up to `count` that have none yet: a
    /// share of the hashing done by another thread before the batch is replayed.
    public static func hashLeaves(of batch: LogEntryBatch, upTo count: Int) {
        while batch.hashedCount < min(count, batch.count) {
            let leaf = leafHash(batch, batch.hashedCount)
            withUnsafeBytes(of: leaf.words) { batch.appendComputedLeafHash($0) }
        }
    }

    /// `SHA-256(0x00 ‖ entry)` of entry `row` of `batch`, from its prefixed bytes.
    static func leafHash(_ batch: LogEntryBatch, _ row: Int) -> Hash {
        var hasher = SHA256()
        hasher.update(bufferPointer: batch.prefixedEntry(at: row))
        return Hash(hasher.finalize())
    }

    private mutating func append(_ leaf: Hash) {
        size += 1
        var level = 0
        var hash = leaf
        while let last = subtrees.last, last.level == level {
            subtrees.removeLast()
            hash = Self.nodeHash(last.hash, hash)
            level += 1
            if level >= MerkleTree.firstStoredLevel { completedNodes[level].append(hash) }
        }
        subtrees.append((level, hash))
    }

    /// The root of the entries replayed so far (RFC 9162's MTH).
    public var root: [UInt8] {
        guard var hash = subtrees.last?.hash else { return Array(SHA256.hash(data: [UInt8]())) }
        for subtree in subtrees.dropLast().reversed() { hash = Self.nodeHash(subtree.hash, hash) }
        return hash.bytes
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`, hashed from one 65-byte buffer on the stack.
    static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer.storeBytes(of: 1, toByteOffset: 0, as: UInt8.self)
            withUnsafeBytes(of: left.words) {
                buffer.baseAddress!.advanced(by: 1).copyMemory(from: $0.baseAddress!, byteCount: 32)
            }
            withUnsafeBytes(of: right.words) {
                buffer.baseAddress!.advanced(by: 33).copyMemory(from: $0.baseAddress!, byteCount: 32)
            }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return Hash(hasher.finalize())
        }
    }

    /// The top-level `"seq":N` member of a stored event body, read without decoding the body: in
    /// canonical order only `time`, `type` and `v` follow it, so it is the last `"seq":` in the bytes.
    public static func sequenceNumber(in body: UnsafeRawBufferPointer) -> Int64? {
        // `"seq":` is 6 bytes; find the last one by its `q` (rare in JSON), scanning backwards and
        // skipping 8 candidate positions at once when none of their `q` bytes is one.
        let count = body.count
        guard count > 6, let base = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var found = count - 6
        while true {
            if found >= 7 {
                // The `q` bytes of the candidates found - 7 ... found.
                let word = UnsafeRawPointer(base + found - 4).loadUnaligned(as: UInt64.self) ^ 0x7171_7171_7171_7171
                if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 == 0 {
                    found -= 8
                    continue
                }
            }
            if base[found + 3] == 0x71, base[found] == 0x22, base[found + 1] == 0x73, base[found + 2] == 0x65,
                base[found + 4] == 0x22, base[found + 5] == 0x3A
            {
                break
            }
            if found == 0 { return nil }
            found -= 1
        }
        let start = found + 6
        var value: Int64 = 0
        var index = start
        while index < count, base[index] >= 0x30, base[index] <= 0x39 {
            // More than 18 digits is no sequence number of ours (and would overflow).
            guard index - start < 18 else { return nil }
            value = value * 10 + Int64(base[index] - 0x30)
            index += 1
        }
        return index > start ? value : nil
    }
}
