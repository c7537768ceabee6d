import Foundation
import LetheCore
import LetheStore

/// The asset register's use cases: register, update, read, the lifecycle (retire, lost, found,
/// dispose), custody transfers and CSV import. Every front end calls these, with a principal;
/// each authorizes its ``Action`` first and is one transaction.
public struct AssetService: Sendable {
    let app: LetheApp

    /// Registers one asset.
    ///
    /// - Throws: `forbidden` without the it-staff role; `invalidInput` naming each bad field;
    ///   `conflict` for a tag already registered; `notFound` for a parent that is not registered.
    @discardableResult
    public func register(_ fields: AssetFields, by principal: Principal) async throws(LetheError) -> AssetDetails {
        try app.authorize(.registerAsset, principal)
        let actor = principal.name
        let time = app.now
        let asset: Asset
        switch fields.newAsset(at: time) {
        case .success(let value): asset = value
        case .failure(let problems): throw problems.error(context: "cannot register asset \(fields.tag ?? "")")
        }
        try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.register(asset, in: tx, actor: actor, at: time)
        }
        return AssetDetails(asset)
    }

    /// Changes an asset's descriptive fields; an empty value clears an optional field. The lifecycle
    /// state is not changed here: use ``retire(_:reason:by:)`` and the other lifecycle use cases.
    @discardableResult
    public func update(
        _ tag: String, _ fields: AssetFields, by principal: Principal
    ) async throws(LetheError) -> AssetDetails {
        try app.authorize(.updateAsset, principal)
        let actor = principal.name
        let time = app.now
        return AssetDetails(
            try await app.store.write { (tx) throws(LetheError) in
                try LetheApp.update(tag: tag, fields, in: tx, actor: actor, at: time)
            })
    }

    /// One asset with the assets attached to it, or a `notFound` error.
    public func show(_ tag: String, by principal: Principal) async throws(LetheError) -> AssetDetails {
        try app.authorize(.readAssets, principal)
        return try await app.store.briefRead { (tx) throws(LetheError) in
            let asset = try LetheApp.requireAsset(tag, in: tx)
            return AssetDetails(
                asset, attached: try tx.attachedAssets(to: tag).map { .init(tag: $0.tag, state: $0.state) })
        }
    }

    /// A page of assets matching a query, ordered by tag, with the total that match and, when the
    /// page is full, the tag to continue after.
    public func list(_ query: AssetQuery, by principal: Principal) async throws(LetheError) -> AssetPage {
        try app.authorize(.readAssets, principal)
        let (assets, total) = try await app.store.read { (tx) throws(LetheError) in
            (try tx.assets(query), try tx.countAssets(query))
        }
        let full = query.limit.map { assets.count == $0 } ?? false
        return AssetPage(
            assets: assets.map { AssetDetails($0) }, total: total, nextAfter: full ? assets.last?.tag : nil)
    }

    /// The asset's whole story: every event about it, in order.
    public func history(_ tag: String, by principal: Principal) async throws(LetheError) -> AssetHistory {
        try app.authorize(.readAssets, principal)
        return AssetHistory(
            tag: tag,
            events: try await app.store.read { (tx) throws(LetheError) in
                _ = try LetheApp.requireAsset(tag, in: tx)
                return try tx.events(assetTag: tag)
            })
    }

    /// Takes an asset out of service; its attached in-service children are retired with it, in the
    /// same transaction. The assets retired, the parent first.
    @discardableResult
    public func retire(
        _ tag: String, reason: String? = nil, by principal: Principal
    ) async throws(LetheError) -> LifecycleChange {
        try app.authorize(.retireAsset, principal)
        try FieldLimits.check(reason, field: "reason", limit: FieldLimits.reason)
        let actor = principal.name
        let time = app.now
        let retired = try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.retire(
                try LetheApp.requireAsset(tag, in: tx), details: ["reason": reason.map(JSONValue.string) ?? .null],
                in: tx, actor: actor, at: time)
        }
        return Self.change(.retired, retired)
    }

    /// The most assets one bulk retirement takes.
    public static let bulkRetireLimit = 500

    /// Retires several assets in one transaction, all or none: an asset that cannot be retired
    /// (unknown, or not in service) fails the whole request with an error naming its tag, and
    /// nothing changes. An asset retired earlier in the same request as another's attached child
    /// is not retired twice. The changes in the order given.
    public func retire(
        tags: [String], reason: String? = nil, by principal: Principal
    ) async throws(LetheError) -> [LifecycleChange] {
        try app.authorize(.retireAsset, principal)
        try FieldLimits.check(reason, field: "reason", limit: FieldLimits.reason)
        var seen = Set<String>()
        let tags = tags.filter { seen.insert($0).inserted }
        guard !tags.isEmpty else { throw LetheError(.usage, "select at least one asset to retire") }
        guard tags.count <= Self.bulkRetireLimit else {
            throw LetheError(
                .usage, "at most \(Self.bulkRetireLimit) assets are retired at once (\(tags.count) were selected)")
        }
        let actor = principal.name
        let time = app.now
        let batches = try await app.store.write { (tx) throws(LetheError) -> [[Asset]] in
            var retiredHere = Set<String>()
            var batches: [[Asset]] = []
            for tag in tags where !retiredHere.contains(tag) {
                let asset = try LetheApp.requireAsset(tag, in: tx)
                let changed = try LetheApp.retire(
                    asset, details: ["reason": reason.map(JSONValue.string) ?? .null], in: tx, actor: actor, at: time)
                retiredHere.formUnion(changed.map(\.tag))
                batches.append(changed)
            }
            return batches
        }
        return batches.map { Self.change(.retired, $0) }
    }

    /// Records that an asset is lost or stolen (an incident); attached children are lost with it.
    @discardableResult
    public func reportLost(
        _ tag: String, reason: String, by principal: Principal
    ) async throws(LetheError) -> LifecycleChange {
        try app.authorize(.reportAssetLost, principal)
        try FieldLimits.check(reason, field: "reason", limit: FieldLimits.reason)
        guard let reason = AssetFields.clean(reason) else {
            throw LetheError(.usage, "a loss needs a reason (where and how it was lost, an incident reference)")
        }
        let actor = principal.name
        let time = app.now
        let lost = try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.lose(tag: tag, reason: reason, in: tx, actor: actor, at: time)
        }
        return Self.change(.lost, lost)
    }

    /// Records that a lost asset has turned up: it goes to awaiting-sanitization (its custody was
    /// broken, so its data must be destroyed), with the attached media lost with it, and the next
    /// schedule plans its job. A location, when given, becomes the asset's location.
    ///
    /// - Throws: `illegalTransition` when the asset is not lost; `invalidInput` for a bad location.
    @discardableResult
    public func reportFound(
        _ tag: String, location: String? = nil, by principal: Principal
    ) async throws(LetheError) -> LifecycleChange {
        try app.authorize(.reportAssetFound, principal)
        let actor = principal.name
        let time = app.now
        let found = try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.find(tag: tag, location: location, in: tx, actor: actor, at: time)
        }
        return Self.change(.found, found)
    }

    /// Records where a verified asset went. A parent whose attached children are not yet verified
    /// or disposed is refused: its drives would leave with their data.
    @discardableResult
    public func dispose(
        _ tag: String, destination: Destination, notes: String? = nil, by principal: Principal
    ) async throws(LetheError) -> AssetDetails {
        try app.authorize(.disposeAsset, principal)
        let actor = principal.name
        let time = app.now
        return AssetDetails(
            try await app.store.write { (tx) throws(LetheError) in
                try LetheApp.dispose(
                    tag: tag, destination: destination, notes: notes, in: tx, actor: actor, at: time)
            })
    }

    /// Records a custody transfer: the asset's custodian (and location) change, and the event keeps
    /// the whole hand-over.
    @discardableResult
    public func transferCustody(
        _ tag: String, _ transfer: CustodyTransfer, by principal: Principal
    ) async throws(LetheError) -> AssetDetails {
        try app.authorize(.moveAsset, principal)
        try transfer.checkLengths()
        guard let receiver = AssetFields.clean(transfer.to) else {
            throw LetheError(.usage, "a custody transfer needs the receiving party (--to)")
        }
        let actor = principal.name
        let time = app.now
        let handedAt = transfer.at ?? time
        guard handedAt <= time.addingTimeInterval(300) else {
            throw LetheError(.invalidInput, "hand-over time \(RFC3339.format(handedAt)) is in the future")
        }
        return AssetDetails(
            try await app.store.write { (tx) throws(LetheError) in
                try LetheApp.transfer(
                    tag: tag, transfer, receiver: receiver, handedAt: handedAt, in: tx, actor: actor, at: time)
            })
    }

    private static func change(_ kind: LifecycleChange.Kind, _ assets: [Asset]) -> LifecycleChange {
        LifecycleChange(kind: kind, assets: assets.map { .init(tag: $0.tag, state: $0.state) })
    }
}

extension LetheApp {
    /// The asset register's use cases.
    public var assets: AssetService { AssetService(app: self) }
}
