import Foundation

/// A JSON document parsed except for the values its reader leaves for later: a year's disposal
/// report holds a million asset rows, and a tree of all of them takes gigabytes where the rows,
/// read one at a time as they are drawn, take their bytes and a range each.
///
/// The deferred values are picked by their path of member names from the top (nothing inside
/// an array is picked). A picked array stands in
/// ``value`` as an empty array, and ``items(at:)`` reads its items; any other picked value
/// stands as null, and ``items(at:)`` reads it as the one item.
public struct DeferredJSON: Sendable {
    /// The document, with every deferred value replaced (see the type's documentation).
    public let value: JSONValue
    let bytes: [UInt8]
    private let deferred: [[String]: DeferredValue]

    /// The value deferred at `path`, if any.
    func deferredValue(at path: [String]) -> DeferredValue? { deferred[path] }

    /// Parses `bytes`, leaving the values whose path `deferring` picks unparsed.
    public init(_ bytes: [UInt8], deferring: @escaping @Sendable ([String]) -> Bool) throws(LetheError) {
        do {
            (value, deferred) = try JSONParser.parse(bytes, deferring: deferring)
        } catch {
            throw LetheError(.invalidInput, "not valid JSON of Lethe's subset: \(error)")
        }
        self.bytes = bytes
    }

    /// The byte range of the whole value deferred at `path` (an array too), or nil when nothing
    /// there was deferred. The range is only scanned, not checked: check it before trusting it.
    public func range(at path: [String]) -> Range<Int>? {
        deferred[path]?.range
    }

    /// The items of the deferred array at `path` (or the deferred value there, as one item), each
    /// checked and read: in place when its bytes are in the simple form a ``JSONView`` reads, else
    /// parsed into a tree. Empty when nothing at `path` was deferred.
    public func items(at path: [String]) throws(LetheError) -> [JSONReading] {
        guard let value = deferred[path] else { return [] }
        let ranges = value.items ?? [value.range]
        var items: [JSONReading] = []
        items.reserveCapacity(ranges.count)
        for range in ranges { items.append(try JSONReading.item(bytes, range, of: path)) }
        return items
    }
}

extension JSONReading {
    /// The deferred item in `bytes[range]` of the value at `path`: checked and read in place when
    /// its bytes are in the simple form a ``JSONView`` reads, else parsed into a tree. `bytes`
    /// start at offset `base` of the document, so that a refusal names the document's offset.
    static func item(
        _ bytes: [UInt8], _ range: Range<Int>, of path: [String], base: Int = 0
    ) throws(LetheError)
        -> JSONReading
    {
        if SimpleJSONChecker.isSimple(bytes, range) {
            return .view(JSONView(bytes: bytes, start: range.lowerBound, end: range.upperBound))
        }
        do {
            return .tree(try JSONParser.parse(bytes, in: range))
        } catch {
            let failure = JSONParser.Failure(offset: error.offset + base, reason: error.reason)
            throw LetheError(
                .invalidInput, "not valid JSON of Lethe's subset in \(path.joined(separator: ".")): \(failure)")
        }
    }
}

/// A JSON value read either in place (``JSONView``) or from a tree (``JSONValue``): the same
/// fields either way.
public enum JSONReading: Sendable, JSONFieldReading {
    /// Read in place from checked bytes.
    case view(JSONView)
    /// Parsed.
    case tree(JSONValue)

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONReading? {
        switch self {
        case .view(let view): view[key].map(JSONReading.view)
        case .tree(let tree): tree[key].map(JSONReading.tree)
        }
    }

    /// The members `names` picks of an object, in the order of `names` (nil for each one it
    /// lacks); read in place in one pass over the object.
    public func members(_ names: JSONMemberNames) -> [JSONReading?] {
        switch self {
        case .view(let view): view.members(names).map { $0.map(JSONReading.view) }
        case .tree(let tree): names.names.map { tree[$0].map(JSONReading.tree) }
        }
    }

    /// The text of a string, or nil.
    public var stringValue: String? {
        switch self {
        case .view(let view): view.stringValue
        case .tree(let tree): tree.stringValue
        }
    }

    /// The number of an integer, or nil.
    public var integerValue: Int64? {
        switch self {
        case .view(let view): view.integerValue
        case .tree(let tree): tree.integerValue
        }
    }

    /// The items of an array, or nil.
    public var arrayValue: [JSONReading]? {
        switch self {
        case .view(let view): view.arrayValue?.map(JSONReading.view)
        case .tree(let tree): tree.arrayValue?.map(JSONReading.tree)
        }
    }

    /// The date a string holds as RFC 3339, or nil.
    public var dateValue: Date? {
        switch self {
        case .view(let view): view.dateValue
        case .tree(let tree): tree.dateValue
        }
    }

    /// The value as a tree.
    public var jsonValue: JSONValue {
        switch self {
        case .view(let view): view.jsonValue
        case .tree(let tree): tree
        }
    }

    /// The member names of an object in ascending order, or nil.
    public var memberNames: [String]? {
        switch self {
        case .view(let view): view.memberNames
        case .tree(let tree): tree.objectValue?.keys.sorted()
        }
    }
}
