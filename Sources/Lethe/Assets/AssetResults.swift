import Foundation
import LetheCore

/// One asset as every front end shows it: its fields under the names of the register's JSON
/// (`media_type`, `parent_tag` …; an unknown optional field is left out), with `registered_at` and
/// `updated_at` as RFC 3339 strings, and, for `asset show`, the tags of the assets attached to it.
public struct AssetDetails: Sendable, Hashable, Codable {
    /// An asset attached to this one (a drive in its server).
    public struct Attached: Sendable, Hashable, Codable {
        /// Its tag.
        public var tag: String
        /// Its state, when known (the JSON form holds the tag only).
        public var state: LifecycleState?

        /// Creates an entry.
        public init(tag: String, state: LifecycleState? = nil) {
            self.tag = tag
            self.state = state
        }

        public init(from decoder: any Decoder) throws {
            tag = try decoder.singleValueContainer().decode(String.self)
            state = nil
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(tag)
        }
    }

    /// The asset.
    public var asset: Asset
    /// The attached assets, when asked for (`asset show`); nil leaves the key out.
    public var attached: [Attached]?

    /// Creates the details of an asset.
    public init(_ asset: Asset, attached: [Attached]? = nil) {
        self.asset = asset
        self.attached = attached
    }

    enum CodingKeys: String, CodingKey {
        case tag, serial, make, model, location, custodian, classification, encryption, notes, state, destination
        case attached
        case mediaType = "media_type"
        case capacityBytes = "capacity_bytes"
        case parentTag = "parent_tag"
        case registeredAt = "registered_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        asset = Asset(
            tag: try c.decode(String.self, forKey: .tag), serial: try c.decodeIfPresent(String.self, forKey: .serial),
            make: try c.decodeIfPresent(String.self, forKey: .make),
            model: try c.decodeIfPresent(String.self, forKey: .model),
            mediaType: try c.decode(MediaType.self, forKey: .mediaType),
            capacityBytes: try c.decodeIfPresent(Int64.self, forKey: .capacityBytes),
            location: try c.decodeIfPresent(String.self, forKey: .location),
            custodian: try c.decodeIfPresent(String.self, forKey: .custodian),
            classification: try c.decode(Classification.self, forKey: .classification),
            encryption: try c.decode(Encryption.self, forKey: .encryption),
            parentTag: try c.decodeIfPresent(String.self, forKey: .parentTag),
            notes: try c.decodeIfPresent(String.self, forKey: .notes),
            state: try c.decode(LifecycleState.self, forKey: .state),
            destination: try c.decodeIfPresent(Destination.self, forKey: .destination),
            registeredAt: try c.decodeRFC3339(forKey: .registeredAt),
            updatedAt: try c.decodeRFC3339(forKey: .updatedAt))
        attached = try c.decodeIfPresent([Attached].self, forKey: .attached)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(asset.tag, forKey: .tag)
        try c.encodeIfPresent(asset.serial, forKey: .serial)
        try c.encodeIfPresent(asset.make, forKey: .make)
        try c.encodeIfPresent(asset.model, forKey: .model)
        try c.encode(asset.mediaType, forKey: .mediaType)
        try c.encodeIfPresent(asset.capacityBytes, forKey: .capacityBytes)
        try c.encodeIfPresent(asset.location, forKey: .location)
        try c.encodeIfPresent(asset.custodian, forKey: .custodian)
        try c.encode(asset.classification, forKey: .classification)
        try c.encode(asset.encryption, forKey: .encryption)
        try c.encodeIfPresent(asset.parentTag, forKey: .parentTag)
        try c.encodeIfPresent(asset.notes, forKey: .notes)
        try c.encode(asset.state, forKey: .state)
        try c.encodeIfPresent(asset.destination, forKey: .destination)
        try c.encode(RFC3339.format(asset.registeredAt), forKey: .registeredAt)
        try c.encode(RFC3339.format(asset.updatedAt), forKey: .updatedAt)
        try c.encodeIfPresent(attached, forKey: .attached)
    }
}

/// A page of assets: `asset list`.
public struct AssetPage: Sendable, Hashable, Codable {
    /// The assets on this page, ordered by tag.
    public var assets: [AssetDetails]
    /// How many assets match the query in all.
    public var total: Int
    /// The tag to pass as `after` for the next page; nil when this page is not full.
    public var nextAfter: String?

    /// Creates a page.
    public init(assets: [AssetDetails], total: Int, nextAfter: String?) {
        self.assets = assets
        self.total = total
        self.nextAfter = nextAfter
    }

    enum CodingKeys: String, CodingKey {
        case assets, total
        case nextAfter = "next_after"
    }
}

/// The assets a lifecycle change moved, the asset asked for first and its attached media after:
/// `asset retire` (key `retired`), `asset lost` (`lost`) and `asset found` (`found`).
public struct LifecycleChange: Sendable, Hashable, Codable {
    /// Which change it was; also the JSON key of the tags.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CodingKey {
        /// Taken out of service.
        case retired
        /// Lost or stolen.
        case lost
        /// A lost asset turned up (it is now awaiting sanitization).
        case found
    }

    /// Which change it was.
    public var kind: Kind
    /// The assets changed, in their new state.
    public var assets: [AssetDetails.Attached]

    /// Creates a result.
    public init(kind: Kind, assets: [AssetDetails.Attached]) {
        self.kind = kind
        self.assets = assets
    }

    /// The tags changed, in order.
    public var tags: [String] { assets.map(\.tag) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Kind.self)
        guard let kind = Kind.allCases.first(where: { c.contains($0) }) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: c.codingPath, debugDescription: "no retired/lost/found key"))
        }
        self.kind = kind
        self.assets = try c.decode([AssetDetails.Attached].self, forKey: kind)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Kind.self)
        try c.encode(assets, forKey: kind)
    }
}

/// An asset's whole story: `asset history`. Its JSON is the array of the events as stored (the
/// log's canonical JSON).
public struct AssetHistory: Sendable, Hashable, Codable {
    /// The asset's tag.
    public var tag: String
    /// Every event about it, in order.
    public var events: [Event]

    /// Creates a history.
    public init(tag: String, events: [Event]) {
        self.tag = tag
        self.events = events
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.singleValueContainer().decode([JSONValue].self)
        events = try values.map { value in
            do { return try Event(storedBytes: try CanonicalJSON.encode(value)) } catch {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
            }
        }
        tag = events.first?.assetTag ?? ""
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(events.compactMap { try? CanonicalJSON.decode($0.bytes) })
    }
}

extension KeyedDecodingContainer {
    /// Decodes an RFC 3339 date string.
    func decodeRFC3339(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        do { return try RFC3339.parse(text) } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.message)
        }
    }

    /// Decodes an optional RFC 3339 date string.
    func decodeRFC3339IfPresent(forKey key: Key) throws -> Date? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeRFC3339(forKey: key)
    }
}
