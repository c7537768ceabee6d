import Foundation
import LetheCore
import LetheStore

extension LetheApp {
    /// Registers one asset.
    ///
    /// - Throws: `invalidInput` naming each bad field; `conflict` for a tag already registered;
    ///   `notFound` for a parent that is not registered.
    @discardableResult
    public func registerAsset(_ fields: AssetFields, actor: String) throws(LetheError) -> Asset {
        let actor = try ActorName.validate(actor)
        let time = now
        let asset: Asset
        switch fields.newAsset(at: time) {
        case .success(let value): asset = value
        case .failure(let problems): throw problems.error(context: "cannot register asset \(fields.tag ?? "")")
        }
        return try store.write { (tx) throws(LetheError) in
            if let parent = asset.parentTag { try Self.checkParent(parent, of: asset.tag, in: tx) }
            try tx.insert(asset)
            try tx.append(
                EventDraft(type: .assetRegistered, assetTag: asset.tag, payload: ["asset": asset.jsonFields]),
                actor: actor, at: time)
            return asset
        }
    }

    /// Changes an asset's descriptive fields; an empty value clears an optional field.
    ///
    /// The lifecycle state is not changed here: use ``retireAsset(tag:reason:actor:)`` and the other
    /// lifecycle use cases.
    @discardableResult
    public func updateAsset(tag: String, _ fields: AssetFields, actor: String) throws(LetheError) -> Asset {
        let actor = try ActorName.validate(actor)
        let time = now
        return try store.write { (tx) throws(LetheError) in
            let current = try Self.requireAsset(tag, in: tx)
            let updated: Asset
            switch fields.applied(to: current, at: time) {
            case .success(let value): updated = value
            case .failure(let problems): throw problems.error(context: "cannot update asset \(tag)")
            }
            let changes = current.changes(to: updated)
            guard !changes.isEmpty else { return current }
            if let parent = updated.parentTag, parent != current.parentTag {
                try Self.checkParent(parent, of: tag, in: tx)
            }
            try tx.update(updated)
            try tx.append(
                EventDraft(type: .assetUpdated, assetTag: tag, payload: ["changes": .object(changes)]),
                actor: actor, at: time)
            return updated
        }
    }

    /// One asset, or a `notFound` error.
    public func asset(tag: String) throws(LetheError) -> Asset {
        try store.read { (tx) throws(LetheError) in try Self.requireAsset(tag, in: tx) }
    }

    /// A page of assets matching a query, ordered by tag, with the total that match.
    public func listAssets(_ query: AssetQuery) throws(LetheError) -> (assets: [Asset], total: Int) {
        try store.read { (tx) throws(LetheError) in (try tx.assets(query), try tx.countAssets(query)) }
    }

    /// The assets attached to a parent.
    public func children(of tag: String) throws(LetheError) -> [Asset] {
        try store.read { (tx) throws(LetheError) in try tx.assets(AssetQuery(parentTag: tag)) }
    }

    /// The asset's whole story: every event about it, in order.
    public func history(tag: String) throws(LetheError) -> [Event] {
        try store.read { (tx) throws(LetheError) in
            _ = try Self.requireAsset(tag, in: tx)
            return try tx.events(assetTag: tag)
        }
    }

    static func requireAsset(_ tag: String, in tx: any StoreReading) throws(LetheError) -> Asset {
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
