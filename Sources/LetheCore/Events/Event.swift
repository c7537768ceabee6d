import Foundation

/// The name of a kind of event (`asset.registered`, `asset.retired`).
public struct EventType: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let assetRegistered: EventType = "asset.registered"
    public static let assetUpdated: EventType = "asset.updated"
    public static let assetStateChanged: EventType = "asset.state-changed"
    public static let custodyTransferred: EventType = "asset.custody-transferred"
    public static let importCompleted: EventType = "import.completed"
}

/// A state change about to be recorded: the application layer builds it, the store numbers and
/// timestamps it and writes it in the same transaction as the change itself.
public struct EventDraft: Sendable, Hashable {
    /// What happened.
    public var type: EventType
    /// The asset it happened to, if any.
    public var assetTag: String?
    /// What changed, in Lethe's JSON subset.
    public var payload: JSONValue

    /// Creates a draft.
    public init(type: EventType, assetTag: String? = nil, payload: JSONValue = .object([:])) {
        self.type = type
        self.assetTag = assetTag
        self.payload = payload
    }
}

/// A recorded event: one entry of the evidence log.
///
/// ``bytes`` is the canonical JSON that was written, and the only form that counts: the other
/// properties are read from it, and it is never re-encoded.
public struct Event: Sendable, Hashable {
    /// The 1-based position in the log; contiguous.
    public var seq: Int64
    /// When it was recorded (UTC, whole seconds).
    public var recordedAt: Date
    /// Who caused it.
    public var actor: String
    /// What happened.
    public var type: EventType
    /// The asset it happened to, if any.
    public var assetTag: String?
    /// What changed.
    public var payload: JSONValue
    /// The canonical JSON bytes, as stored.
    public var bytes: [UInt8]

    /// The version of the event format written into every event.
    public static let formatVersion: Int64 = 1

    /// Builds the event for a draft, encoding its canonical bytes.
    public init(seq: Int64, recordedAt: Date, actor: String, draft: EventDraft) throws(LetheError) {
        self.seq = seq
        self.recordedAt = Date(timeIntervalSince1970: floor(recordedAt.timeIntervalSince1970))
        self.actor = actor
        self.type = draft.type
        self.assetTag = draft.assetTag
        self.payload = draft.payload
        var object: [String: JSONValue] = [
            "v": .integer(Self.formatVersion),
            "seq": .integer(seq),
            "time": .string(RFC3339.format(recordedAt)),
            "actor": .string(actor),
            "type": .string(draft.type.rawValue),
            "payload": draft.payload,
        ]
        object["asset"] = draft.assetTag.map(JSONValue.string)
        self.bytes = try CanonicalJSON.encode(.object(object))
    }

    /// Reads an event back from its stored canonical bytes.
    public init(storedBytes bytes: [UInt8]) throws(LetheError) {
        let value = try CanonicalJSON.decode(bytes)
        guard let seq = value["seq"]?.integerValue, let time = value["time"]?.stringValue,
            let actor = value["actor"]?.stringValue, let type = value["type"]?.stringValue
        else {
            throw LetheError(.internal, "a stored event lacks seq, time, actor or type")
        }
        self.seq = seq
        self.recordedAt = try RFC3339.parse(time)
        self.actor = actor
        self.type = EventType(rawValue: type)
        self.assetTag = value["asset"]?.stringValue
        self.payload = value["payload"] ?? .object([:])
        self.bytes = bytes
    }
}
