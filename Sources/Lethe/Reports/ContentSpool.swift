import Crypto
import LetheCore
import LetheStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a report's content is written while it is computed: in memory, and past
/// ``threshold`` bytes in a file without a name in the data directory (mode 0600, removed by the
/// system when it is closed — or when the process dies, so a crash leaves nothing behind).
///
/// A year's content is hundreds of megabytes, computed from a ledger and a register of hundreds
/// more: held in memory, all of them were needed at once. Spooled, the content is read back
/// (``SpooledContent/load()``) only after the ledger and the register are let go.
final class ContentSpool {
    /// Bytes kept in memory before the spool moves them to its file.
    let threshold: Int
    /// The directory of the spool's file; nil keeps everything in memory.
    let directory: String?
    /// The spool's file, once opened (closed here unless handed to a ``SpoolFile``).
    private var descriptor: Int32 = -1
    /// The bytes written to the file so far.
    private var written = 0
    /// The SHA-256 of every byte given so far: the content is hashed as it is written, not
    /// read again for it (hundreds of megabytes at a year's size).
    private var hasher = SHA256()
    /// The SHA-256 of ``recordHead`` and every byte given so far, when there is one: the digest
    /// of the record the content is signed in, but for the bytes after it (``PrefixedDigest``).
    private var recordHasher: SHA256?
    /// The bytes the record the content is signed in starts with, before the content.
    private let recordHead: [UInt8]?

    /// The threshold a report's content is spooled at: 4 MiB (the buffer the content is
    /// written into holds as much before each move to the file).
    static let defaultThreshold = 4 << 20

    /// A spool in `directory` (nil: memory only). `recordHead`, when given, is what the record
    /// the content will be signed in starts with, before the content: the record's digest is
    /// then begun as the content is written, so that signing reads the file only when the head
    /// turns out to be other bytes.
    init(directory: String?, threshold: Int = ContentSpool.defaultThreshold, recordHead: [UInt8]? = nil) {
        self.directory = directory
        self.threshold = threshold
        self.recordHead = recordHead
        if let recordHead {
            var recordHasher = SHA256()
            recordHasher.update(data: recordHead)
            self.recordHasher = recordHasher
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Moves `buffer`'s bytes to the file, leaving it empty (its capacity kept), once it holds
    /// more than ``threshold`` bytes and there is a directory; otherwise leaves it as it is.
    func spill(_ buffer: inout [UInt8]) throws(LetheError) {
        guard buffer.count > threshold, let directory else { return }
        if descriptor < 0 { descriptor = try SpoolFile.createUnnamed(in: directory) }
        try writeAll(buffer)
        hash(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func hash(_ bytes: [UInt8]) {
        hasher.update(data: bytes)
        recordHasher?.update(data: bytes)
    }

    /// The content: `tail` (the bytes given since the last spill) after what was spilled.
    func finish(_ tail: [UInt8]) throws(LetheError) -> SpooledContent {
        hash(tail)
        let sha256 = Hex.encode(Array(hasher.finalize()))
        guard descriptor >= 0 else { return SpooledContent(bytes: tail, file: nil, sha256: sha256) }
        try writeAll(tail)
        let file = SpoolFile(descriptor: descriptor, count: written)
        descriptor = -1
        var content = SpooledContent(bytes: [], file: file, sha256: sha256)
        if let recordHead, let recordHasher {
            content.recordDigest = PrefixedDigest(head: recordHead, state: recordHasher)
        }
        return content
    }

    private func writeAll(_ buffer: [UInt8]) throws(LetheError) {
        try DescriptorIO.writeAll(buffer, to: descriptor, name: "the report's spool file in \(directory ?? "?")")
        written += buffer.count
    }
}

/// A report's computed content: its bytes in memory, or in a spool file.
struct SpooledContent: Sendable {
    /// The bytes, when they stayed in memory.
    var bytes: [UInt8]
    /// The spool file, when they did not.
    var file: SpoolFile?
    /// The SHA-256 of the content (hex), computed as it was written.
    var sha256: String
    /// The digest of the record the content is signed in, begun as the content was written to
    /// its spool file (none when it stayed in memory).
    var recordDigest: PrefixedDigest?

    /// The content's bytes, read back from the spool file if they are there.
    func load() throws(LetheError) -> [UInt8] {
        guard let file else { return bytes }
        // Read straight into uninitialised room (filling hundreds of megabytes with zeros first
        // took most of a second).
        var failure: LetheError?
        let bytes = [UInt8](unsafeUninitializedCapacity: file.count) { buffer, initialized in
            do throws(LetheError) {
                try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: 0)
                initialized = file.count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }
}
