import Crypto
import Foundation
import LetheCore

#if canImport(Glibc)
    import Glibc
#endif

/// The bytes of a file to import, handed over by a front end: a file it opened, an upload it is
/// receiving, bytes in memory. The import reads them once, in order, on a thread of its own (so a
/// read may block), while its rows are written: memory stays flat however large the file is.
public protocol ImportByteSource: Sendable {
    /// Reads up to `buffer.count` bytes into `buffer` and returns how many; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LetheError) -> Int
}

/// Bytes already in memory.
public final class InMemoryBytes: ImportByteSource, @unchecked Sendable {
    private let bytes: [UInt8]
    private let lock = NSLock()
    private var offset = 0

    /// Serves `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Serves the UTF-8 bytes of `text`.
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(LetheError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

/// The bytes of a file a front end opened, read with `read(2)` on the import's own thread.
public final class FileHandleBytes: ImportByteSource, @unchecked Sendable {
    private let handle: FileHandle
    private let name: String

    /// Reads `handle` to its end; `name` names the file in error messages.
    public init(_ handle: FileHandle, name: String) {
        self.handle = handle
        self.name = name
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(LetheError) -> Int {
        while true {
            let count = Glibc.read(handle.fileDescriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw LetheError(.io, "cannot read \(name): \(String(cString: strerror(errno)))")
        }
    }
}

/// An `InputStream` (what the CSV parser reads) over an ``ImportByteSource``, hashing the bytes
/// as they pass: once the parser has read to the end, ``digest`` is the SHA-256 of the content.
///
/// It also checks the bytes are UTF-8 (``UTF8Validator``) and stops at the first that is not,
/// with an error naming the line, before the parser can misread it.
final class HashingInputStream: InputStream {
    private let source: any ImportByteSource
    private let name: String
    private var hasher = SHA256()
    private var utf8 = UTF8Validator()
    /// Where quoted fields open and close, as the CSV reader reads them.
    private(set) var quotes = CSVQuoteTracker()
    private var status: Stream.Status = .notOpen
    private var ended = false
    /// The error the source threw, if any.
    private(set) var failure: LetheError?

    /// A stream over `source`; `name` names the file in messages.
    init(_ source: any ImportByteSource, name: String) {
        self.source = source
        self.name = name
        super.init(data: Data())
    }

    override func open() { status = .open }
    override func close() { status = .closed }
    override var streamStatus: Stream.Status { status }
    override var streamError: (any Error)? { failure }
    override var hasBytesAvailable: Bool { !ended }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength length: Int) -> Int {
        guard !ended else { return 0 }
        do {
            let count = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: length))
            if count == 0 {
                if let line = utf8.finish() { return refuse(line: line) }
                ended = true
                status = .atEnd
            } else {
                let bytes = UnsafeRawBufferPointer(start: buffer, count: count)
                if let line = utf8.check(bytes) { return refuse(line: line) }
                hasher.update(bufferPointer: bytes)
                quotes.scan(bytes)
            }
            return count
        } catch {
            failure = error
            ended = true
            status = .error
            return -1
        }
    }

    /// Ends the stream with an error for the first byte on `line` that is not UTF-8.
    private func refuse(line: Int) -> Int {
        failure = LetheError(
            .invalidInput,
            "\(name): line \(line) is not valid UTF-8 (a spreadsheet saved it in another encoding, such as Windows-1252); save the file as UTF-8 (CSV UTF-8) and try again; nothing was imported"
        )
        ended = true
        status = .error
        return -1
    }

    /// SHA-256 of the bytes read so far, lowercase hex.
    var digest: String { Hex.encode(hasher.finalize()) }
}

/// Follows the bytes of a CSV file as CSV.swift reads them, to tell a quoted field that is never
/// closed: the reader takes the rest of the file into that field without a word, and the rows after
/// it vanish into one (its only sign would be a wrong count of fields, on the wrong row).
///
/// A field is quoted when it starts with `"`; inside, `""` is a quote and `"` followed by a comma
/// or a line break ends it (after `"` anything else is kept, as the reader keeps it). A quote
/// inside an unquoted field is text. `"`, `,`, CR and LF are single bytes in UTF-8, never part of
/// another character, so bytes are enough.
struct CSVQuoteTracker {
    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted
    }

    private var state = State.fieldStart
    private var line = 1
    /// The bytes of a leading UTF-8 byte-order mark still to pass (the reader skips it).
    private var byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private var atStart = true
    /// The line the open quoted field started on.
    private var openedOn = 1

    /// The line a quoted field that is still open started on (at the end of the file: one never
    /// closed), or nil.
    var openQuoteLine: Int? { state == .quoted ? openedOn : nil }

    mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            if atStart {
                if !byteOrderMark.isEmpty, byte == byteOrderMark[0] {
                    byteOrderMark.removeFirst()
                    if byteOrderMark.isEmpty { atStart = false }
                    continue
                }
                atStart = false
                // (bytes of a mark begun but not whole were a character of the first field)
                if byteOrderMark.count < 3 { state = .unquoted }
            }
            switch state {
            case .fieldStart:
                if byte == 0x22 {
                    state = .quoted
                    openedOn = line
                } else if byte != 0x2C && byte != 0x0A && byte != 0x0D {
                    state = .unquoted
                }
            case .unquoted:
                if byte == 0x2C || byte == 0x0A || byte == 0x0D { state = .fieldStart }
            case .quoted:
                if byte == 0x22 { state = .quoteInQuoted }
            case .quoteInQuoted:
                state = byte == 0x2C || byte == 0x0A || byte == 0x0D ? .fieldStart : .quoted
            }
            if byte == 0x0A { line += 1 }
        }
    }
}
