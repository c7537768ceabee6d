import Foundation
import LetheCore
import LetheStore

extension LetheApp {
    /// Retires `asset` and its attached in-service children in the caller's transaction; the
    /// assets retired, the parent first.
    package static func retire(
        _ asset: Asset, details: [String: JSONValue], in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> [Asset] {
        var changed = [try move(asset, to: .retired, in: tx, actor: actor, at: time, details: details)]
        for child in try tx.assets(AssetQuery(parentTag: asset.tag)) where child.state == .inService {
            changed.append(
                try move(
                    child, to: .retired, in: tx, actor: actor, at: time, details: ["with_parent": .string(asset.tag)]))
        }
        return changed
    }

    /// Marks an asset lost, with its attached children, in the caller's transaction; the assets
    /// lost, the asset first. `reason` is already checked and cleaned.
    package static func lose(
        tag: String, reason: String, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> [Asset] {
        let asset = try Self.requireAsset(tag, in: tx)
        var changed = [
            try Self.move(asset, to: .lost, in: tx, actor: actor, at: time, details: ["reason": .string(reason)])
        ]
        for child in try tx.assets(AssetQuery(parentTag: tag))
        where Lifecycle.allowedNext(from: child.state).contains(.lost) {
            changed.append(
                try Self.move(
                    child, to: .lost, in: tx, actor: actor, at: time, details: ["with_parent": .string(tag)]))
        }
        return changed
    }

    /// Records a lost asset found, with the media lost with it, in the caller's transaction; the
    /// assets found, the asset first.
    ///
    /// - Throws: `illegalTransition` when the asset is not lost; `invalidInput` for a bad location.
    package static func find(
        tag: String, location: String?, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> [Asset] {
        var asset = try Self.requireAsset(tag, in: tx)
        guard asset.state == .lost else {
            throw LetheError(
                .illegalTransition,
                "asset \(tag) is \(asset.state.rawValue), not lost; only a lost asset can be found (see 'lethe asset show \(tag)')"
            )
        }
        var details: [String: JSONValue] = ["found": true]
        if let location = AssetFields.clean(location) {
            var fields = AssetFields()
            fields.location = location
            let moved: Asset
            switch fields.applied(to: asset, at: time) {
            case .success(let value): moved = value
            case .failure(let problems): throw problems.error(context: "cannot record asset \(tag) found")
            }
            let changes = asset.changes(to: moved)
            if !changes.isEmpty {
                try tx.update(moved)
                try tx.append(
                    EventDraft(type: .assetUpdated, assetTag: tag, payload: ["changes": .object(changes)]),
                    actor: actor, at: time)
            }
            asset = moved
            details["location"] = .string(location)
        }
        var changed = [
            try Self.move(asset, to: .awaitingSanitization, in: tx, actor: actor, at: time, details: details)
        ]
        for child in try tx.assets(AssetQuery(parentTag: tag)) where child.state == .lost {
            changed.append(
                try Self.move(
                    child, to: .awaitingSanitization, in: tx, actor: actor, at: time,
                    details: ["found": true, "with_parent": .string(tag)]))
        }
        return changed
    }

    /// Records where a verified asset went, in the caller's transaction. A parent whose attached
    /// children are not yet verified or disposed is refused: its drives would leave with their data.
    package static func dispose(
        tag: String, destination: Destination, notes: String?, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> Asset {
        let asset = try Self.requireAsset(tag, in: tx)
        let pending = try tx.assets(AssetQuery(parentTag: tag)).filter {
            ![.verified, .disposed].contains($0.state)
        }
        guard pending.isEmpty else {
            throw LetheError(
                .illegalTransition,
                "asset \(tag) still holds media that are not verified as sanitized: \(pending.map { "\($0.tag) (\($0.state.rawValue))" }.joined(separator: ", ")); sanitize and verify them, or detach them with 'lethe asset update TAG --parent \"\"'"
            )
        }
        var details: [String: JSONValue] = ["destination": .string(destination.rawValue)]
        details["notes"] = AssetFields.clean(notes).map(JSONValue.string)
        return try Self.move(
            asset, to: .disposed, destination: destination, in: tx, actor: actor, at: time, details: details)
    }

    /// Moves an asset to a new lifecycle state, checking the state machine and writing the event.
    /// Every lifecycle change goes through here.
    static func move(
        _ asset: Asset, to next: LifecycleState, destination: Destination? = nil, in tx: any StoreWriting,
        actor: String, at time: Date, details: [String: JSONValue] = [:]
    ) throws(LetheError) -> Asset {
        var updated = asset
        updated.state = try moveState(
            of: asset.tag, from: asset.state, to: next, destination: destination, in: tx, actor: actor, at: time,
            details: details)
        updated.destination = destination
        updated.updatedAt = time
        return updated
    }

    /// ``move(_:to:destination:in:actor:at:details:)`` for a caller that knows only the asset's tag and
    /// state (a batch such as `schedule`): the same checks and event, without reading the whole asset.
    /// The store refuses the change if the asset is no longer in `current`.
    @discardableResult
    static func moveState(
        of tag: String, from current: LifecycleState, to next: LifecycleState, destination: Destination? = nil,
        in tx: any StoreWriting, actor: String, at time: Date, details: [String: JSONValue] = [:]
    ) throws(LetheError) -> LifecycleState {
        let state = try Lifecycle.transition(tag: tag, from: current, to: next)
        try tx.setState(tag: tag, from: current, to: state, destination: destination, at: time)
        var payload = details.filter { $0.value != .null }
        payload["from"] = .string(current.rawValue)
        payload["to"] = .string(state.rawValue)
        try tx.append(
            EventDraft(type: .assetStateChanged, assetTag: tag, payload: .object(payload)), actor: actor, at: time)
        return state
    }
}
