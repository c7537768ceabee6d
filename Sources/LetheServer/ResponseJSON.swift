import Foundation
import Lethe
import LetheCore

/// Encodes a response body to exactly the bytes `ResultEncoding.encoder()` writes (pretty-printed,
/// keys sorted by their UTF-8 bytes, slashes unescaped, dates in RFC 3339), several times faster:
/// Foundation's encoder boxes every value of every response in generic containers before it
/// writes them, which cost a small response (`GET /api/v1/assets/{tag}`) more than reading it.
///
/// It covers what Lethe's results are made of: objects, arrays, strings, booleans, integers, nil
/// and dates. A value holding anything else (a floating-point number, `Data`, a `URL`, a
/// `Decimal`, a super-encoder) is encoded by Foundation instead, so the bytes never differ
/// (`ResponseJSONTests` compares the two on every kind of value).
enum ResponseJSON {
    /// The body for `value`.
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = TreeEncoder(context: TreeEncoder.Context())
        do {
            try encoder.encodeValue(value)
        } catch is Unsupported {
            return Array(try ServerJSON.encoder.encode(value))
        }
        guard !encoder.context.unsupported, let root = encoder.slot.node else {
            return Array(try ServerJSON.encoder.encode(value))
        }
        var output: [UInt8] = []
        output.reserveCapacity(512)
        write(root, indent: 0, into: &output)
        return output
    }

    /// A value this encoder leaves to Foundation.
    struct Unsupported: Error {}

    /// A value being encoded: containers are filled after they are made, hence a class.
    final class Node {
        enum Kind {
            case null
            /// A number or boolean, as written.
            case literal(String)
            case string(String)
            case array([Node])
            /// Members in the order they were encoded; a key encoded again replaces its value.
            case object([(key: String, value: Node)])
        }
        var kind: Kind
        init(_ kind: Kind) { self.kind = kind }
    }

    /// Where an encoder puts what it encodes.
    final class Slot {
        var node: Node?
    }

    // MARK: Writing

    private static let indentUnit: [UInt8] = Array("  ".utf8)

    private static func newline(_ indent: Int, into output: inout [UInt8]) {
        output.append(0x0A)
        for _ in 0..<indent { output.append(contentsOf: indentUnit) }
    }

    private static func write(_ node: Node, indent: Int, into output: inout [UInt8]) {
        switch node.kind {
        case .null: output.append(contentsOf: "null".utf8)
        case .literal(let text): output.append(contentsOf: text.utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            if elements.isEmpty {
                output.append(0x0A)
            }
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &output)
                write(element, indent: indent + 1, into: &output)
            }
            newline(indent, into: &output)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            if members.isEmpty {
                output.append(0x0A)
            }
            // By the keys' bytes; a key encoded twice keeps its order, and only its last value
            // is written, as Foundation does.
            let order = members.indices.sorted { a, b in
                let (first, second) = (members[a].key.utf8, members[b].key.utf8)
                if first.lexicographicallyPrecedes(second) { return true }
                if second.lexicographicallyPrecedes(first) { return false }
                return a < b
            }
            var written = 0
            for (position, index) in order.enumerated() {
                let member = members[index]
                if position + 1 < order.count, members[order[position + 1]].key == member.key { continue }
                if written > 0 { output.append(UInt8(ascii: ",")) }
                written += 1
                newline(indent + 1, into: &output)
                writeString(member.key, into: &output)
                output.append(contentsOf: " : ".utf8)
                write(member.value, indent: indent + 1, into: &output)
            }
            newline(indent, into: &output)
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// An `Encoder` that builds a ``ResponseJSON/Node`` tree.
private final class TreeEncoder: Encoder {
    /// Shared by an encoder and every encoder nested in it.
    final class Context {
        /// Set when something was asked that only Foundation's encoder does the same way.
        var unsupported = false
    }

    let context: Context
    let slot = ResponseJSON.Slot()
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(context: Context, codingPath: [any CodingKey] = []) {
        self.context = context
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let node: ResponseJSON.Node
        if let existing = slot.node, case .object = existing.kind {
            node = existing
        } else {
            if slot.node != nil { context.unsupported = true }
            node = ResponseJSON.Node(.object([]))
            slot.node = node
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let node: ResponseJSON.Node
        if let existing = slot.node, case .array = existing.kind {
            node = existing
        } else {
            if slot.node != nil { context.unsupported = true }
            node = ResponseJSON.Node(.array([]))
            slot.node = node
        }
        return UnkeyedContainer(encoder: self, node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(encoder: self, codingPath: codingPath)
    }

    /// Encodes `value` into this encoder's slot.
    func encodeValue<T: Encodable>(_ value: T) throws {
        slot.node = try box(value, codingPath: codingPath)
    }

    /// The node for a value: the kinds Foundation writes in a way of its own are refused.
    func box<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> ResponseJSON.Node {
        // Compared as types, not cast: this runs for every enum, date and nested value. Strings,
        // booleans and integers arrive through the containers' own methods.
        if T.self == Date.self, let date = value as? Date {
            return ResponseJSON.Node(.string(RFC3339.format(date)))
        }
        if T.self == Double.self || T.self == Float.self || T.self == Data.self || T.self == URL.self
            || T.self == Decimal.self
        {
            throw ResponseJSON.Unsupported()
        }
        let nested = TreeEncoder(context: context, codingPath: codingPath)
        try value.encode(to: nested)
        // A value that encodes nothing is written by Foundation as an empty object.
        guard let node = nested.slot.node else { throw ResponseJSON.Unsupported() }
        return node
    }

    func literal<T: BinaryInteger>(_ value: T) -> ResponseJSON.Node {
        ResponseJSON.Node(.literal(String(value)))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: TreeEncoder
    let node: ResponseJSON.Node
    let codingPath: [any CodingKey]

    private func set(_ child: ResponseJSON.Node, _ key: Key) {
        guard case .object(var members) = node.kind else { return }
        node.kind = .null  // let go of the array so that it grows in place
        members.append((key.stringValue, child))
        node.kind = .object(members)
    }

    mutating func encodeNil(forKey key: Key) throws { set(ResponseJSON.Node(.null), key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        set(ResponseJSON.Node(.literal(value ? "true" : "false")), key)
    }
    mutating func encode(_ value: String, forKey key: Key) throws { set(ResponseJSON.Node(.string(value)), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw ResponseJSON.Unsupported() }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw ResponseJSON.Unsupported() }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(encoder.literal(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try encoder.box(value, codingPath: codingPath + [key]), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = ResponseJSON.Node(.object([]))
        set(child, key)
        return KeyedEncodingContainer(
            KeyedContainer<NestedKey>(encoder: encoder, node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = ResponseJSON.Node(.array([]))
        set(child, key)
        return UnkeyedContainer(encoder: encoder, node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        encoder.context.unsupported = true
        return TreeEncoder(context: encoder.context, codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.context.unsupported = true
        return TreeEncoder(context: encoder.context, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: TreeEncoder
    let node: ResponseJSON.Node
    let codingPath: [any CodingKey]
    var count: Int {
        guard case .array(let elements) = node.kind else { return 0 }
        return elements.count
    }

    private func append(_ child: ResponseJSON.Node) {
        guard case .array(var elements) = node.kind else { return }
        node.kind = .null  // let go of the array so that it grows in place
        elements.append(child)
        node.kind = .array(elements)
    }

    private struct IndexKey: CodingKey {
        var stringValue: String { "Index \(intValue ?? 0)" }
        var intValue: Int?
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    mutating func encodeNil() throws { append(ResponseJSON.Node(.null)) }
    mutating func encode(_ value: Bool) throws { append(ResponseJSON.Node(.literal(value ? "true" : "false"))) }
    mutating func encode(_ value: String) throws { append(ResponseJSON.Node(.string(value))) }
    mutating func encode(_ value: Double) throws { throw ResponseJSON.Unsupported() }
    mutating func encode(_ value: Float) throws { throw ResponseJSON.Unsupported() }
    mutating func encode(_ value: Int) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: Int8) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: Int16) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: Int32) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: Int64) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: UInt) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: UInt8) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: UInt16) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: UInt32) throws { append(encoder.literal(value)) }
    mutating func encode(_ value: UInt64) throws { append(encoder.literal(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try encoder.box(value, codingPath: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = ResponseJSON.Node(.object([]))
        let path = codingPath + [IndexKey(count)]
        append(child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder, node: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = ResponseJSON.Node(.array([]))
        let path = codingPath + [IndexKey(count)]
        append(child)
        return UnkeyedContainer(encoder: encoder, node: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        encoder.context.unsupported = true
        return TreeEncoder(context: encoder.context, codingPath: codingPath)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    let codingPath: [any CodingKey]

    private func set(_ node: ResponseJSON.Node) {
        // Foundation refuses a second value in one container; leave that to it.
        if encoder.slot.node != nil { encoder.context.unsupported = true }
        encoder.slot.node = node
    }

    mutating func encodeNil() throws { set(ResponseJSON.Node(.null)) }
    mutating func encode(_ value: Bool) throws { set(ResponseJSON.Node(.literal(value ? "true" : "false"))) }
    mutating func encode(_ value: String) throws { set(ResponseJSON.Node(.string(value))) }
    mutating func encode(_ value: Double) throws { throw ResponseJSON.Unsupported() }
    mutating func encode(_ value: Float) throws { throw ResponseJSON.Unsupported() }
    mutating func encode(_ value: Int) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: Int8) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: Int16) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: Int32) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: Int64) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: UInt) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: UInt8) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: UInt16) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: UInt32) throws { set(encoder.literal(value)) }
    mutating func encode(_ value: UInt64) throws { set(encoder.literal(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { set(try encoder.box(value, codingPath: codingPath)) }
}
