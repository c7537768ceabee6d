import Foundation

/// Read access to the members of a JSON value: what a reader of event payloads needs, whether the
/// value is a parsed ``JSONValue`` tree or a ``JSONView`` over an event's stored bytes.
public protocol JSONFieldReading {
    /// The member `key` of an object, or nil (also when the value is not an object).
    subscript(key: String) -> Self? { get }
    /// The text of a string, or nil.
    var stringValue: String? { get }
    /// The number of an integer, or nil.
    var integerValue: Int64? { get }
    /// The items of an array, or nil.
    var arrayValue: [Self]? { get }
    /// The date a string holds as RFC 3339 (``RFC3339/parse(_:field:)``), or nil.
    var dateValue: Date? { get }
    /// The value as a tree.
    var jsonValue: JSONValue { get }
}

extension JSONValue: JSONFieldReading {
    /// The date a string holds as RFC 3339, or nil.
    public var dateValue: Date? { stringValue.flatMap { try? RFC3339.parse($0) } }
    /// The value itself.
    public var jsonValue: JSONValue { self }
}

/// A value inside a stored event's canonical JSON, read in place: members are found by scanning
/// the bytes, and nothing is parsed that is not asked for.
///
/// Made only by ``StoredEventView``, and only over bytes it has checked to be compact JSON of
/// Lethe's subset whose every string is printable ASCII without escapes and whose every object's
/// keys are in strictly ascending order (no duplicates) — the form canonical JSON takes for every
/// event Lethe writes. Reading such bytes needs no further checks.
public struct JSONView: Sendable, JSONFieldReading {
    let bytes: [UInt8]
    /// The value's first byte.
    let start: Int
    /// One past the value's last byte.
    let end: Int

    /// The member `key` of an object, or nil (found without reading past where it would be: the
    /// keys were checked to be in ascending byte order).
    public subscript(key: String) -> JSONView? {
        guard bytes[start] == UInt8(ascii: "{") else { return nil }
        var key = key
        return key.withUTF8 { wanted -> JSONView? in
            var position = start + 1
            while bytes[position] == UInt8(ascii: "\"") {
                let keyStart = position + 1
                let keyEnd = Self.skip(bytes, from: position) - 1
                let order = Self.compare(bytes, keyStart..<keyEnd, wanted)
                // Past the key's place: the object lacks it.
                if order > 0 { return nil }
                let valueStart = keyEnd + 2
                let valueEnd = Self.skip(bytes, from: valueStart)
                if order == 0 { return JSONView(bytes: bytes, start: valueStart, end: valueEnd) }
                // Past the comma, or at the closing brace.
                position = valueEnd + (bytes[valueEnd] == UInt8(ascii: ",") ? 1 : 0)
            }
            return nil
        }
    }

    /// The members `names` picks of an object, in one pass over it (each wanted name compared
    /// with the members in their ascending order), in the order of `names`; nils when the value
    /// is not an object or lacks a member.
    public func members(_ names: JSONMemberNames) -> [JSONView?] {
        var found = [JSONView?](repeating: nil, count: names.names.count)
        guard bytes[start] == UInt8(ascii: "{") else { return found }
        var next = 0
        var position = start + 1
        while bytes[position] == UInt8(ascii: "\""), next < names.sorted.count {
            let keyStart = position + 1
            let keyEnd = Self.skip(bytes, from: position) - 1
            let valueStart = keyEnd + 2
            let valueEnd = Self.skip(bytes, from: valueStart)
            // Past the wanted names that sort before this key: the object has none of them.
            while next < names.sorted.count {
                let order = names.sorted[next].withUnsafeBufferPointer { Self.compare(bytes, keyStart..<keyEnd, $0) }
                if order > 0 {
                    next += 1
                    continue
                }
                if order == 0 {
                    found[names.positions[next]] = JSONView(bytes: bytes, start: valueStart, end: valueEnd)
                    next += 1
                }
                break
            }
            position = valueEnd + (bytes[valueEnd] == UInt8(ascii: ",") ? 1 : 0)
        }
        return found
    }

    /// The member names of an object, in the ascending order they were checked to be in; nil
    /// when the value is not an object.
    public var memberNames: [String]? {
        guard bytes[start] == UInt8(ascii: "{") else { return nil }
        var names: [String] = []
        var position = start + 1
        while bytes[position] == UInt8(ascii: "\"") {
            let keyEnd = Self.skip(bytes, from: position) - 1
            names.append(String(decoding: bytes[position + 1..<keyEnd], as: UTF8.self))
            let valueEnd = Self.skip(bytes, from: keyEnd + 2)
            position = valueEnd + (bytes[valueEnd] == UInt8(ascii: ",") ? 1 : 0)
        }
        return names
    }

    /// The text of a string (checked ASCII without escapes: the bytes between the quotes).
    public var stringValue: String? {
        guard bytes[start] == UInt8(ascii: "\"") else { return nil }
        return String(decoding: bytes[start + 1..<end - 1], as: UTF8.self)
    }

    /// The number of an integer (checked within ±(2^53 − 1)).
    public var integerValue: Int64? {
        var position = start
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < end, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") else {
            return nil
        }
        var magnitude: Int64 = 0
        while position < end {
            magnitude = magnitude * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
            position += 1
        }
        return negative ? -magnitude : magnitude
    }

    /// The items of an array.
    public var arrayValue: [JSONView]? {
        guard bytes[start] == UInt8(ascii: "[") else { return nil }
        var items: [JSONView] = []
        var position = start + 1
        while bytes[position] != UInt8(ascii: "]") {
            let itemEnd = Self.skip(bytes, from: position)
            items.append(JSONView(bytes: bytes, start: position, end: itemEnd))
            position = itemEnd + (bytes[itemEnd] == UInt8(ascii: ",") ? 1 : 0)
        }
        return items
    }

    /// The date of a string: `YYYY-MM-DDTHH:MM:SSZ` read directly, any other form through
    /// ``RFC3339/parse(_:field:)`` (the same result either way).
    public var dateValue: Date? {
        guard bytes[start] == UInt8(ascii: "\"") else { return nil }
        if let date = StoredEventView.canonicalDate(bytes, start + 1, end - 1) { return date }
        return stringValue.flatMap { try? RFC3339.parse($0) }
    }

    /// The value as a tree (parsed from its bytes, which were checked to be valid).
    public var jsonValue: JSONValue {
        (try? JSONParser.parse(bytes, in: start..<end)) ?? .null
    }

    /// One past the end of the value starting at `position` (in checked compact bytes).
    ///
    /// Read through a buffer pointer, a string's closing quote found with `memchr` (a checked
    /// string has no escape, so its next quote closes it): a report skips over the payloads of
    /// ten million events, and reading them element by element took a seventh of its time. It
    /// never reads past the bytes: a value cut short ends at `bytes.count`.
    static func skip(_ bytes: [UInt8], from position: Int) -> Int {
        bytes.withUnsafeBufferPointer { buffer -> Int in
            let count = buffer.count
            guard position >= 0, position < count, let base = buffer.baseAddress else { return count }
            // One past the quote that closes the string whose text starts at `from`.
            func afterString(_ from: Int) -> Int {
                guard from < count, let quote = memchr(base + from, Int32(UInt8(ascii: "\"")), count - from) else {
                    return count
                }
                return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(quote)) + 1
            }
            var position = position
            switch base[position] {
            case UInt8(ascii: "\""):
                return afterString(position + 1)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while position < count {
                    switch base[position] {
                    case UInt8(ascii: "\""):
                        position = afterString(position + 1)
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { return position + 1 }
                    default:
                        break
                    }
                    position += 1
                }
                return count
            default:
                while position < count {
                    switch base[position] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): return position
                    default: position += 1
                    }
                }
                return count
            }
        }
    }

    /// The order of the bytes in `range` against `other`, bytewise: negative, zero or positive.
    static func compare(_ bytes: [UInt8], _ range: Range<Int>, _ other: UnsafeBufferPointer<UInt8>) -> Int {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return 1 }
        let common = min(range.count, other.count)
        if common > 0, let otherBase = other.baseAddress {
            let order = bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + range.lowerBound, otherBase, common) }
            if order != 0 { return Int(order) }
        }
        return range.count - other.count
    }

    /// Whether `bytes[range]` are the bytes of `wanted` (false for a range beyond the bytes).
    static func bytes(_ bytes: [UInt8], _ range: Range<Int>, equal wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        guard range.count == wanted.count, range.lowerBound >= 0, range.upperBound <= bytes.count else { return false }
        return compare(bytes, range, wanted) == 0
    }
}

/// A stored event read in place, for scans that read a few fields of many events (reports): its
/// top-level fields, and its payload as a ``JSONView``, without building a ``JSONValue`` tree.
///
/// ``init(storedBytes:)`` returns nil for any event whose bytes are not in the simple form a
/// ``JSONView`` can read (a string with an escape or a non-ASCII character, white space, keys out
/// of order, a field missing or of the wrong type, a date not in `YYYY-MM-DDTHH:MM:SSZ`): such an
/// event is read with ``Event/init(storedBytes:)`` instead, which accepts or refuses it as always.
/// Every event this accepts, ``Event/init(storedBytes:)`` accepts too, with the same fields.
public struct StoredEventView: Sendable {
    /// The 1-based position in the log.
    public var seq: Int64
    /// When it was recorded.
    public var recordedAt: Date
    /// Who caused it.
    public var actor: String
    /// What happened.
    public var type: EventType
    /// The asset it happened to, if any.
    public var assetTag: String?
    /// What changed (an empty object when the event has no payload).
    public var payload: JSONView

    private static let emptyObject: [UInt8] = Array("{}".utf8)

    /// Reads an event's stored bytes, or returns nil when they are not in the simple form.
    public init?(storedBytes bytes: [UInt8]) {
        self.init(storedBytes: bytes, range: 0..<bytes.count)
    }

    /// Reads the stored bytes of an event that are `bytes[range]` (a batch of events read into one
    /// buffer), or returns nil when they are not in the simple form. The views it holds share
    /// `bytes`.
    public init?(storedBytes bytes: [UInt8], range: Range<Int>) {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return nil }
        // Where each field's value is, noted as the check passes the top-level members (a
        // second pass over them skipped the payload once more; nothing allocated: this runs
        // per event).
        var fields = FieldRanges()
        guard SimpleJSONChecker.isSimpleObject(bytes, range, fields: &fields) else { return nil }
        func view(_ range: Range<Int>?) -> JSONView? {
            range.map { JSONView(bytes: bytes, start: $0.lowerBound, end: $0.upperBound) }
        }
        guard let seq = view(fields.seq)?.integerValue, let time = fields.time,
            bytes[time.lowerBound] == UInt8(ascii: "\""),
            let recordedAt = Self.canonicalDate(bytes, time.lowerBound + 1, time.upperBound - 1),
            let actor = view(fields.actor)?.stringValue, let type = view(fields.type)?.stringValue
        else { return nil }
        self.seq = seq
        self.recordedAt = recordedAt
        self.actor = actor
        self.type = EventType(rawValue: type)
        self.assetTag = view(fields.asset)?.stringValue
        self.payload = view(fields.payload) ?? JSONView(bytes: Self.emptyObject, start: 0, end: 2)
    }

    /// Where the values of the top-level fields read are, by their key.
    struct FieldRanges {
        var seq: Range<Int>?
        var time: Range<Int>?
        var actor: Range<Int>?
        var type: Range<Int>?
        var asset: Range<Int>?
        var payload: Range<Int>?

        /// Notes where the value of the member whose key is `bytes[key]` is, if it is a field read.
        mutating func note(_ bytes: UnsafeBufferPointer<UInt8>, key: Range<Int>, value: Range<Int>) {
            // Called with a key of a name's length, within the bytes.
            func isKey(_ name: StaticString) -> Bool {
                name.withUTF8Buffer { name in
                    memcmp(bytes.baseAddress! + key.lowerBound, name.baseAddress!, name.count) == 0
                }
            }
            switch key.count {
            case 3 where isKey("seq"): seq = value
            case 4 where isKey("time"): time = value
            case 4 where isKey("type"): type = value
            case 5 where isKey("actor"): actor = value
            case 5 where isKey("asset"): asset = value
            case 7 where isKey("payload"): payload = value
            default: break
            }
        }
    }

    /// The date of `YYYY-MM-DDTHH:MM:SSZ` in `bytes[start..<end]` (years from 1970, no leap
    /// second), as ``RFC3339/parse(_:field:)`` gives it; nil for any other text.
    static func canonicalDate(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Date? {
        guard end - start == 20, bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
            bytes[start + 10] == UInt8(ascii: "T"), bytes[start + 13] == UInt8(ascii: ":"),
            bytes[start + 16] == UInt8(ascii: ":"), bytes[start + 19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ offset: Int, _ count: Int) -> Int? {
            var value = 0
            for byte in bytes[start + offset..<start + offset + count] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), year >= 1970, (1...12).contains(month),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day >= 1, day <= monthDays[month - 1] else { return nil }
        // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
    }
}

/// Checks that bytes are compact JSON of Lethe's subset in the simple form a ``JSONView`` reads (see
/// ``StoredEventView``); any doubt answers false, and the caller reads the bytes the general way.
///
/// It reads through a buffer pointer: a report checks ten million stored events, and reading an
/// array's elements one by one cost a bounds check and often a retain each. Every read is at a
/// position below ``end``, which ``isSimple(_:_:depth:)`` checks is within the bytes.
struct SimpleJSONChecker {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    /// One past the last byte to read.
    let end: Int
    /// Whether the members of the top-level object are noted in ``fields``.
    var notesFields = false
    /// Where the values of the top-level object's fields are, when ``notesFields``.
    var fields = StoredEventView.FieldRanges()

    /// Whether `bytes[range]` is one value in the simple form, nested `depth` deep in its document
    /// (the nesting limit of 128 counts from the document's top).
    static func isSimple(_ bytes: [UInt8], _ range: Range<Int>, depth: Int = 0) -> Bool {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a range outside the bytes")
        return bytes.withUnsafeBufferPointer { buffer in
            var checker = SimpleJSONChecker(bytes: buffer, position: range.lowerBound, end: range.upperBound)
            return checker.value(depth: depth) && checker.position == range.upperBound
        }
    }

    /// Whether `bytes[range]` is an object in the simple form, noting in `fields` where the values
    /// of its members are (an event's top-level fields).
    static func isSimpleObject(
        _ bytes: [UInt8], _ range: Range<Int>, fields: inout StoredEventView.FieldRanges
    ) -> Bool {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a range outside the bytes")
        return bytes.withUnsafeBufferPointer { buffer in
            var checker = SimpleJSONChecker(bytes: buffer, position: range.lowerBound, end: range.upperBound)
            guard checker.position < checker.end, buffer[checker.position] == UInt8(ascii: "{") else { return false }
            checker.notesFields = true
            let simple = checker.object(depth: 0) && checker.position == range.upperBound
            fields = checker.fields
            return simple
        }
    }

    mutating func value(depth: Int) -> Bool {
        guard depth < 128, position < end else { return false }
        switch bytes[position] {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer()
        default: return false
        }
    }

    mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= end else { return false }
        let matches = text.withUTF8Buffer { buffer in
            (0..<count).allSatisfy { bytes[position + $0] == buffer[$0] }
        }
        position += count
        return matches
    }

    /// A string of printable ASCII without escapes.
    mutating func string() -> Bool {
        position += 1
        while position < end {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { return true }
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return false }
        }
        return false
    }

    mutating func integer() -> Bool {
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let digits = position
        var magnitude: Int64 = 0
        while position < end, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            magnitude = magnitude * 10 + Int64(bytes[position] - 0x30)
            guard magnitude <= JSONValue.maxSafeInteger else { return false }
            position += 1
        }
        let count = position - digits
        // Canonical decimal: no leading zero, and no "-0" (zero is written "0").
        guard count > 0, count == 1 || bytes[digits] != UInt8(ascii: "0"), !negative || magnitude != 0, position < end
        else {
            return false
        }
        switch bytes[position] {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): return true
        default: return false
        }
    }

    mutating func array(depth: Int) -> Bool {
        position += 1
        guard position < end else { return false }
        if bytes[position] == UInt8(ascii: "]") {
            position += 1
            return true
        }
        while true {
            guard value(depth: depth + 1), position < end else { return false }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "]") { return true }
            guard byte == UInt8(ascii: ",") else { return false }
        }
    }

    mutating func object(depth: Int) -> Bool {
        position += 1
        guard position < end else { return false }
        if bytes[position] == UInt8(ascii: "}") {
            position += 1
            return true
        }
        var previous: Range<Int>?
        while true {
            let keyStart = position + 1
            guard position < end, bytes[position] == UInt8(ascii: "\""), string() else { return false }
            let keyRange = keyStart..<(position - 1)
            // Strictly ascending keys: no duplicate, and the order canonical JSON writes.
            if let previous,
                !bytes[previous].lexicographicallyPrecedes(bytes[keyRange])
            {
                return false
            }
            previous = keyRange
            guard position < end, bytes[position] == UInt8(ascii: ":") else { return false }
            position += 1
            let valueStart = position
            guard value(depth: depth + 1), position < end else { return false }
            if notesFields && depth == 0 { fields.note(bytes, key: keyRange, value: valueStart..<position) }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "}") { return true }
            guard byte == UInt8(ascii: ",") else { return false }
        }
    }
}

/// Member names to read from many objects, each in one pass (``JSONView/members(_:)``): a
/// report's million rows each read a dozen members, which looked up one by one scanned each row
/// from its start a dozen times.
public struct JSONMemberNames: Sendable {
    /// The names, in the order their members are returned.
    public let names: [String]
    /// The names' UTF-8, ascending bytewise (the order of a checked object's keys).
    let sorted: [[UInt8]]
    /// `sorted[i]` is `names[positions[i]]`.
    let positions: [Int]

    /// The names to read (distinct), in the order their members are wanted.
    public init(_ names: [String]) {
        self.names = names
        let order = names.indices.sorted { Array(names[$0].utf8).lexicographicallyPrecedes(Array(names[$1].utf8)) }
        sorted = order.map { Array(names[$0].utf8) }
        positions = order
    }
}
