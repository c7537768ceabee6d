/// A JSON parser for Lethe's subset (RFC 8259 syntax; no floating-point numbers; integers within
/// ±(2^53 − 1)), reading bytes directly: stored events and records are parsed often (a disposal
/// record reads its job's verification event, `log verify` and bundle checks read every entry),
/// and Foundation's `JSONDecoder` through `Codable` costs several times more.
struct JSONParser {
    private let bytes: [UInt8]
    private var position: Int
    /// One past the last byte to read.
    private let end: Int
    /// Picks, by their path of member names, the values to leave unparsed (``parse(_:deferring:)``).
    private var deferring: (([String]) -> Bool)?
    /// The member names leading to the value being parsed (kept only when deferring).
    private var path: [String] = []
    /// The byte ranges of the values left unparsed, by path.
    private var deferred: [[String]: DeferredValue] = [:]

    /// Why the text is not JSON of the subset, and where.
    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    /// The nesting depth of the first value read: a range inside a larger document is parsed at
    /// its depth there, so that the limit of 128 counts from the document's top.
    private let startDepth: Int

    init(_ bytes: [UInt8], in range: Range<Int>? = nil, depth: Int = 0) {
        self.bytes = bytes
        position = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
        startDepth = depth
    }

    /// Parses one value that must fill the whole input (white space around it allowed).
    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        return try parser.whole()
    }

    /// Parses one value that must fill `bytes[range]` (white space around it allowed), without
    /// copying the range out.
    static func parse(_ bytes: [UInt8], in range: Range<Int>, depth: Int = 0) throws(Failure) -> JSONValue {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a range outside the bytes")
        var parser = JSONParser(bytes, in: range, depth: depth)
        return try parser.whole()
    }

    /// One past the end of the value that starts at `position`, found by its structure alone
    /// (strings with their escapes, brackets, bare words), or nil when the bytes end first or
    /// are not a value's outline. Nothing inside is checked.
    static func valueEnd(_ bytes: [UInt8], from position: Int, end: Int, depth: Int) -> Int? {
        var parser = JSONParser(bytes, in: position..<end, depth: depth)
        do {
            try parser.skipValue(depth: depth)
        } catch {
            return nil
        }
        return parser.position
    }

    /// Parses one value that must fill the whole input, except the values `deferring` picks by
    /// their path of member names from the top (`["content", "assets"]`; nothing inside an array
    /// is picked): those are only scanned for their end. A picked array stands in the tree as an
    /// empty array, any other picked value as null; each is returned under its path with its byte
    /// range, and an array with its items' ranges too.
    /// A deferred value is not checked here: whoever reads it parses it (its range holds exactly
    /// one value when the text is valid, and the parse of a range refuses anything else).
    static func parse(
        _ bytes: [UInt8], deferring: @escaping ([String]) -> Bool
    ) throws(Failure) -> (value: JSONValue, deferred: [[String]: DeferredValue]) {
        var parser = JSONParser(bytes)
        parser.deferring = deferring
        let value = try parser.whole()
        return (value, parser.deferred)
    }

    private mutating func whole() throws(Failure) -> JSONValue {
        skipSpace()
        let value = try value(depth: startDepth)
        skipSpace()
        guard position == end else { throw failure("unexpected text after the value") }
        return value
    }

    private func failure(_ reason: String) -> Failure { Failure(offset: position, reason: reason) }

    private mutating func skipSpace() {
        while position < end {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func expect(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= end else { throw failure("unexpected end of input") }
        let matches = literal.withUTF8Buffer { buffer in
            (0..<count).allSatisfy { bytes[position + $0] == buffer[$0] }
        }
        guard matches else { throw failure("invalid literal") }
        position += count
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < 128 else { throw failure("nesting deeper than 128") }
        guard position < end else { throw failure("unexpected end of input") }
        if let deferring, !path.isEmpty, deferring(path) { return try deferredValue(depth: depth) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
        default: throw failure("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        position += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if position < end, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard position < end, bytes[position] == UInt8(ascii: "\"") else {
                throw failure("expected a member name")
            }
            let key = try string()
            skipSpace()
            guard position < end, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            position += 1
            skipSpace()
            if deferring != nil { path.append(key) }
            guard members.updateValue(try value(depth: depth + 1), forKey: key) == nil else {
                throw failure("duplicate member name")
            }
            if deferring != nil { path.removeLast() }
            skipSpace()
            guard position < end else { throw failure("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
            position += 1
            return .object(members)
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        // A path of member names does not reach inside an array: nothing there is deferred.
        let outside = deferring
        deferring = nil
        defer { deferring = outside }
        position += 1
        var items: [JSONValue] = []
        skipSpace()
        if position < end, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard position < end else { throw failure("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
            position += 1
            return .array(items)
        }
    }

    /// Scans a value picked for deferring (see ``parse(_:deferring:)``) and records its range, or
    /// its items' ranges when it is an array.
    private mutating func deferredValue(depth: Int) throws(Failure) -> JSONValue {
        let start = position
        guard bytes[position] == UInt8(ascii: "[") else {
            try skipValue(depth: depth)
            deferred[path] = DeferredValue(range: start..<position, items: nil)
            return .null
        }
        position += 1
        var items: [Range<Int>] = []
        skipSpace()
        if position < end, bytes[position] == UInt8(ascii: "]") {
            position += 1
            deferred[path] = DeferredValue(range: start..<position, items: items)
            return .array([])
        }
        while true {
            skipSpace()
            let itemStart = position
            try skipValue(depth: depth + 1)
            items.append(itemStart..<position)
            skipSpace()
            guard position < end else { throw failure("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
            position += 1
            deferred[path] = DeferredValue(range: start..<position, items: items)
            return .array([])
        }
    }

    /// Moves past one value by its structure alone: strings (escapes included), brackets and
    /// bare words; what lies inside is checked by whoever parses the range later.
    private mutating func skipValue(depth: Int) throws(Failure) {
        guard position < end else { throw failure("unexpected end of input") }
        var nesting = 0
        repeat {
            guard position < end else { throw failure("unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                while true {
                    guard position < end else { throw failure("unterminated string") }
                    let byte = bytes[position]
                    position += byte == UInt8(ascii: "\\") ? 2 : 1
                    if byte == UInt8(ascii: "\"") { break }
                }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                nesting += 1
                guard depth + nesting <= 128 else { throw failure("nesting deeper than 128") }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard nesting > 0 else { throw failure("unexpected character") }
                nesting -= 1
            case UInt8(ascii: ","), 0x20, 0x09, 0x0A, 0x0D:
                guard nesting > 0 else { throw failure("unexpected character") }
            default:
                if nesting == 0 {
                    // A bare word (number or literal) ends at a delimiter.
                    while position < end,
                        ![UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x09, 0x0A, 0x0D].contains(
                            bytes[position])
                    {
                        position += 1
                    }
                    return
                }
            }
            position += 1
        } while nesting > 0
    }

    private mutating func integer() throws(Failure) -> Int64 {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) else {
            throw failure("invalid number")
        }
        if bytes[position] == UInt8(ascii: "0"), position + 1 < end,
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position + 1])
        {
            throw failure("a number has a leading zero")
        }
        var magnitude: Int64 = 0
        while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            magnitude = magnitude * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
            guard magnitude <= JSONValue.maxSafeInteger else {
                position = start
                throw failure("an integer beyond ±(2^53 − 1)")
            }
            position += 1
        }
        if position < end, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
            position = start
            throw failure("a floating-point number (not allowed)")
        }
        return negative ? -magnitude : magnitude
    }

    private mutating func hexQuad() throws(Failure) -> UInt16 {
        guard position + 4 <= end else { throw failure("unexpected end of input in \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private mutating func string() throws(Failure) -> String {
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < end else { throw failure("unterminated string") }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: out, as: UTF8.self) else { throw failure("invalid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                guard position < end else { throw failure("unterminated escape") }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = UInt32(try hexQuad())
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 2 <= end, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw failure("a lone surrogate in a \\u escape") }
                        position += 2
                        let low = UInt32(try hexQuad())
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone surrogate in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else {
                        throw failure("a lone surrogate in a \\u escape")
                    }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw failure("invalid escape")
                }
            case 0x00..<0x20: throw failure("a control character in a string")
            default:
                out.append(byte)
                position += 1
            }
        }
    }
}

/// A value left unparsed by ``JSONParser/parse(_:deferring:)``: its byte range and, for an array,
/// its items' ranges.
struct DeferredValue: Sendable {
    /// The whole value.
    var range: Range<Int>
    /// The items, when the value is an array.
    var items: [Range<Int>]?
}
