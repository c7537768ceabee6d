import Foundation
import LetheCore

/// Canonical JSON written in pieces: objects some of whose members are canonical bytes already
/// (a report's content inside its record, a report's rows inside its content), so that large
/// values are encoded once and never built as a ``JSONValue`` tree again.
///
/// The bytes are those ``CanonicalJSON/encode(_:)`` writes for the whole value: keys are ASCII
/// and sorted as it sorts them, and pre-encoded values are copied verbatim (they must be canonical
/// JSON themselves).
enum CanonicalJSONSplice {
    /// The canonical JSON of the object of `fields` and `encoded` (members whose values are
    /// canonical JSON already, copied verbatim).
    static func encode(_ fields: [String: JSONValue], encoded: [String: [UInt8]]) throws(LetheError) -> [UInt8] {
        guard !encoded.isEmpty else { return try CanonicalJSON.encode(.object(fields)) }
        let keys = try sortedKeys(fields, encoded)
        var out: [UInt8] = []
        out.reserveCapacity(encoded.values.reduce(4096) { $0 + $1.count })
        out.append(UInt8(ascii: "{"))
        for (index, key) in keys.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            try write(key, fields, encoded, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The same bytes as ``encode(_:encoded:)``, taking `encoded`'s values (it is left empty):
    /// when the first key in canonical order is an encoded member, its bytes become the object's
    /// buffer — the object's opening written before them in place, the other members after — so
    /// that a large member (a report's content in its record) is never held twice.
    static func encode(
        _ fields: [String: JSONValue], taking encoded: inout [String: [UInt8]]
    ) throws(LetheError) -> [UInt8] {
        guard !encoded.isEmpty else { return try CanonicalJSON.encode(.object(fields)) }
        let keys = try sortedKeys(fields, encoded)
        guard let first = keys.first, var out = encoded.removeValue(forKey: first) else {
            defer { encoded = [:] }
            return try encode(fields, encoded: encoded)
        }
        var opening: [UInt8] = [UInt8(ascii: "{")]
        try CanonicalJSON.write(.string(first), into: &opening)
        opening.append(UInt8(ascii: ":"))
        // In place when the buffer has room to spare (a report's content is reserved with some).
        out.insert(contentsOf: opening, at: 0)
        for key in keys.dropFirst() {
            out.append(UInt8(ascii: ","))
            try write(key, fields, encoded, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        encoded = [:]
        return out
    }

    /// The canonical JSON of the object of `fields`, `encoded` and a member `hole` whose value's
    /// canonical bytes are elsewhere (a file too large to hold: a year's report content), as
    /// the bytes before that value and the bytes after it.
    static func split(
        _ fields: [String: JSONValue], encoded: [String: [UInt8]], around hole: String
    ) throws(LetheError) -> (head: [UInt8], tail: [UInt8]) {
        var members = encoded
        members[hole] = []
        var head: [UInt8] = []
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in try sortedKeys(fields, members).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard key == hole else {
                try write(key, fields, encoded, into: &out)
                continue
            }
            try CanonicalJSON.write(.string(key), into: &out)
            out.append(UInt8(ascii: ":"))
            head = out
            out = []
        }
        out.append(UInt8(ascii: "}"))
        return (head, out)
    }

    /// The keys of both, in canonical order: ASCII (String's order is then the order
    /// ``CanonicalJSON`` writes them in), none in both.
    private static func sortedKeys(
        _ fields: [String: JSONValue], _ encoded: [String: [UInt8]]
    ) throws(LetheError) -> [String] {
        let keys = Set(fields.keys).union(encoded.keys)
        guard keys.count == fields.count + encoded.count, keys.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } })
        else {
            throw LetheError(.internal, "encoded members repeat a member or have a key that is not ASCII")
        }
        return keys.sorted()
    }

    /// Appends `"key":value`, the value encoded or copied verbatim.
    private static func write(
        _ key: String, _ fields: [String: JSONValue], _ encoded: [String: [UInt8]], into out: inout [UInt8]
    ) throws(LetheError) {
        try CanonicalJSON.write(.string(key), into: &out)
        out.append(UInt8(ascii: ":"))
        if let bytes = encoded[key] {
            out.append(contentsOf: bytes)
        } else if let value = fields[key] {
            try CanonicalJSON.write(value, into: &out)
        }
    }
}

/// Writes one canonical JSON object member by member, its keys given in canonical order (it
/// refuses a key out of order, repeated, or one that would need escaping).
struct CanonicalObjectWriter {
    private var previous: StaticString?
    private let checked: Bool

    /// Opens the object. Unless `checked` is false, each key is checked against the one before.
    ///
    /// Pass false only for a fixed sequence of literal keys whose output a test compares with
    /// ``CanonicalJSON/encode(_:)`` of the same object with every member present (a report's
    /// rows: a million objects of 22 members, where the checks took a third of the writing).
    init(into out: inout [UInt8], checked: Bool = true) {
        self.checked = checked
        out.append(UInt8(ascii: "{"))
    }

    /// Appends one member; `key` must sort after the previous member's.
    mutating func member(_ key: StaticString, _ value: JSONValue, into out: inout [UInt8]) throws(LetheError) {
        try open(key, into: &out)
        try CanonicalJSON.write(value, into: &out)
    }

    /// Appends a string member, or nothing when `text` is nil.
    mutating func string(_ key: StaticString, _ text: String?, into out: inout [UInt8]) throws(LetheError) {
        guard let text else { return }
        try open(key, into: &out)
        CanonicalJSON.write(string: text, into: &out)
    }

    /// Appends an integer member, or nothing when `number` is nil.
    mutating func integer(_ key: StaticString, _ number: Int64?, into out: inout [UInt8]) throws(LetheError) {
        guard let number else { return }
        try open(key, into: &out)
        try CanonicalJSON.write(integer: number, into: &out)
    }

    /// Appends a date member as its RFC 3339 string, or nothing when `date` is nil.
    mutating func date(_ key: StaticString, _ date: Date?, into out: inout [UInt8]) throws(LetheError) {
        guard let date else { return }
        try open(key, into: &out)
        out.append(UInt8(ascii: "\""))
        RFC3339.write(date, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// Writes `"key":` (after a comma unless it is the first member), once `key` is checked.
    mutating func open(_ key: StaticString, into out: inout [UInt8]) throws(LetheError) {
        let ordered =
            !checked
            || key.withUTF8Buffer { bytes in
                bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
                    && (previous?.withUTF8Buffer { $0.lexicographicallyPrecedes(bytes) } ?? true)
            }
        guard ordered else {
            throw LetheError(.internal, "canonical JSON member '\(key)' is out of order or needs escaping")
        }
        if previous != nil { out.append(UInt8(ascii: ",")) }
        previous = key
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// Closes the object.
    func finish(into out: inout [UInt8]) {
        out.append(UInt8(ascii: "}"))
    }
}
