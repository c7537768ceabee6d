import Foundation

/// Reading a command's `--json` output as JSON, not as text: tests check values, not formatting.
public enum JSONOutput {
    /// `text` parsed as JSON (an object, an array or a scalar).
    public static func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// Every value stored under `key`, at any depth, in document order.
    public static func values(_ key: String, in value: Any) -> [Any] {
        switch value {
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { name in
                (name == key ? [object[name]!] : []) + values(key, in: object[name]!)
            }
        case let array as [Any]:
            return array.flatMap { values(key, in: $0) }
        default:
            return []
        }
    }

    /// The strings stored under `key`, at any depth.
    public static func strings(_ key: String, in text: String) throws -> [String] {
        values(key, in: try parse(text)).compactMap { $0 as? String }
    }

    /// The integers stored under `key`, at any depth.
    public static func integers(_ key: String, in text: String) throws -> [Int] {
        values(key, in: try parse(text)).compactMap { ($0 as? NSNumber).map(\.intValue) }
    }

    /// The booleans stored under `key`, at any depth.
    public static func booleans(_ key: String, in text: String) throws -> [Bool] {
        values(key, in: try parse(text)).compactMap { $0 as? Bool }
    }

    /// The value of a top-level key of an object.
    public static func top(_ key: String, in text: String) throws -> Any? {
        (try parse(text) as? [String: Any])?[key]
    }
}
