import Foundation
import LetheCore
import LetheStore

/// A hand-over of an asset from one party to another: one link of its chain of custody.
public struct CustodyTransfer: Sendable, Hashable {
    /// Who handed it over; defaults to the current custodian.
    public var from: String?
    /// Who received it.
    public var to: String
    /// Where it is now; unchanged when nil.
    public var location: String?
    /// When the hand-over happened; defaults to now.
    public var at: Date?
    /// Tamper-evident seal numbers on the container or device.
    public var seals: [String]
    /// A vendor's manifest or waybill reference.
    public var manifest: String?
    /// Free notes.
    public var notes: String?

    /// Creates a transfer.
    public init(
        from: String? = nil, to: String, location: String? = nil, at: Date? = nil, seals: [String] = [],
        manifest: String? = nil, notes: String? = nil
    ) {
        self.from = from
        self.to = to
        self.location = location
        self.at = at
        self.seals = seals
        self.manifest = manifest
        self.notes = notes
    }
}

extension LetheApp {
    /// Records a custody transfer in the caller's transaction: the asset's custodian (and location)
    /// change, and the event keeps the whole hand-over. `receiver` is the cleaned `transfer.to`.
    package static func transfer(
        tag: String, _ transfer: CustodyTransfer, receiver: String, handedAt: Date, in tx: any StoreWriting,
        actor: String, at time: Date
    ) throws(LetheError) -> Asset {
        let asset = try requireAsset(tag, in: tx)
        guard asset.state != .disposed else {
            throw LetheError(.illegalTransition, "asset \(tag) is disposed; its chain of custody is closed")
        }
        // A chain of custody is recorded in order: a hand-over cannot precede the last one (by more
        // than the clock skew a hand-over's own time may have: one recorded minutes ahead must not
        // block the next, made now).
        if let last = try tx.events(assetTag: tag, type: .custodyTransferred).last,
            let text = last.payload["at"]?.stringValue, let lastAt = try? RFC3339.parse(text),
            handedAt < lastAt.addingTimeInterval(-300)
        {
            throw LetheError(
                .invalidInput,
                "hand-over time \(RFC3339.format(handedAt)) is before asset \(tag)'s last recorded hand-over (at \(text), to \(last.payload["to"]?.stringValue ?? "?")): its chain of custody is recorded in order; give a time at or after that one (nothing was changed)"
            )
        }
        var updated = asset
        updated.custodian = receiver
        if let location = AssetFields.clean(transfer.location) { updated.location = location }
        updated.updatedAt = time
        try tx.update(updated)
        var payload: [String: JSONValue] = [
            "to": .string(receiver),
            "at": .string(RFC3339.format(handedAt)),
            "seals": .array(transfer.seals.compactMap { AssetFields.clean($0) }.map(JSONValue.string)),
        ]
        payload["from"] = (AssetFields.clean(transfer.from) ?? asset.custodian).map(JSONValue.string)
        payload["location_from"] = asset.location.map(JSONValue.string)
        payload["location_to"] = updated.location.map(JSONValue.string)
        payload["manifest"] = AssetFields.clean(transfer.manifest).map(JSONValue.string)
        payload["notes"] = AssetFields.clean(transfer.notes).map(JSONValue.string)
        try tx.append(
            EventDraft(type: .custodyTransferred, assetTag: tag, payload: .object(payload)), actor: actor, at: time)
        return updated
    }
}

extension CustodyTransfer {
    /// Refuses a field longer than its ``FieldLimits`` (the same limits as an asset's fields).
    package func checkLengths() throws(LetheError) {
        try FieldLimits.check(from, field: "from", limit: FieldLimits.name)
        try FieldLimits.check(to, field: "to", limit: FieldLimits.name)
        try FieldLimits.check(location, field: "location", limit: FieldLimits.location)
        try FieldLimits.check(manifest, field: "manifest", limit: FieldLimits.name)
        try FieldLimits.check(notes, field: "notes", limit: FieldLimits.notes)
        guard seals.count <= FieldLimits.seals else {
            throw LetheError(
                .invalidInput,
                "\(seals.count) seal numbers given; at most \(FieldLimits.seals) are recorded per transfer (nothing was changed)"
            )
        }
        for seal in seals { try FieldLimits.check(seal, field: "seal", limit: FieldLimits.seal) }
    }
}
