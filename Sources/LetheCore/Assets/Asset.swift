import Foundation

/// A device or medium that holds, or held, data: a laptop, a server, a drive, a tape.
public struct Asset: Sendable, Hashable, Codable {
    /// The unique asset tag (the media property number of NIST SP 800-88 Appendix G).
    public var tag: String
    /// The manufacturer's serial number, if known.
    public var serial: String?
    /// The make or vendor.
    public var make: String?
    /// The model or model number.
    public var model: String?
    /// The kind of device or medium.
    public var mediaType: MediaType
    /// The capacity in bytes, if known.
    public var capacityBytes: Int64?
    /// Where the asset is.
    public var location: String?
    /// Who has the asset now.
    public var custodian: String?
    /// How sensitive its data is.
    public var classification: Classification
    /// Whether its data at rest is encrypted.
    public var encryption: Encryption
    /// The tag of the asset it is part of (a drive's server), if any.
    public var parentTag: String?
    /// Free notes.
    public var notes: String?
    /// Its lifecycle state.
    public var state: LifecycleState
    /// Where it went, once disposed.
    public var destination: Destination?
    /// When it was registered.
    public var registeredAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates an asset.
    public init(
        tag: String, serial: String? = nil, make: String? = nil, model: String? = nil,
        mediaType: MediaType, capacityBytes: Int64? = nil, location: String? = nil,
        custodian: String? = nil, classification: Classification, encryption: Encryption = .none,
        parentTag: String? = nil, notes: String? = nil, state: LifecycleState = .inService,
        destination: Destination? = nil, registeredAt: Date, updatedAt: Date? = nil
    ) {
        self.tag = tag
        self.serial = serial
        self.make = make
        self.model = model
        self.mediaType = mediaType
        self.capacityBytes = capacityBytes
        self.location = location
        self.custodian = custodian
        self.classification = classification
        self.encryption = encryption
        self.parentTag = parentTag
        self.notes = notes
        self.state = state
        self.destination = destination
        self.registeredAt = registeredAt
        self.updatedAt = updatedAt ?? registeredAt
    }
}

extension Asset {
    /// The asset's descriptive fields as a JSON object, for events and `--json` output.
    public var jsonFields: JSONValue {
        var object: [String: JSONValue] = [
            "tag": .string(tag),
            "media_type": .string(mediaType.rawValue),
            "classification": .string(classification.rawValue),
            "encryption": .string(encryption.rawValue),
            "state": .string(state.rawValue),
        ]
        object["serial"] = serial.map(JSONValue.string)
        object["make"] = make.map(JSONValue.string)
        object["model"] = model.map(JSONValue.string)
        object["capacity_bytes"] = capacityBytes.map(JSONValue.integer)
        object["location"] = location.map(JSONValue.string)
        object["custodian"] = custodian.map(JSONValue.string)
        object["parent_tag"] = parentTag.map(JSONValue.string)
        object["notes"] = notes.map(JSONValue.string)
        object["destination"] = destination.map { .string($0.rawValue) }
        return .object(object)
    }
}
