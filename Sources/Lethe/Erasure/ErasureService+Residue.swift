import Foundation
import LetheCore
import LetheStore

extension LetheApp {
    /// Keeps the rolling backups of a store in step with its declared `residue:`, in the caller's
    /// transaction: a new entry registers a rolling backup (`backup.registered`), a changed one is
    /// updated (`backup.declaration-changed` with what it was and what it is), an entry no longer
    /// in the map is marked undeclared (its backup and every part planned for it stay), and an
    /// unchanged one records nothing. A `media` tag must be a registered asset.
    static func applyResidue(
        of store: DataStoreDeclaration, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> [ResidueApplyChange] {
        let rolling = try tx.backups(store: store.name).filter { $0.kind == .rolling }
        var changes: [ResidueApplyChange] = []
        for entry in store.residue {
            if let media = entry.media {
                guard try tx.asset(tag: media) != nil else {
                    throw LetheError(
                        .notFound,
                        "residue '\(entry.name)' of store \(store.name): media \(media) is not a registered asset; register it ('lethe asset register') or remove 'media' (nothing was applied)"
                    )
                }
            }
            let declared = RollingResidue(name: entry.name, kind: entry.kind, retention: entry.retention)
            if var backup = rolling.first(where: { $0.residue?.name == entry.name }) {
                let before = backup
                backup.file = entry.location
                backup.mediaTag = entry.media
                backup.residue = declared
                guard backup != before else {
                    changes.append(ResidueApplyChange(name: entry.name, backup: backup.id, change: .unchanged))
                    continue
                }
                try tx.update(backup)
                try tx.append(
                    EventDraft(
                        type: .backupDeclarationChanged, assetTag: entry.media,
                        payload: [
                            "backup": .integer(backup.id), "store": .string(store.name), "change": "changed",
                            "from": residueJSON(before), "to": residueJSON(backup),
                        ]), actor: actor, at: time)
                changes.append(ResidueApplyChange(name: entry.name, backup: backup.id, change: .changed))
            } else {
                let backup = try tx.insert(
                    BackupRecord(
                        store: store.name, file: entry.location, createdAt: time, expiresAt: nil, registeredAt: time,
                        mediaTag: entry.media, residue: declared))
                var payload = residueJSON(backup).objectValue ?? [:]
                payload["backup"] = .integer(backup.id)
                payload["store"] = .string(store.name)
                payload["created_at"] = .string(RFC3339.format(time))
                payload["subjects"] = .integer(Int64(backup.subjectCount))
                try tx.append(
                    EventDraft(type: .backupRegistered, assetTag: entry.media, payload: .object(payload)),
                    actor: actor, at: time)
                changes.append(ResidueApplyChange(name: entry.name, backup: backup.id, change: .added))
            }
        }
        let names = Set(store.residue.map(\.name))
        for var backup in rolling
        where backup.residue?.undeclaredAt == nil && !names.contains(backup.residue?.name ?? "") {
            backup.residue?.undeclaredAt = time
            try tx.update(backup)
            try tx.append(
                EventDraft(
                    type: .backupDeclarationChanged, assetTag: backup.mediaTag,
                    payload: [
                        "backup": .integer(backup.id), "store": .string(store.name), "change": "undeclared",
                        "from": residueJSON(backup),
                    ]), actor: actor, at: time)
            changes.append(ResidueApplyChange(name: backup.residue?.name ?? "", backup: backup.id, change: .undeclared))
        }
        return changes
    }

    /// A rolling backup's declaration as facts: kind `rolling`, the residue's name and kind, its
    /// location, retention and media.
    static func residueJSON(_ backup: BackupRecord) -> JSONValue {
        var object: [String: JSONValue] = ["kind": .string(backup.kind.rawValue), "location": .string(backup.file)]
        object["name"] = backup.residue.map { .string($0.name) }
        object["residue"] = backup.residue.map { .string($0.kind.rawValue) }
        object["retention"] = backup.residue?.retention.map { .string($0.description) }
        object["media"] = backup.mediaTag.map(JSONValue.string)
        object["undeclared_at"] = backup.residue?.undeclaredAt.map { .string(RFC3339.format($0)) }
        return .object(object)
    }
}

extension LetheApp {
    /// Whether `backup` is a rolling backup still declared in its store's data map and not
    /// destroyed: every new erasure request for a subject its store holds plans a part for it.
    static func isDeclaredRolling(_ backup: BackupRecord) -> Bool {
        guard let residue = backup.residue else { return false }
        return residue.undeclaredAt == nil && backup.shreddedAt == nil
    }

    /// The part for a declared residue of a store that holds the subject. Its outcome records
    /// facts only: the residue's kind and name, and for an archive or dumps the declared
    /// retention, the date the data ages out by (`kept_until`, also the part's final date) and
    /// what it is counted from (`counted_from`: the request until the store's own erasure is
    /// done, then the erasure), and that Lethe did not observe it (`observed: false`).
    ///
    /// - `wal-archive`, `dump`: `suppress`, in force at once (`erasure reapply` after a
    ///   point-in-time restore erases the subject again). With the policy `backup_erasure: suppress`
    ///   it is done at once; with `shred` it waits (`waiting_for: declared-retention`) until its
    ///   final date, when `lethe schedule` completes it.
    /// - `replica`: `attest`, pending until someone confirms the replica replayed the store's
    ///   erasure (`check: replay-past-erasure`; the store's part records the primary's WAL position
    ///   after the erasure when the engine reports it).
    static func rollingPart(
        request: Int64, backup: BackupRecord, subject: String, policy: BackupErasure, at time: Date
    ) -> ErasurePart {
        let residue = backup.residue
        var outcome: [String: JSONValue] = [
            "subject": .string(subject), "residue": .string(residue?.kind.rawValue ?? ""),
            "residue_name": .string(residue?.name ?? ""), "location": .string(backup.file),
        ]
        guard let retention = residue?.retention else {
            outcome["check"] = "replay-past-erasure"
            return ErasurePart(
                requestID: request, store: backup.store, action: .attest, state: .pending, backupID: backup.id,
                outcome: .object(outcome), updatedAt: time)
        }
        let keptUntil = retention.added(to: time)
        outcome["retention"] = .string(retention.description)
        outcome["kept_until"] = .string(RFC3339.format(keptUntil))
        outcome["counted_from"] = "request"
        outcome["observed"] = false
        outcome["shred_available"] = false
        if policy == .shred {
            outcome["backup_erasure"] = .string(policy.rawValue)
            outcome["waiting_for"] = "declared-retention"
        }
        return ErasurePart(
            requestID: request, store: backup.store, action: .suppress, state: policy == .shred ? .pending : .done,
            backupID: backup.id, finalAt: keptUntil, outcome: .object(outcome), updatedAt: time)
    }

    /// The store's own erasure is done (`part`, at `time`): the request's archive and dump parts
    /// of that store now count their retention from it, and its replica parts learn the primary's
    /// WAL position after the erasure (when recorded). One `erasure.part-changed` event each.
    static func countRollingPartsFromErasure(
        of part: ErasurePart, request: Int64, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) {
        for var rolling in try tx.erasureParts(requestID: request)
        where rolling.store == part.store && rolling.backupID != nil && rolling.outcome["residue"] != nil {
            guard let backupID = rolling.backupID, let backup = try tx.backup(id: backupID),
                let residue = backup.residue
            else { continue }
            var outcome = rolling.outcome.objectValue ?? [:]
            if let retention = residue.retention {
                guard rolling.action == .suppress else { continue }
                let keptUntil = retention.added(to: time)
                rolling.finalAt = keptUntil
                outcome["kept_until"] = .string(RFC3339.format(keptUntil))
                outcome["counted_from"] = "erasure"
                outcome["erased_at"] = .string(RFC3339.format(time))
            } else {
                guard rolling.action == .attest, rolling.state != .done else { continue }
                outcome["erased_at"] = .string(RFC3339.format(time))
                outcome["primary_wal_lsn"] = part.outcome["wal_lsn"]
            }
            rolling.outcome = .object(outcome)
            rolling.updatedAt = time
            try tx.update(rolling)
            try tx.append(
                EventDraft(
                    type: .erasurePartChanged,
                    payload: [
                        "request": .integer(request), "part": .integer(rolling.id), "store": .string(rolling.store),
                        "action": .string(rolling.action.rawValue), "state": .string(rolling.state.rawValue),
                        "outcome": rolling.outcome,
                    ]), actor: actor, at: time)
        }
    }

    /// A replica's part can be attested only once the store's own erasure is done in the same
    /// request: the replica replays that erasure.
    static func checkReplicaAttestable(_ part: ErasurePart, request: Int64, in tx: any StoreReading) throws(LetheError)
    {
        let storePart = try tx.erasureParts(requestID: request).first {
            $0.store == part.store && $0.action == .execute
        }
        guard let storePart, storePart.state == .done else {
            throw LetheError(
                .illegalTransition,
                "part \(part.id) is the replica '\(part.outcome["residue_name"]?.stringValue ?? "?")' of store \(part.store): it replays the store's erasure, which is not done yet; run 'lethe erasure run \(request)' first, then confirm on the replica that pg_last_wal_replay_lsn() is past the primary's position after the erasure (nothing was recorded)"
            )
        }
    }

    /// Completes, in the caller's transaction, the pending archive and dump parts (policy
    /// `backup_erasure: shred`) whose final date — the declared retention after the store's
    /// erasure — has passed: the data aged out under the declared retention. Run by `lethe
    /// schedule`, which then completes the requests whose parts are all done.
    static func endAgedOutRollingParts(in tx: any StoreWriting, actor: String, at time: Date) throws(LetheError) {
        for request in try tx.erasureRequests(openOnly: true, dueBefore: nil) {
            for var part in try tx.erasureParts(requestID: request.id)
            where part.action == .suppress && part.state == .pending
                && part.outcome["waiting_for"]?.stringValue == "declared-retention"
                && part.outcome["counted_from"]?.stringValue == "erasure"
            {
                guard let final = part.finalAt, final <= time else { continue }
                part.state = .done
                part.verifiedAt = time
                part.updatedAt = time
                try tx.update(part)
                try tx.append(
                    EventDraft(
                        type: .erasurePartChanged,
                        payload: [
                            "request": .integer(request.id), "part": .integer(part.id), "store": .string(part.store),
                            "action": "suppress", "state": "done", "outcome": part.outcome,
                        ]), actor: actor, at: time)
            }
        }
    }
}
