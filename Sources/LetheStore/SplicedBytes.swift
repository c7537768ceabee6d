import Crypto
import LetheCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file without a name (a report's spool): closed, and so removed, when the last
/// reference goes.
public final class SpoolFile: Sendable {
    /// The open descriptor, for reading with `pread` (never moved: every read names its offset).
    public let descriptor: Int32
    /// The bytes the file holds, from offset 0.
    public let count: Int

    /// Takes over `descriptor`, which holds `count` bytes.
    public init(descriptor: Int32, count: Int) {
        self.descriptor = descriptor
        self.count = count
    }

    deinit { close(descriptor) }

    /// A file without a name in `directory`, open for reading and writing (mode 0600): on Linux
    /// made with O_TMPFILE, so it never has a name and nothing is left behind when it is closed
    /// or the process dies; elsewhere (or where the file system lacks O_TMPFILE) given a private
    /// name, removed at once (a crash between the two leaves that one file).
    public static func createUnnamed(in directory: String) throws(LetheError) -> Int32 {
        #if os(Linux)
            // (Glibc does not export O_TMPFILE: __O_TMPFILE | O_DIRECTORY, as in <fcntl.h>.)
            let unnamed = open(directory, Int32(0o20_000_000) | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o600)
            if unnamed >= 0 { return unnamed }
        #endif
        var template = Array("\(directory)/.report-spool-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw LetheError(
                .io, "cannot create the report's spool file in \(directory): \(String(cString: strerror(errno)))")
        }
        // Not passed on to a program started meanwhile (Glibc's module lacks mkostemp).
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fchmod(descriptor, 0o600)
        return descriptor
    }

    /// Reads bytes `offset..<offset + buffer.count` into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(LetheError) {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                throw LetheError(
                    .io, "cannot read the report's spool file: \(String(cString: strerror(count == 0 ? EIO : errno)))")
            }
            done += count
        }
    }
}

/// Bytes too large to hold in memory (a year's report record, hundreds of megabytes): `head`,
/// then the whole of a ``SpoolFile``, then `tail`, read in pieces wherever they go — a hash, a
/// blob in the store, a file.
public struct SplicedBytes: Sendable, Hashable {
    /// The bytes before the file's.
    public let head: [UInt8]
    /// The file whose bytes come between.
    public let file: SpoolFile
    /// The bytes after the file's.
    public let tail: [UInt8]
    /// The SHA-256 the whole must have, once known (the record was signed with it): every pass
    /// over the bytes checks it, so nothing is stored or written that differs from what was signed.
    public let sha256: [UInt8]?

    /// `head`, the bytes of `file`, then `tail`; `sha256`, when given, is the SHA-256 every read
    /// of them checks.
    public init(head: [UInt8], file: SpoolFile, tail: [UInt8], sha256: [UInt8]? = nil) {
        self.head = head
        self.file = file
        self.tail = tail
        self.sha256 = sha256
    }

    /// `bytes` written to a file without a name in `directory`, checked against their SHA-256.
    public init(spooling bytes: [UInt8], in directory: String) throws(LetheError) {
        let file = SpoolFile(descriptor: try SpoolFile.createUnnamed(in: directory), count: bytes.count)
        try DescriptorIO.writeAll(bytes, to: file.descriptor, name: "the record's spool file in \(directory)")
        self.init(head: [], file: file, tail: [], sha256: Array(SHA256.hash(data: bytes)))
    }

    /// The same bytes, whose every read checks that they have the SHA-256 `digest`.
    public func checking(sha256 digest: [UInt8]) -> SplicedBytes {
        SplicedBytes(head: head, file: file, tail: tail, sha256: digest)
    }

    /// The size of the whole.
    public var count: Int { head.count + file.count + tail.count }

    /// The size of the pieces the file is read in.
    public static let pieceSize = 1 << 20

    /// Calls `body` with every piece in order (the head, the file's bytes a megabyte at a time,
    /// the tail), each valid during the call only. With a ``sha256`` to check, the pieces are
    /// hashed as they go (on a thread of their own, ``DigestBeside``, from 8 MB on), and a whole
    /// that does not have it throws after the last piece (a store's transaction or a file
    /// written from them is then abandoned).
    public func forEachPiece(
        _ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void
    ) throws(LetheError) {
        guard let sha256 else { return try eachPiece(body) }
        guard count >= 8 * Self.pieceSize else {
            var hasher = SHA256()
            try eachPiece { (piece) throws(LetheError) in
                hasher.update(bufferPointer: piece)
                try body(piece)
            }
            guard Array(hasher.finalize()) == sha256 else { throw Self.changed }
            return
        }
        let digest = DigestBeside()
        do {
            try eachPiece { (piece) throws(LetheError) in
                digest.add(piece)
                try body(piece)
            }
        } catch {
            digest.stop()
            throw error
        }
        guard digest.finish() == sha256 else { throw Self.changed }
    }

    /// Hands the bytes to `sink` in order, a piece at a time as ``forEachPiece(_:)`` reads and
    /// checks them, holding each piece back until the next is read: the last is handed on only
    /// once the whole has its digest. A reader that takes everything it is given (an HTTP client
    /// told the length, an archive being sent) never receives all of bytes that failed the check.
    public func handOn(to sink: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) {
        var held: [UInt8]?
        try forEachPiece { (piece) throws(LetheError) in
            // An empty head or tail is no piece: the file's last bytes must stay held.
            guard !piece.isEmpty else { return }
            if let held { try sink(held) }
            held = Array(piece)
        }
        if let held { try sink(held) }
    }

    /// What a pass over bytes that do not have their digest (signed, or taken as they were
    /// written) throws: the store's transaction is rolled back and a file written from them is
    /// never put in place.
    private static let changed = LetheError(
        .io,
        "a report's spool file no longer has the SHA-256 its bytes were signed or written with; nothing was stored or written from it"
    )

    /// The SHA-256 of the whole and of the file's bytes alone, in one pass over the file.
    public func digests() throws(LetheError) -> (whole: [UInt8], file: [UInt8]) {
        var whole = SHA256()
        var middle = SHA256()
        whole.update(data: head)
        try eachFilePiece { (piece) throws(LetheError) in
            whole.update(bufferPointer: piece)
            middle.update(bufferPointer: piece)
        }
        whole.update(data: tail)
        return (Array(whole.finalize()), Array(middle.finalize()))
    }

    private func eachPiece(_ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void) throws(LetheError) {
        try Self.withBytes(head, body)
        try eachFilePiece(body)
        try Self.withBytes(tail, body)
    }

    /// Calls `body` with the file's bytes a megabyte at a time.
    private func eachFilePiece(_ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void) throws(LetheError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.pieceSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < file.count {
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(Self.pieceSize, file.count - offset)])
            try file.read(into: piece, at: offset)
            try body(UnsafeRawBufferPointer(piece))
            offset += piece.count
        }
    }

    /// `bytes.withUnsafeBytes(body)`, with `body`'s error type kept.
    static func withBytes(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void
    ) throws(LetheError) {
        var failure: LetheError?
        bytes.withUnsafeBytes { buffer in
            do throws(LetheError) { try body(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The whole in one array (for a reader that needs it all: a rendering of the report),
    /// checked against ``sha256`` when it is set.
    public func load() throws(LetheError) -> [UInt8] {
        var failure: LetheError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(LetheError) {
                let raw = UnsafeMutableRawBufferPointer(buffer)
                raw.copyBytes(from: head)
                try file.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: raw[head.count..<head.count + file.count]),
                    at: 0)
                UnsafeMutableRawBufferPointer(rebasing: raw[(head.count + file.count)...]).copyBytes(from: tail)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        if let sha256, Array(SHA256.hash(data: bytes)) != sha256 { throw Self.changed }
        return bytes
    }

    /// Writes the whole to `descriptor` at its current position.
    public func write(to descriptor: Int32, name: String) throws(LetheError) {
        try forEachPiece { (piece) throws(LetheError) in try DescriptorIO.writeAll(piece, to: descriptor, name: name) }
    }

    /// Equal when made of the same head, the same open file and the same tail (and checking the
    /// same digest).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.head == rhs.head && lhs.file === rhs.file && lhs.tail == rhs.tail && lhs.sha256 == rhs.sha256
    }

    /// Hashes the head, the file's identity and the tail.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(head)
        hasher.combine(ObjectIdentifier(file))
        hasher.combine(tail)
        hasher.combine(sha256)
    }
}

/// Spliced bytes read once in order, then a range at a time (``PiecewiseBytes``), every read
/// checked: the pass in order checks the whole's SHA-256 (``SplicedBytes/sha256``) and takes the
/// SHA-256 of each block of ``blockSize`` bytes; a range read later reads the blocks it touches
/// and checks each against the digest the pass took. A rendering of a year's report reads its
/// rows this way, never holding the record whole, and draws nothing the signed record does not
/// hold.
public final class CheckedSplicedReader: PiecewiseBytes {
    /// The bytes read.
    public let spliced: SplicedBytes
    /// The size of the blocks checked on a range read.
    public static let blockSize = 1 << 20
    /// The SHA-256 of each block, once the pass in order has read them.
    private var blockDigests: [[UInt8]] = []
    private var passed = false

    /// A reader of `spliced`, which must state the SHA-256 its bytes have.
    public init(_ spliced: SplicedBytes) {
        precondition(spliced.sha256 != nil, "a checked reader of spliced bytes without the digest they must have")
        self.spliced = spliced
    }

    /// What a read of bytes that are not the ones hashed throws.
    private static let changed = LetheError(
        .io, "the report's spool file changed after its record was copied or signed; nothing was rendered from it")

    /// The size of the whole.
    public var count: Int { spliced.count }

    /// Calls `body` with every piece in order, checking the whole's digest after the last and
    /// taking each block's for the range reads that follow.
    public func forEachPiece(_ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void) throws(LetheError) {
        var digests: [[UInt8]] = []
        var whole = SHA256()
        var block = SHA256()
        var filled = 0
        // Read unchecked, and checked here: with this reader's own message.
        let unchecked = SplicedBytes(head: spliced.head, file: spliced.file, tail: spliced.tail)
        try unchecked.forEachPiece { (piece) throws(LetheError) in
            whole.update(bufferPointer: piece)
            var rest = piece
            while !rest.isEmpty {
                let take = min(Self.blockSize - filled, rest.count)
                block.update(bufferPointer: UnsafeRawBufferPointer(rebasing: rest[..<take]))
                filled += take
                if filled == Self.blockSize {
                    digests.append(Array(block.finalize()))
                    (block, filled) = (SHA256(), 0)
                }
                rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            }
            try body(piece)
        }
        if filled > 0 { digests.append(Array(block.finalize())) }
        guard Array(whole.finalize()) == spliced.sha256 else { throw Self.changed }
        blockDigests = digests
        passed = true
    }

    /// The bytes in `range`, read from the blocks it touches, each checked against the digest
    /// the pass in order took.
    public func bytes(in range: Range<Int>) throws(LetheError) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "a range outside the bytes")
        guard passed else {
            throw LetheError(.internal, "the report's record was read by range before it was read in order")
        }
        guard !range.isEmpty else { return [] }
        let first = range.lowerBound / Self.blockSize
        let last = (range.upperBound - 1) / Self.blockSize
        let span = (first * Self.blockSize)..<min((last + 1) * Self.blockSize, count)
        var failure: LetheError?
        let blocks = [UInt8](unsafeUninitializedCapacity: span.count) { buffer, initialized in
            do throws(LetheError) {
                try read(into: UnsafeMutableRawBufferPointer(buffer), at: span.lowerBound)
                for index in first...last {
                    let start = (index - first) * Self.blockSize
                    let block = UnsafeRawBufferPointer(
                        rebasing: UnsafeRawBufferPointer(buffer)[start..<min(start + Self.blockSize, span.count)])
                    var hasher = SHA256()
                    hasher.update(bufferPointer: block)
                    guard Array(hasher.finalize()) == blockDigests[index] else { throw Self.changed }
                }
                initialized = span.count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return Array(blocks[(range.lowerBound - span.lowerBound)..<(range.upperBound - span.lowerBound)])
    }

    /// Reads `buffer.count` bytes of the whole from `offset`, across the head, the file and the tail.
    private func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(LetheError) {
        let (head, file, tail) = (spliced.head, spliced.file, spliced.tail)
        var done = 0
        while done < buffer.count {
            let at = offset + done
            let out = UnsafeMutableRawBufferPointer(rebasing: buffer[done...])
            if at < head.count {
                let take = min(head.count - at, out.count)
                head.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[at..<at + take])) }
                done += take
            } else if at < head.count + file.count {
                let take = min(head.count + file.count - at, out.count)
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: out[..<take]), at: at - head.count)
                done += take
            } else {
                let from = at - head.count - file.count
                let take = min(tail.count - from, out.count)
                tail.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[from..<from + take])) }
                done += take
            }
        }
    }
}
