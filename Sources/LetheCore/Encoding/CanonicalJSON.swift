import Foundation

/// Canonical JSON (RFC 8785, JCS) for Lethe's subset of JSON.
///
/// Object keys are sorted by their UTF-16 code units, no white space is written, strings are
/// escaped as RFC 8785 requires (`\b \t \n \f \r \" \\`, other control characters as lowercase
/// `\u00xx`, everything else as UTF-8), and integers are written in decimal. Floating-point numbers
/// do not occur in the subset; integers beyond ±(2^53 − 1) are refused.
///
/// These bytes are what Lethe hashes and signs, and they are stored verbatim: never re-encode a
/// stored record.
public enum CanonicalJSON {
    /// Encodes a value canonically.
    public static func encode(_ value: JSONValue) throws(LetheError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try write(value, into: &out)
        return out
    }

    /// Encodes a value canonically and returns it as a string (canonical JSON is always UTF-8).
    public static func string(_ value: JSONValue) throws(LetheError) -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// Decodes JSON text into a value of the subset.
    public static func decode(_ bytes: some Collection<UInt8>) throws(LetheError) -> JSONValue {
        do {
            return try JSONParser.parse(Array(bytes))
        } catch {
            throw LetheError(.invalidInput, "not valid JSON of Lethe's subset: \(error)")
        }
    }

    /// Appends the canonical encoding of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) throws(LetheError) {
        switch value {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let flag):
            out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number):
            try write(integer: number, into: &out)
        case .string(let text):
            write(string: text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in sortedMembers(members).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(string: member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The members in RFC 8785 order: by the UTF-16 code units of their keys.
    private static func sortedMembers(_ members: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        let precedes = keyOrder(members.keys)
        return members.sorted { precedes($0.key, $1.key) }
    }

    /// The order of an object's keys in RFC 8785: by their UTF-16 code units. UTF-8 byte order is
    /// the same order whenever no key holds a character at or above U+E000 (where UTF-16's
    /// surrogates sort differently), which is every key Lethe writes; the byte comparison is much
    /// cheaper.
    private static func keyOrder(_ keys: some Collection<String>) -> (String, String) -> Bool {
        var ascii = true
        let byBytes = keys.allSatisfy { key in
            key.utf8.allSatisfy { byte in
                if byte >= 0x80 { ascii = false }
                return byte < 0xEE
            }
        }
        // For ASCII text String's own order is the byte order, and it compares the bytes at once.
        if ascii { return { $0 < $1 } }
        if byBytes { return { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        return { $0.utf16.lexicographicallyPrecedes($1.utf16) }
    }

    /// Whether `bytes` are the canonical encoding of the value they hold: the same answer as
    /// decoding them and comparing the encoding of the value with them, without ever holding
    /// the value whole.
    ///
    /// A value of up to `pieceSize` bytes is decoded and encoded again; a larger object or array
    /// is checked member by member and item by item (each in turn the same way), with its
    /// separators, its keys (canonical strings, none repeated, in canonical order) and its
    /// nesting checked between them. A year's report is a record of hundreds of megabytes, and
    /// its tree takes several times that.
    ///
    /// - Parameters:
    ///   - range: the bytes to check (default: all), a value nested `depth` deep in its document
    ///     (the nesting limit of 128 counts from the document's top).
    public static func isCanonical(
        _ bytes: [UInt8], in range: Range<Int>? = nil, depth: Int = 0, pieceSize: Int = 1 << 20
    ) -> Bool {
        let range = range ?? 0..<bytes.count
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a range outside the bytes")
        // Every record Lethe signs is in the simple form: one pass, nothing built.
        if isSimple(bytes, range, depth: depth) { return true }
        return isCanonical(bytes, range, depth: depth, pieceSize: max(1, pieceSize))
    }

    /// Whether `bytes[range]` are in the simple form (printable ASCII strings without escapes,
    /// keys in byte order, compact, no "-0"), which is canonical as it stands.
    private static func isSimple(_ bytes: [UInt8], _ range: Range<Int>, depth: Int) -> Bool {
        SimpleJSONChecker.isSimple(bytes, range, depth: depth)
    }

    private static func isCanonical(_ bytes: [UInt8], _ range: Range<Int>, depth: Int, pieceSize: Int) -> Bool {
        guard !range.isEmpty, depth < 128 else { return false }
        let opening = bytes[range.lowerBound]
        guard range.count > pieceSize, opening == UInt8(ascii: "{") || opening == UInt8(ascii: "[") else {
            // A piece: the simple form's check first (it builds nothing), then the round trip. A
            // larger value is not checked whole for the simple form at every level it is split
            // at, which would read it once a level.
            if isSimple(bytes, range, depth: depth) { return true }
            guard let value = try? JSONParser.parse(bytes, in: range, depth: depth),
                let encoded = try? encode(value)
            else { return false }
            return encoded.elementsEqual(bytes[range])
        }
        let object = opening == UInt8(ascii: "{")
        let closing = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
        var keys: [String] = []
        var position = range.lowerBound + 1
        if bytes[position] == closing { return position + 1 == range.upperBound }
        while true {
            if object {
                // A member name: a canonical string, then a colon.
                guard position < range.upperBound, bytes[position] == UInt8(ascii: "\""),
                    let keyEnd = JSONParser.valueEnd(bytes, from: position, end: range.upperBound, depth: depth),
                    case .string(let key)? = try? JSONParser.parse(bytes, in: position..<keyEnd, depth: depth),
                    let encoded = try? encode(.string(key)), encoded.elementsEqual(bytes[position..<keyEnd]),
                    keyEnd < range.upperBound, bytes[keyEnd] == UInt8(ascii: ":")
                else { return false }
                keys.append(key)
                position = keyEnd + 1
            }
            guard position < range.upperBound,
                let valueEnd = JSONParser.valueEnd(bytes, from: position, end: range.upperBound, depth: depth + 1),
                isCanonical(bytes, position..<valueEnd, depth: depth + 1, pieceSize: pieceSize),
                valueEnd < range.upperBound
            else { return false }
            position = valueEnd + 1
            if bytes[valueEnd] == UInt8(ascii: ",") { continue }
            guard bytes[valueEnd] == closing, position == range.upperBound else { return false }
            break
        }
        // No key twice (as the decoder tells keys apart) and the keys in canonical order.
        guard Set(keys).count == keys.count else { return false }
        let precedes = keyOrder(keys)
        return zip(keys, keys.dropFirst()).allSatisfy { precedes($0, $1) }
    }

    /// Whether a byte of UTF-8 must be escaped inside a canonical string.
    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    /// Appends the canonical encoding of an integer (refused beyond ±(2^53 − 1)), as
    /// ``write(_:into:)`` writes `.integer(number)`, without building the value.
    public static func write(integer number: Int64, into out: inout [UInt8]) throws(LetheError) {
        guard number >= -JSONValue.maxSafeInteger, number <= JSONValue.maxSafeInteger else {
            throw LetheError(.internal, "integer \(number) is outside ±(2^53 − 1) and cannot be canonical JSON")
        }
        if number < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        }
    }

    /// Appends the canonical encoding of a string, as ``write(_:into:)`` writes `.string(text)`,
    /// without building the value.
    public static func write(string text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        let plain = text.withUTF8 { bytes in
            guard !bytes.contains(where: needsEscape) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if !plain { writeEscaped(text, into: &out) }
        out.append(UInt8(ascii: "\""))
    }

    private static func writeEscaped(_ text: String, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
    }
}
