/// A run of stored log entries copied into one contiguous buffer, so that a full verification can
/// read the store on one thread while another hashes the previous run.
///
/// Each entry's bytes follow the leaf prefix byte `0x00` in the buffer, so `SHA-256(0x00 ‖ entry)`
/// is one pass over contiguous memory. The buffers are reused from run to run: filling a batch
/// allocates nothing once it has grown to its working size. A batch is owned by one thread at a
/// time; it is handed between threads whole (hence `@unchecked Sendable`).
public final class LogEntryBatch: @unchecked Sendable {
    /// How many entries the batch takes before it is full.
    public let maximumCount: Int
    // The mutable state is only touched by the thread that owns the batch: no dynamic
    // exclusivity checks in the hot loop.
    /// How many entries it holds.
    @exclusivity(unchecked) public private(set) var count = 0
    /// How many entries, from the first, have their leaf hash computed in ``computedLeafHash(at:)``.
    @exclusivity(unchecked) public private(set) var hashedCount = 0

    @exclusivity(unchecked) private var bytes: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var byteCapacity: Int
    @exclusivity(unchecked) private var used = 0
    private let seqs: UnsafeMutablePointer<Int64>
    /// Where each entry's prefix byte is; entry `i` ends where entry `i + 1` starts (or at `used`).
    private let starts: UnsafeMutablePointer<Int>
    private let leafHashes: UnsafeMutableRawPointer
    private let leafStates: UnsafeMutablePointer<StoredLeaf>
    private let computedLeafHashes: UnsafeMutableRawPointer

    /// What was stored in an entry's leaf-hash column.
    public enum StoredLeaf: UInt8, Sendable {
        /// NULL: a row written before the log kept leaf hashes.
        case absent
        /// 32 bytes, readable with ``storedLeafHash(at:)``.
        case present
        /// A value that cannot be a SHA-256 leaf hash (not 32 bytes): it matches no entry.
        case malformed
    }

    /// An empty batch of at most `maximumCount` entries, with room for `byteCapacity` bytes of
    /// entries before its buffer grows.
    public init(maximumCount: Int, byteCapacity: Int) {
        precondition(maximumCount >= 1)
        self.maximumCount = maximumCount
        self.byteCapacity = max(byteCapacity, 64)
        bytes = .allocate(byteCount: self.byteCapacity, alignment: 16)
        seqs = .allocate(capacity: maximumCount)
        starts = .allocate(capacity: maximumCount)
        leafHashes = .allocate(byteCount: 32 * maximumCount, alignment: 16)
        leafStates = .allocate(capacity: maximumCount)
        computedLeafHashes = .allocate(byteCount: 32 * maximumCount, alignment: 16)
    }

    deinit {
        bytes.deallocate()
        seqs.deallocate()
        starts.deallocate()
        leafHashes.deallocate()
        leafStates.deallocate()
        computedLeafHashes.deallocate()
    }

    /// Whether another entry would exceed ``maximumCount``.
    public var isFull: Bool { count == maximumCount }

    /// Empties the batch, keeping its buffers.
    public func removeAll() {
        count = 0
        hashedCount = 0
        used = 0
    }

    /// Copies an entry in; the batch must not be full. The byte buffer grows when the entry
    /// does not fit.
    public func append(seq: Int64, entry: UnsafeRawBufferPointer, leafHash: UnsafeRawBufferPointer?) {
        precondition(count < maximumCount, "append to a full log entry batch")
        let needed = used + 1 + entry.count
        if needed > byteCapacity { grow(to: needed) }
        bytes.storeBytes(of: 0, toByteOffset: used, as: UInt8.self)
        if let base = entry.baseAddress, entry.count > 0 {
            (bytes + used + 1).copyMemory(from: base, byteCount: entry.count)
        }
        seqs[count] = seq
        starts[count] = used
        if let leafHash {
            if leafHash.count == 32, let base = leafHash.baseAddress {
                (leafHashes + 32 * count).copyMemory(from: base, byteCount: 32)
                leafStates[count] = .present
            } else {
                leafStates[count] = .malformed
            }
        } else {
            leafStates[count] = .absent
        }
        used = needed
        count += 1
    }

    private func grow(to needed: Int) {
        var capacity = byteCapacity
        while capacity < needed { capacity *= 2 }
        let larger = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        larger.copyMemory(from: bytes, byteCount: used)
        bytes.deallocate()
        bytes = larger
        byteCapacity = capacity
    }

    /// The `seq` column of entry `index` of the batch.
    public func seq(at index: Int) -> Int64 { seqs[index] }

    /// `0x00 ‖ entry` of entry `index` of the batch: the input of its leaf hash.
    public func prefixedEntry(at index: Int) -> UnsafeRawBufferPointer {
        let start = starts[index]
        let end = index + 1 < count ? starts[index + 1] : used
        return UnsafeRawBufferPointer(start: bytes + start, count: end - start)
    }

    /// The stored bytes of entry `index` of the batch.
    public func entry(at index: Int) -> UnsafeRawBufferPointer {
        let prefixed = prefixedEntry(at: index)
        return UnsafeRawBufferPointer(rebasing: prefixed[1...])
    }

    /// What the leaf-hash column of entry `index` held.
    public func storedLeaf(at index: Int) -> StoredLeaf { leafStates[index] }

    /// Keeps the leaf hash computed for the next entry without one (entry ``hashedCount``).
    public func appendComputedLeafHash(_ hash: UnsafeRawBufferPointer) {
        precondition(hashedCount < count && hash.count == 32)
        (computedLeafHashes + 32 * hashedCount).copyMemory(from: hash.baseAddress!, byteCount: 32)
        hashedCount += 1
    }

    /// The leaf hash computed for entry `index`, which must be below ``hashedCount``.
    public func computedLeafHash(at index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: computedLeafHashes + 32 * index, count: 32)
    }

    /// The 32 bytes of the stored leaf hash of entry `index`, when ``storedLeaf(at:)`` is `present`.
    public func storedLeafHash(at index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: leafHashes + 32 * index, count: 32)
    }
}
