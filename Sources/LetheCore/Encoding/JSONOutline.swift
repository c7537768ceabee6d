/// Bytes too many to hold whole (a year's report record is hundreds of megabytes): read once in
/// order a piece at a time, then a range at a time.
public protocol PiecewiseBytes: AnyObject {
    /// Calls `body` with every byte, in order, a piece at a time; throws if the bytes are not the
    /// ones they should be (a digest they must have), after the last piece.
    func forEachPiece(_ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void) throws(LetheError)
    /// The bytes in `range`, read again.
    func bytes(in range: Range<Int>) throws(LetheError) -> [UInt8]
}

/// A JSON document read from ``PiecewiseBytes`` with some values left unparsed, as
/// ``DeferredJSON`` reads one held whole: one pass over the bytes finds the deferred values' ranges
/// (and an array's items' ranges) and keeps every other byte, which is then parsed as a document
/// of its own with each deferred array standing as `[]` and any other deferred value as `null`.
/// The deferred items are read a window at a time (``DeferredItems``), so the document is never
/// held whole.
public struct StreamedJSON {
    /// The document, with every deferred value replaced (see ``DeferredJSON``).
    public let value: JSONValue
    private let source: any PiecewiseBytes
    private let deferred: [[String]: DeferredValue]

    /// Reads `source` once, leaving the values whose path `deferring` picks unparsed.
    public init(_ source: any PiecewiseBytes, deferring: @escaping ([String]) -> Bool) throws(LetheError) {
        var scanner = JSONOutlineScanner(deferring: deferring)
        // A scan that fails still reads every piece, so that bytes which are not the ones they
        // should be (the source's check, after the last piece) are reported as that.
        var failure: JSONOutlineScanner.Failure?
        try source.forEachPiece { (piece) throws(LetheError) in
            guard failure == nil else { return }
            do throws(JSONOutlineScanner.Failure) { try scanner.scan(piece) } catch { failure = error }
        }
        do throws(JSONOutlineScanner.Failure) {
            if let failure { throw failure }
            try scanner.finish()
        } catch {
            throw LetheError(.invalidInput, "not valid JSON of Lethe's subset: \(error)")
        }
        do {
            value = try JSONParser.parse(scanner.skeleton)
        } catch {
            // The skeleton's offsets are not the document's: the reason alone is given.
            throw LetheError(
                .invalidInput, "not valid JSON of Lethe's subset: \(error.reason) (outside the deferred values)")
        }
        self.source = source
        deferred = scanner.deferred
    }

    /// The byte range of the whole value deferred at `path`, or nil when nothing there was deferred.
    public func range(at path: [String]) -> Range<Int>? {
        deferred[path]?.range
    }

    /// The items of the deferred array at `path` (or the deferred value there, as one item), read
    /// a window of at most `windowBytes` at a time; none when nothing at `path` was deferred.
    public func items(at path: [String], windowBytes: Int = DeferredItems.defaultWindowBytes) -> DeferredItems {
        guard let value = deferred[path] else { return DeferredItems() }
        return DeferredItems(
            path: path, ranges: value.items ?? [value.range], source: source, bytes: [], windowBytes: windowBytes)
    }
}

extension DeferredJSON {
    /// The items of the deferred array at `path` as ``DeferredItems`` over the bytes held whole
    /// (each window read in place, nothing copied).
    public func deferredItems(at path: [String]) -> DeferredItems {
        guard let value = deferredValue(at: path) else {
            return DeferredItems(path: path, ranges: [], source: nil, bytes: [])
        }
        return DeferredItems(path: path, ranges: value.items ?? [value.range], source: nil, bytes: bytes)
    }
}

/// The items of a deferred array, read in order a window at a time: each item is checked and read
/// in place when its bytes are in the simple form a ``JSONView`` reads, else parsed into a tree,
/// as ``DeferredJSON/items(at:)`` reads them. A window holds a few megabytes of items; asking for
/// an item outside it reads the window that starts there.
public final class DeferredItems {
    /// The number of items.
    public let count: Int
    private let path: [String]
    private let ranges: [Range<Int>]
    private let source: (any PiecewiseBytes)?
    /// The whole document, when it is held whole (``DeferredJSON``).
    private let whole: [UInt8]
    private var window: [JSONReading] = []
    private var windowStart = 0

    /// The most bytes a window reads by default.
    public static let defaultWindowBytes = 4 << 20
    /// The most bytes a window reads (a single larger item is read alone).
    private let windowBytes: Int

    init(
        path: [String], ranges: [Range<Int>], source: (any PiecewiseBytes)?, bytes: [UInt8],
        windowBytes: Int = DeferredItems.defaultWindowBytes
    ) {
        self.path = path
        self.windowBytes = windowBytes
        self.ranges = ranges
        self.source = source
        whole = bytes
        count = ranges.count
    }

    /// No items.
    public convenience init() {
        self.init(path: [], ranges: [], source: nil, bytes: [])
    }

    /// Whether there are no items.
    public var isEmpty: Bool { count == 0 }

    /// The item at `index` (`0..<count`).
    public func item(_ index: Int) throws(LetheError) -> JSONReading {
        precondition(index >= 0 && index < count, "an item index out of range")
        if index < windowStart || index >= windowStart + window.count { try load(from: index) }
        return window[index - windowStart]
    }

    /// Reads the window of items that starts at `first`.
    private func load(from first: Int) throws(LetheError) {
        window = []
        var last = first + 1
        let start = ranges[first].lowerBound
        while last < count, ranges[last].upperBound - start <= windowBytes { last += 1 }
        let span = start..<ranges[last - 1].upperBound
        let bytes: [UInt8]
        let base: Int
        if let source {
            bytes = try source.bytes(in: span)
            base = span.lowerBound
        } else {
            (bytes, base) = (whole, 0)
        }
        window.reserveCapacity(last - first)
        for range in ranges[first..<last] {
            let local = (range.lowerBound - base)..<(range.upperBound - base)
            window.append(try JSONReading.item(bytes, local, of: path, base: base))
        }
        windowStart = first
    }
}

/// Finds a JSON document's outline as its bytes arrive in order: the ranges of the values a path
/// picks for deferring (``JSONParser/parse(_:deferring:)``'s rule: member names from the top,
/// nothing inside an array), their items' ranges for an array, and every other byte (the
/// skeleton, in which a deferred array stands as `[]` and any other deferred value as `null`).
///
/// It checks only the structure it walks; the skeleton is parsed afterwards, and each deferred
/// item when it is read, so a document it accepts is one the parser accepts whole once its items
/// are read. Until then a malformed deferred array may show other items than the whole parse
/// would refuse it for (`[1 2]` is one item here, refused when it is read).
struct JSONOutlineScanner {
    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    private enum Expect {
        case value, valueOrClose, member, memberOrClose, colon, commaOrClose, end
    }

    /// A value being skipped because its path is deferred.
    private struct Skipped {
        var start: Int
        /// The byte it starts with: `[`, `{`, `"`, or that of a bare word.
        var opening: UInt8
        /// The value's depth in the document (the containers around it).
        var depth: Int
        /// Brackets open inside it, its own included.
        var nesting = 0
        var inString = false
        var escaped = false
        var items: [Range<Int>] = []
        /// Where the array's current item started, if one has.
        var itemStart: Int?
        /// One past the last byte of the array's current item so far.
        var itemEnd = 0
        var afterComma = false
    }

    private let deferring: ([String]) -> Bool
    /// Every byte outside the deferred values, with a stand-in for each.
    private(set) var skeleton: [UInt8] = []
    /// The deferred values by path.
    private(set) var deferred: [[String]: DeferredValue] = [:]
    /// The offset in the document of the next byte.
    private var offset = 0
    private var expect = Expect.value
    /// The open containers: for an object, the name of its current member; nil for an array.
    private var containers: [String??] = []
    private var openArrays = 0
    private var inString = false
    private var escaped = false
    private var readingKey = false
    private var key: [UInt8] = []
    private var inWord = false
    private var skipped: Skipped?

    init(deferring: @escaping ([String]) -> Bool) {
        self.deferring = deferring
    }

    /// Reads the next piece of the document.
    mutating func scan(_ piece: UnsafeRawBufferPointer) throws(Failure) {
        var index = 0
        while index < piece.count {
            if skipped != nil {
                index = try skip(piece, from: index)
                continue
            }
            try step(piece[index])
            index += 1
        }
    }

    /// Ends the document: it must be whole.
    mutating func finish() throws(Failure) {
        if inWord {
            inWord = false
            valueEnded()
        }
        guard skipped == nil, !inString, containers.isEmpty, expect == .end else {
            throw Failure(offset: offset, reason: "unexpected end of input")
        }
    }

    /// One byte outside any deferred value.
    private mutating func step(_ byte: UInt8) throws(Failure) {
        defer { offset += 1 }
        if inString {
            if readingKey { key.append(byte) }
            skeleton.append(byte)
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
                if readingKey {
                    readingKey = false
                    try name(key)
                    expect = .colon
                } else {
                    valueEnded()
                }
            }
            return
        }
        if inWord {
            if !byte.isDelimiter {
                skeleton.append(byte)
                return
            }
            inWord = false
            valueEnded()
        }
        skeleton.append(byte)
        if byte.isSpace { return }
        switch (expect, byte) {
        case (.valueOrClose, UInt8(ascii: "]")), (.commaOrClose, UInt8(ascii: "]")),
            (.commaOrClose, UInt8(ascii: "}")), (.memberOrClose, UInt8(ascii: "}")):
            try close(byte)
        case (.value, _), (.valueOrClose, _):
            try start(byte)
        case (.member, UInt8(ascii: "\"")), (.memberOrClose, UInt8(ascii: "\"")):
            inString = true
            readingKey = true
            key = [byte]
        case (.colon, UInt8(ascii: ":")):
            expect = .value
        case (.commaOrClose, UInt8(ascii: ",")):
            expect = containers.last! == nil ? .value : .member
        default:
            throw Failure(offset: offset, reason: "unexpected character")
        }
    }

    /// The path of member names to the value about to start, when no array is open.
    private var currentPath: [String]? {
        guard openArrays == 0 else { return nil }
        return containers.map { $0! ?? "" }
    }

    /// Starts a value with `byte`: skipped if its path is deferred.
    private mutating func start(_ byte: UInt8) throws(Failure) {
        guard openArrays == 0, let path = currentPath, !path.isEmpty, deferring(path) else { return try open(byte) }
        guard byte.isValueStart else { throw Failure(offset: offset, reason: "unexpected character") }
        skeleton.removeLast()
        var value = Skipped(start: offset, opening: byte, depth: containers.count)
        if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { value.nesting = 1 }
        if byte == UInt8(ascii: "\"") { value.inString = true }
        skipped = value
    }

    /// Starts a value that is not deferred.
    private mutating func open(_ byte: UInt8) throws(Failure) {
        switch byte {
        case UInt8(ascii: "{"):
            containers.append(.some(nil))
            expect = .memberOrClose
        case UInt8(ascii: "["):
            containers.append(nil)
            openArrays += 1
            expect = .valueOrClose
        case UInt8(ascii: "\""):
            inString = true
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"),
            UInt8(ascii: "n"):
            inWord = true
        default:
            throw Failure(offset: offset, reason: "unexpected character")
        }
        guard containers.count <= 128 else { throw Failure(offset: offset, reason: "nesting deeper than 128") }
    }

    /// Closes the innermost container with `byte` (`}` or `]`).
    private mutating func close(_ byte: UInt8) throws(Failure) {
        guard let last = containers.last, (last == nil) == (byte == UInt8(ascii: "]")) else {
            throw Failure(offset: offset, reason: "unexpected character")
        }
        containers.removeLast()
        if last == nil { openArrays -= 1 }
        valueEnded()
    }

    /// Records the name of the current object's member (its quoted bytes).
    private mutating func name(_ quoted: [UInt8]) throws(Failure) {
        let text: String
        if !quoted.contains(UInt8(ascii: "\\")),
            let plain = String(validating: quoted.dropFirst().dropLast(), as: UTF8.self)
        {
            text = plain
        } else {
            guard case .string(let decoded) = try? JSONParser.parse(quoted) else {
                throw Failure(offset: offset, reason: "an invalid member name")
            }
            text = decoded
        }
        containers[containers.count - 1] = .some(text)
    }

    private mutating func valueEnded() {
        expect = containers.isEmpty ? .end : .commaOrClose
    }

    /// Skips a deferred value's bytes from `start` in `piece`; returns where it stopped (the
    /// piece's end, or one past the value's last byte — for a bare word, its delimiter).
    private mutating func skip(_ piece: UnsafeRawBufferPointer, from start: Int) throws(Failure) -> Int {
        // Moved out, and back at the piece's end: a copy left in `skipped` would make the first
        // append of every piece copy all the items found so far (a million at a year's size).
        var value = skipped!
        skipped = nil
        var index = start
        let base = offset - start
        if value.opening.isWordByte {
            while index < piece.count, !piece[index].isDelimiter { index += 1 }
            offset = base + index
            if index < piece.count { end(value, at: offset) } else { skipped = value }
            return index
        }
        let isArray = value.opening == UInt8(ascii: "[")
        while index < piece.count {
            let byte = piece[index]
            let position = base + index
            index += 1
            if value.inString {
                if value.escaped {
                    value.escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    value.escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    value.inString = false
                    value.itemEnd = position + 1
                    if value.nesting == 0 {
                        offset = base + index
                        end(value, at: offset)
                        return index
                    }
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                continue
            case UInt8(ascii: "\""):
                if isArray, value.nesting == 1, value.itemStart == nil { value.itemStart = position }
                value.inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if isArray, value.nesting == 1, value.itemStart == nil { value.itemStart = position }
                value.nesting += 1
                guard value.depth + value.nesting <= 128 else {
                    throw Failure(offset: position, reason: "nesting deeper than 128")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                value.nesting -= 1
                guard value.nesting == 0 else {
                    value.itemEnd = position + 1
                    continue
                }
                let closes = isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")
                guard byte == closes else { throw Failure(offset: position, reason: "unexpected character") }
                if isArray {
                    if let itemStart = value.itemStart {
                        value.items.append(itemStart..<value.itemEnd)
                    } else if value.afterComma {
                        throw Failure(offset: position, reason: "expected a value")
                    }
                }
                offset = base + index
                end(value, at: offset)
                return index
            case UInt8(ascii: ","):
                guard isArray, value.nesting == 1 else { continue }
                guard let itemStart = value.itemStart else {
                    throw Failure(offset: position, reason: "expected a value")
                }
                value.items.append(itemStart..<value.itemEnd)
                value.itemStart = nil
                value.afterComma = true
            default:
                if isArray, value.nesting == 1, value.itemStart == nil { value.itemStart = position }
                value.itemEnd = position + 1
            }
        }
        offset = base + index
        skipped = value
        return index
    }

    /// Ends the deferred value `value` at `end` (one past its last byte).
    private mutating func end(_ value: Skipped, at end: Int) {
        let path = currentPath ?? []
        let isArray = value.opening == UInt8(ascii: "[")
        deferred[path] = DeferredValue(range: value.start..<end, items: isArray ? value.items : nil)
        skeleton += isArray ? Array("[]".utf8) : Array("null".utf8)
        skipped = nil
        valueEnded()
    }
}

extension UInt8 {
    fileprivate var isSpace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
    /// Whether the byte ends a bare word (a number or a literal).
    fileprivate var isDelimiter: Bool {
        isSpace || self == UInt8(ascii: ",") || self == UInt8(ascii: "]") || self == UInt8(ascii: "}")
    }
    /// Whether a value can start with this byte.
    fileprivate var isValueStart: Bool {
        switch self {
        case UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "\""), UInt8(ascii: "-"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            true
        default: false
        }
    }
    /// Whether a value starting with this byte is a bare word.
    fileprivate var isWordByte: Bool {
        self != UInt8(ascii: "[") && self != UInt8(ascii: "{") && self != UInt8(ascii: "\"")
    }
}
