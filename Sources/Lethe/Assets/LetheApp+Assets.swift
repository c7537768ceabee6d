import Foundation
import LetheCore
import LetheStore

extension LetheApp {
    /// Inserts a new asset and its `asset.registered` event in the caller's transaction.
    package static func register(
        _ asset: Asset, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) {
        if let parent = asset.parentTag { try checkParent(parent, of: asset.tag, in: tx) }
        try tx.insert(asset)
        try tx.append(
            EventDraft(type: .assetRegistered, assetTag: asset.tag, payload: ["asset": asset.jsonFields]),
            actor: actor, at: time)
    }

    /// Applies descriptive fields to a registered asset in the caller's transaction; the asset as it
    /// is afterwards (unchanged, with no event, when the fields change nothing).
    package static func update(
        tag: String, _ fields: AssetFields, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> Asset {
        let current = try requireAsset(tag, in: tx)
        let updated: Asset
        switch fields.applied(to: current, at: time) {
        case .success(let value): updated = value
        case .failure(let problems): throw problems.error(context: "cannot update asset \(tag)")
        }
        let changes = current.changes(to: updated)
        guard !changes.isEmpty else { return current }
        if let parent = updated.parentTag, parent != current.parentTag {
            try checkParent(parent, of: tag, in: tx)
        }
        try tx.update(updated)
        try tx.append(
            EventDraft(type: .assetUpdated, assetTag: tag, payload: ["changes": .object(changes)]),
            actor: actor, at: time)
        return updated
    }

    package static func requireAsset(_ tag: String, in tx: any StoreReading) throws(LetheError) -> Asset {
        guard let asset = try tx.asset(tag: tag) else {
            throw LetheError(.notFound, "asset \(tag) is not registered; see 'lethe asset list'")
        }
        return asset
    }

    /// A parent must exist and must not be the asset itself or one of its descendants.
    static func checkParent(_ parent: String, of tag: String, in tx: any StoreReading) throws(LetheError) {
        var ancestor: String? = parent
        var depth = 0
        while let current = ancestor {
            guard current != tag else {
                throw LetheError(
                    .invalidInput, "asset \(tag) cannot have parent \(parent): \(parent) is attached to \(tag)")
            }
            guard let found = try tx.asset(tag: current) else {
                throw LetheError(.notFound, "parent asset \(current) of \(tag) is not registered; register it first")
            }
            ancestor = found.parentTag
            depth += 1
            guard depth < 64 else { break }
        }
    }
}
