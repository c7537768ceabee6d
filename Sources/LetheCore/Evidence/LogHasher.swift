/// The hash functions of the evidence log (RFC 6962 / RFC 9162): a leaf is
/// `SHA-256(0x00 ‖ entry)`, an interior node `SHA-256(0x01 ‖ left ‖ right)`.
///
/// LetheCore and LetheStore hold no cryptography: the implementation lives in LetheEvidence
/// (`SHA256LogHasher`) and the application layer hands it to the store.
public protocol LogHasher: Sendable {
    /// The hash of a log entry's bytes: `SHA-256(0x00 ‖ entry)`.
    func leafHash(_ entry: [UInt8]) -> [UInt8]
    /// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
    func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8]
    /// The root of the empty tree: `SHA-256()` of nothing.
    var emptyRoot: [UInt8] { get }
    /// The leaf hash of bytes in a buffer (no copy).
    func leafHash(bytes: UnsafeRawBufferPointer) -> [UInt8]
}

extension LogHasher {
    /// Copies the bytes, then hashes them; implementations override it to hash in place.
    public func leafHash(bytes: UnsafeRawBufferPointer) -> [UInt8] { leafHash(Array(bytes)) }
}

/// Where the Merkle algorithms read a tree from: stored perfect-subtree hashes and leaf hashes.
public protocol LogTreeReading {
    /// The stored hash of the perfect subtree `level`/`index` (covering leaves
    /// `index·2^level ..< (index+1)·2^level`), or nil when it is not stored.
    func storedLogNode(level: Int, index: Int64) throws(LetheError) -> [UInt8]?
    /// The leaf hashes of the entries `from ..< from + count` (0-based log indexes).
    func logLeafHashes(from index: Int64, count: Int) throws(LetheError) -> [[UInt8]]
}
