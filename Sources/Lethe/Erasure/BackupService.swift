import Crypto
import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// Backups of data stores and their destruction: every use case of `lethe backup`, for every
/// front end. Each takes the ``Principal`` it runs for, is authorised by ``Authorization`` first,
/// and returns a typed result; encryption and decryption of a backup's file run on a thread of
/// their own while the calling task is suspended.
public struct BackupService: Sendable {
    /// The application.
    let app: LetheApp
}

extension LetheApp {
    /// Backups of data stores and their destruction.
    public var backups: BackupService { BackupService(app: self) }
}

extension BackupService {
    /// Registers a backup of a store; it holds every subject the store holds now. Without an
    /// expiry, the policy's retention rule for `system.backups` counted from `backup-created`
    /// sets it, when there is one. `media` names the registered asset its file lives on (a tape, a
    /// backup disk): when the backup expires and Lethe holds no key to shred, that asset is retired
    /// for sanitization, and the verification of its job records the backup destroyed.
    public func register(
        store name: String, file: String, created: Date, expires: Date?, media: String? = nil,
        policies: LoadedPolicies?, by principal: Principal
    ) async throws(LetheError) -> BackupResult {
        try app.authorize(.registerBackup, principal)
        let actor = principal.name
        // A backup not made yet holds nothing: its expiry, and every date counted from it, would be
        // wrong (a few minutes of clock skew are allowed, as for a hand-over).
        guard created <= app.now.addingTimeInterval(300) else {
            throw LetheError(
                .usage,
                "the backup's creation time (--created) \(RFC3339.format(created)) is in the future; give when the backup was made (nothing was registered)"
            )
        }
        var expiry = expires
        if expiry == nil,
            let rule = policies?.set.retention.first(where: {
                $0.trigger == .backupCreated && ($0.category == "system.backups" || $0.category == "system")
            })
        {
            expiry = rule.period.added(to: created)
        }
        if let expiry, expiry <= created {
            throw LetheError(
                .usage, "--expires \(RFC3339.format(expiry)) is not after --created \(RFC3339.format(created))")
        }
        if let media, expiry == nil {
            // A medium is sanitized when the last backup on it expires: one kept forever would hold
            // every other backup on it (and the erasure requests waiting for them) forever.
            throw LetheError(
                .usage,
                "a backup on a medium (--media \(media)) needs an expiry: give --expires, or a retention rule for system.backups in the policies (nothing was registered)"
            )
        }
        let time = app.now
        let expiresAt = expiry
        let backup = try await app.store.write { (tx) throws(LetheError) in
            _ = try LetheApp.requireStore(name, in: tx)
            if let media {
                // Only a medium whose sanitization has not been done yet: its job's verification is
                // what records the backups on it destroyed.
                let asset = try LetheApp.requireAsset(media, in: tx)
                let usable: [LifecycleState] = [.inService, .retired, .awaitingSanitization, .verificationFailed]
                guard usable.contains(asset.state) else {
                    throw LetheError(
                        .illegalTransition,
                        "--media \(media): asset \(media) is \(asset.state.rawValue); a backup can be registered only on a medium not yet sanitized (\(usable.map(\.rawValue).joined(separator: ", "))); nothing was registered"
                    )
                }
            }
            let backup = try tx.insert(
                BackupRecord(
                    store: name, file: file, createdAt: created, expiresAt: expiresAt, registeredAt: time,
                    mediaTag: media)
            )
            var payload: [String: JSONValue] = [
                "backup": .integer(backup.id), "store": .string(name), "file": .string(file),
                "created_at": .string(RFC3339.format(created)),
                "subjects": .integer(Int64(try tx.holdingCount(store: name))),
            ]
            payload["expires_at"] = expiresAt.map { .string(RFC3339.format($0)) }
            payload["media"] = media.map(JSONValue.string)
            try tx.append(
                EventDraft(type: .backupRegistered, assetTag: media, payload: .object(payload)), actor: actor, at: time)
            return backup
        }
        return BackupResult(backup, at: time)
    }

    /// The backups, by number; of one store when given; each with its state at the clock's time.
    /// A rolling backup's `subjectCount` is what its store holds now (it holds whatever the store
    /// holds); a snapshot's is what its store held when it was registered.
    public func list(store name: String? = nil, by principal: Principal) async throws(LetheError) -> BackupListResult {
        try app.authorize(.readBackups, principal)
        let time = app.now
        let backups = try await app.store.read { (tx) throws(LetheError) in
            var backups = try tx.backups(store: name)
            var held: [String: Int] = [:]
            for index in backups.indices where backups[index].kind == .rolling {
                let store = backups[index].store
                if held[store] == nil { held[store] = try tx.holdingCount(store: store) }
                backups[index].subjectCount = held[store] ?? 0
            }
            return backups
        }
        return BackupListResult(backups: backups.map { BackupResult($0, at: time) })
    }

    func requireBackup(_ id: Int64) async throws(LetheError) -> BackupRecord {
        try await app.store.read { (tx) throws(LetheError) in try LetheApp.requireBackup(id, in: tx) }
    }

    /// Encrypts the backup's file into `output` (both on the machine Lethe runs on: the backup is
    /// the medium) under a new per-backup data key (streaming AES-256-GCM, on a thread of its
    /// own), keeps the key sealed under the installation key, and makes `output` the backup's file.
    /// The plaintext file is left for the caller to remove.
    public func encrypt(_ id: Int64, output: String, by principal: Principal) async throws(LetheError) -> BackupResult {
        try app.authorize(.encryptBackup, principal)
        let actor = principal.name
        let secrets = try await app.loadedSecrets()
        var backup = try await requireBackup(id)
        try LetheApp.refuseRolling(backup, "encrypted by Lethe")
        guard backup.sealedKey == nil, backup.shreddedAt == nil else {
            throw LetheError(.illegalTransition, "backup \(id) is encrypted already (or shredded)")
        }
        let plaintext = backup.file
        let key = BackupKey.generate()
        let summary = try await OwnThread.run { () throws(LetheError) in
            guard !FileManager.default.fileExists(atPath: output) else {
                throw LetheError(.usage, "\(output) exists; choose a new file for the encrypted backup")
            }
            return try BackupCipher.encrypt(input: plaintext, output: output, key: key)
        }
        let sealedKey = try secrets.box.seal(
            Data(key.bytes).base64EncodedString(), associatedData: "backup-\(id)")
        let time = app.now
        do {
            backup = try await app.store.write { (tx) throws(LetheError) in
                // Read again: a shred or another encryption may have finished while this one ran,
                // and writing back the row read before would undo it.
                var recorded = try LetheApp.requireBackup(id, in: tx)
                guard recorded.sealedKey == nil, recorded.shreddedAt == nil else {
                    throw LetheError(
                        .conflict,
                        "backup \(id) was encrypted or shredded while this encryption ran; \(output) is not its file (remove it)"
                    )
                }
                recorded.sealedKey = sealedKey
                recorded.file = output
                try tx.update(recorded)
                try tx.append(
                    EventDraft(
                        type: .backupEncrypted,
                        payload: [
                            "backup": .integer(id), "store": .string(recorded.store), "from": .string(plaintext),
                            "to": .string(output), "plaintext_bytes": .integer(summary.plaintextBytes),
                            "cipher": "AES-256-GCM (chunked)",
                        ]), actor: actor, at: time)
                return recorded
            }
        } catch {
            try? FileManager.default.removeItem(atPath: output)  // the key is gone: the file is useless
            throw error
        }
        return BackupResult(backup, at: time)
    }

    /// Decrypts an encrypted backup into `output` for a restore (on a thread of its own). A
    /// shredded backup fails with a clear error: its key no longer exists anywhere. An output in
    /// the data directory is refused, and an existing file unless `force`.
    public func decrypt(
        _ id: Int64, output: String, force: Bool = false, by principal: Principal
    ) async throws(LetheError) -> BackupDecrypted {
        try app.authorize(.decryptBackup, principal)
        try OutputDestination.checkFile(output, force: force, dataDirectory: app.dataDirectory)
        let secrets = try await app.loadedSecrets()
        let backup = try await requireBackup(id)
        if let shredded = backup.shreddedAt {
            throw LetheError(
                .illegalTransition,
                "backup \(id) was crypto-shredded at \(RFC3339.format(shredded)): its key is destroyed and it cannot be decrypted or restored"
            )
        }
        guard let sealed = backup.sealedKey else {
            throw LetheError(.usage, "backup \(id) is not encrypted by Lethe; restore \(backup.file) directly")
        }
        let opened = try secrets.box.open(sealed, associatedData: "backup-\(id)")
        guard let bytes = Data(base64Encoded: opened.revealed) else {
            throw LetheError(.internal, "backup \(id)'s sealed key is damaged")
        }
        let key = try BackupKey(bytes: Array(bytes))
        let input = backup.file
        let summary = try await OwnThread.run { () throws(LetheError) in
            try BackupCipher.decrypt(input: input, output: output, key: key)
        }
        return BackupDecrypted(backup: id, output: output, bytes: summary.plaintextBytes)
    }

    /// Crypto-shreds a backup: its key row is overwritten (secure delete) and the storage
    /// checkpointed, so no copy of the key remains in Lethe; the evidence (the sealed key's
    /// SHA-256, the file's size, that decryption is refused) goes into the event. Suppression parts
    /// for the backup end here: the data in it is gone.
    public func shred(_ id: Int64, by principal: Principal) async throws(LetheError) -> BackupResult {
        try app.authorize(.shredBackup, principal)
        let actor = principal.name
        let time = app.now
        let (shredded, completed) = try await app.store.write { (tx) throws(LetheError) in
            var backup = try LetheApp.requireBackup(id, in: tx)
            try LetheApp.refuseRolling(backup, "crypto-shredded")
            guard backup.shreddedAt == nil else {
                throw LetheError(.illegalTransition, "backup \(id) was shredded already")
            }
            guard let sealed = backup.sealedKey else {
                throw LetheError(
                    .illegalTransition,
                    "backup \(id) is not encrypted by Lethe: there is no key to shred; destroy \(backup.file) through a sanitization job"
                )
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: backup.file)[.size] as? Int) ?? nil
            backup.sealedKey = nil
            backup.shreddedAt = time
            try tx.update(backup)
            var payload: [String: JSONValue] = [
                "backup": .integer(id), "store": .string(backup.store), "file": .string(backup.file),
                "method": "crypto-erase (per-backup AES-256-GCM key destroyed)",
                "sealed_key_sha256": .string(Hex.encode(SHA256Digest.of(Data(sealed)))),
                "key_row_present": .bool(try tx.backup(id: id)?.sealedKey != nil),
            ]
            payload["file_bytes"] = size.map { .integer(Int64($0)) }
            let ended = try LetheApp.endSuppressParts(backupID: id, at: time, in: tx)
            if !ended.parts.isEmpty { payload["suppress_parts_ended"] = .array(ended.parts.map(JSONValue.integer)) }
            try tx.append(EventDraft(type: .backupShredded, payload: .object(payload)), actor: actor, at: time)
            // Requests whose last part this ended complete in the same transaction.
            let completed = try LetheApp.completeIfDone(requests: ended.requests, in: tx, actor: actor, at: time)
            return (backup, completed)
        }
        try await app.store.checkpointAfterSecureDelete()
        await app.erasure.issueRecordsOnCompletion(completed, actor: actor)
        return BackupResult(shredded, at: time)
    }

    /// Records that a backup Lethe did not encrypt was destroyed outside Lethe (its file deleted,
    /// its tape shredded by a vendor): who confirmed it and how (`notes`), with the SHA-256 of
    /// evidence when given. Every erasure request's part for it ends as a shredding's does, and
    /// requests left with nothing open complete. A backup Lethe holds a key for is crypto-erased
    /// with ``shred(_:by:)`` instead.
    public func attestDestroyed(
        _ id: Int64, notes: String, evidence: AttestationEvidence?, by principal: Principal
    ) async throws(LetheError) -> BackupResult {
        try app.authorize(.attestBackupDestroyed, principal)
        let actor = principal.name
        let digest = try LetheApp.attestationEvidence(notes: notes, evidence: evidence, confirming: "destruction")
        let time = app.now
        let (backup, completed) = try await app.store.write { (tx) throws(LetheError) in
            let backup = try LetheApp.requireBackup(id, in: tx)
            try LetheApp.refuseRolling(backup, "recorded destroyed")
            guard backup.shreddedAt == nil else {
                throw LetheError(
                    .illegalTransition,
                    "backup \(id) was destroyed already (\(backup.shreddedAt.map(RFC3339.format) ?? "")); nothing was recorded"
                )
            }
            guard backup.sealedKey == nil else {
                throw LetheError(
                    .illegalTransition,
                    "backup \(id) is encrypted by Lethe: crypto-erase it with 'lethe backup shred \(id)'")
            }
            let requests = try LetheApp.recordAttestedDestruction(
                backup, notes: notes, evidence: digest, in: tx, actor: actor, at: time)
            let completed = try LetheApp.completeIfDone(requests: requests, in: tx, actor: actor, at: time)
            return (try LetheApp.requireBackup(id, in: tx), completed)
        }
        await app.erasure.issueRecordsOnCompletion(completed, actor: actor)
        return BackupResult(backup, at: time)
    }
}

extension LetheApp {
    /// Refuses to treat a rolling backup (a declared residue) as a file Lethe holds: it is
    /// continuously renewed outside Lethe, never `what` as a whole.
    static func refuseRolling(_ backup: BackupRecord, _ what: String) throws(LetheError) {
        guard let residue = backup.residue else { return }
        throw LetheError(
            .illegalTransition,
            "backup \(backup.id) is the declared \(residue.kind.rawValue) '\(residue.name)' of store \(backup.store), a rolling backup: it cannot be \(what); data erased from the store ages out of it under its declared retention (change or remove it in the data map and run 'lethe store apply'); nothing was changed"
        )
    }

    /// The backups, by number; of one store when given (for the verification and status use cases).
    func listBackups(store name: String? = nil) throws(LetheError) -> [BackupRecord] {
        try store.read { (tx) throws(LetheError) in try tx.backups(store: name) }
    }

    static func requireBackup(_ id: Int64, in tx: any StoreReading) throws(LetheError) -> BackupRecord {
        guard let backup = try tx.backup(id: id) else {
            throw LetheError(.notFound, "backup \(id) is not registered; see 'lethe backup list'")
        }
        return backup
    }
}

extension LetheApp {
    /// Ends the suppression parts of a backup whose data is gone (shredded, or its media destroyed):
    /// each one's final date becomes `time`, and those that waited for it (policy
    /// `backup_erasure: shred`) are done. Returns the parts changed and the requests they belong to.
    static func endSuppressParts(
        backupID: Int64, at time: Date, in tx: any StoreWriting
    ) throws(LetheError) -> (parts: [Int64], requests: Set<Int64>) {
        var parts: [Int64] = []
        var requests: Set<Int64> = []
        for var part in try tx.suppressParts(backupID: backupID) {
            part.finalAt = time
            if part.state != .done {
                part.state = .done
                part.verifiedAt = time
                requests.insert(part.requestID)
            }
            var outcome = part.outcome.objectValue ?? [:]
            outcome["backup_shredded_at"] = .string(RFC3339.format(time))
            part.outcome = .object(outcome)
            part.updatedAt = time
            try tx.update(part)
            parts.append(part.id)
        }
        return (parts, requests)
    }

    /// Schedules the destruction of every backup whose retention has ended (expiry at or before
    /// now, not destroyed, not yet scheduled): one event each, naming the method.
    /// - Lethe holds its key: crypto-erase, done by `lethe backup shred ID`.
    /// - Its file lives on a registered asset (`--media`): that asset is retired (with its attached
    ///   children), so `lethe schedule` plans its sanitization job like any other; the job's
    ///   verification records the backup destroyed. A medium that also holds backups still under
    ///   retention waits for the last of them: it is retired when that one expires.
    /// - Neither: the event asks for its medium to be registered and sanitized.
    ///
    /// Each is due `deadline` (the policy's `backup_destruction_deadline`) after its expiry (for a
    /// backup on a medium, after the last expiry among the medium's backups: it could not be
    /// sanitized before); past
    /// that and not destroyed, `lethe verify --due` raises it (``overdueBackupDestructions()``).
    ///
    /// Run by `lethe schedule` before it plans jobs. Returns the backups scheduled now.
    func scheduleBackupDestructions(
        deadline: ISODuration = PolicySet.defaultBackupDestructionDeadline, actor: String
    ) throws(LetheError) -> [BackupRecord] {
        let actor = try ActorName.validate(actor)
        let time = now
        return try store.write { (tx) throws(LetheError) in
            try Self.scheduleBackupDestructions(deadline: deadline, in: tx, actor: actor, at: time)
        }
    }

    /// ``scheduleBackupDestructions(deadline:actor:)`` in the caller's transaction, at `time`.
    static func scheduleBackupDestructions(
        deadline: ISODuration, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> [BackupRecord] {
        let all = try tx.backups(store: nil)
        var scheduled: [BackupRecord] = []
        for var backup in all
        where backup.shreddedAt == nil && backup.destructionScheduledAt == nil && Self.expired(backup, at: time) {
            // A medium is free once its last backup expires: the deadline runs from then.
            var freed = backup.expiresAt ?? time
            if backup.sealedKey == nil, let media = backup.mediaTag {
                freed = all.filter { $0.mediaTag == media && $0.shreddedAt == nil }.compactMap(\.expiresAt)
                    .reduce(freed, max)
            }
            let due = deadline.added(to: freed)
            var payload: [String: JSONValue] = [
                "backup": .integer(backup.id), "store": .string(backup.store),
                "expired_at": .string(RFC3339.format(backup.expiresAt ?? time)),
                "due_at": .string(RFC3339.format(due)),
            ]
            if backup.sealedKey != nil {
                payload["method"] = "crypto-erase"
            } else if let media = backup.mediaTag {
                guard Self.retained(onMediumOf: backup, among: all, at: time).isEmpty else { continue }
                let asset = try Self.requireAsset(media, in: tx)
                payload["media"] = .string(media)
                payload["media_state"] = .string(asset.state.rawValue)
                if asset.state == .inService {
                    let retired = try Self.retire(
                        asset,
                        details: ["reason": "backup retention ended", "backup": .integer(backup.id)],
                        in: tx, actor: actor, at: time)
                    payload["retired"] = .array(retired.map { .string($0.tag) })
                }
                payload["method"] = .string(
                    asset.state == .lost
                        ? "media lost: asset \(media) was reported lost, so the backup cannot be destroyed through it; handle it as an incident"
                        : "media: asset \(media) is sanitized through its disposal job; the job's verification records the backup destroyed"
                )
            } else {
                payload["method"] = .string(
                    "media: register the backup's medium as an asset and retire it for sanitization, or attest its destruction"
                )
            }
            backup.destructionScheduledAt = time
            backup.destructionDueAt = due
            try tx.update(backup)
            try tx.append(
                EventDraft(type: .backupDestructionScheduled, assetTag: backup.mediaTag, payload: .object(payload)),
                actor: actor, at: time)
            scheduled.append(backup)
        }
        return scheduled
    }

    /// Records `backup` destroyed (attested) in the caller's transaction, ending every request's
    /// suppression part for it; returns the requests whose parts ended. A backup on a registered
    /// medium is recorded destroyed by that medium's verified disposal job, not by attestation
    /// (chain of custody stays with the asset), unless the medium was reported lost.
    static func recordAttestedDestruction(
        _ backup: BackupRecord, notes: String, evidence: JSONValue, in tx: any StoreWriting, actor: String,
        at time: Date
    ) throws(LetheError) -> Set<Int64> {
        if let media = backup.mediaTag, try requireAsset(media, in: tx).state != .lost {
            throw LetheError(
                .illegalTransition,
                "backup \(backup.id) lives on asset \(media): it is recorded destroyed when that asset's disposal job is verified (see 'lethe job list --asset \(media)'); nothing was recorded"
            )
        }
        // The backup no longer exists: recorded as destroyed (no later request plans a part for
        // it), and every request's part for it ends as a shredding does.
        var backup = backup
        backup.shreddedAt = time
        try tx.update(backup)
        let ended = try endSuppressParts(backupID: backup.id, at: time, in: tx)
        try tx.append(
            EventDraft(
                type: .backupShredded,
                payload: [
                    "backup": .integer(backup.id), "store": .string(backup.store), "file": .string(backup.file),
                    "method": "media destroyed (attested)", "notes": .string(notes), "evidence": evidence,
                    "suppress_parts_ended": .array(ended.parts.map(JSONValue.integer)),
                ]), actor: actor, at: time)
        return ended.requests
    }

    /// Checks a person's attestation before anything changes: `notes` must say who confirmed
    /// the `what` (erasure, destruction) and how. Returns the evidence's name, SHA-256 and size,
    /// or null without evidence.
    static func attestationEvidence(
        notes: String, evidence: AttestationEvidence?, confirming what: String
    ) throws(LetheError) -> JSONValue {
        guard !notes.trimmed.isEmpty else {
            throw LetheError(.usage, "--notes must say who confirmed the \(what), and how")
        }
        guard let evidence else { return .null }
        return [
            "file": .string(evidence.name), "sha256": .string(Hex.encode(SHA256Digest.of(evidence.bytes))),
            "bytes": .integer(Int64(evidence.bytes.count)),
        ]
    }

    /// Backups whose scheduled destruction is past due and not done (its key is still held, its
    /// medium not yet verified sanitized, or its destruction not attested), most overdue first.
    func overdueBackupDestructions() throws(LetheError) -> [BackupRecord] {
        let time = now
        return try listBackups().filter { backup in
            guard backup.shreddedAt == nil, let due = backup.destructionDueAt else { return false }
            return due < time
        }.sorted { ($0.destructionDueAt ?? time, $0.id) < ($1.destructionDueAt ?? time, $1.id) }
    }

    /// Expired backups whose medium is not retired yet because it also holds backups still under
    /// retention (or with no expiry): each with the numbers of the backups it waits for.
    func backupsWaitingForTheirMedium() throws(LetheError) -> [(backup: BackupRecord, retainedBy: [Int64])] {
        let time = now
        return try store.read { (tx) throws(LetheError) in try Self.backupsWaitingForTheirMedium(in: tx, at: time) }
    }

    /// ``backupsWaitingForTheirMedium()`` as `tx` sees them at `time`.
    static func backupsWaitingForTheirMedium(
        in tx: any StoreReading, at time: Date
    ) throws(LetheError) -> [(backup: BackupRecord, retainedBy: [Int64])] {
        let all = try tx.backups(store: nil)
        return all.compactMap { backup in
            guard backup.shreddedAt == nil, backup.destructionScheduledAt == nil, backup.sealedKey == nil,
                backup.mediaTag != nil, Self.expired(backup, at: time)
            else { return nil }
            let retained = Self.retained(onMediumOf: backup, among: all, at: time)
            return retained.isEmpty ? nil : (backup, retained.map(\.id))
        }
    }

    /// Whether a backup's retention has ended at `time` (one without an expiry is kept).
    static func expired(_ backup: BackupRecord, at time: Date) -> Bool { backup.expiresAt.map { $0 <= time } ?? false }

    /// The other backups on `backup`'s medium that still exist and are still under retention.
    static func retained(onMediumOf backup: BackupRecord, among all: [BackupRecord], at time: Date) -> [BackupRecord] {
        guard let media = backup.mediaTag else { return [] }
        return all.filter {
            $0.mediaTag == media && $0.id != backup.id && $0.shreddedAt == nil && !expired($0, at: time)
        }
    }

    /// Records as destroyed, in the caller's transaction, the backups on every medium that the
    /// verification of job `job` on asset `tag` completes: the asset itself, and each asset it is
    /// attached to (a NAS whose drives are attached to it). A medium is complete once it and
    /// everything attached to it, at any depth, is verified after a verified job: a backup on a
    /// NAS is not destroyed while one of its drives still holds data. Returns the requests whose
    /// parts ended (the caller checks whether they are now complete).
    static func recordBackupsDestroyed(
        afterVerifying job: Int64, on tag: String, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> Set<Int64> {
        var requests: Set<Int64> = []
        var medium: String? = tag
        var seen: Set<String> = []
        while let current = medium, seen.insert(current).inserted {
            if try tx.backups(media: current).contains(where: { $0.shreddedAt == nil && $0.kind == .snapshot }),
                let executedAt = try sanitizedAt(current, in: tx)
            {
                requests.formUnion(
                    try recordBackupsDestroyed(
                        onMedia: current, job: job, executedAt: executedAt, in: tx, actor: actor, at: time))
            }
            medium = try requireAsset(current, in: tx).parentTag
        }
        return requests
    }

    /// When the asset `tag` and everything attached to it were sanitized — the earliest execution
    /// among their verified jobs — or nil while any of them is not verified (or disposed) yet.
    static func sanitizedAt(_ tag: String, in tx: any StoreWriting) throws(LetheError) -> Date? {
        var earliest: Date?
        var pending = [tag]
        var seen: Set<String> = []
        while let current = pending.popLast() {
            guard seen.insert(current).inserted else { continue }
            let asset = try requireAsset(current, in: tx)
            guard asset.state == .verified || asset.state == .disposed,
                let executed = try tx.jobs(JobQuery(states: [.verified], assetTag: current)).compactMap(\.executedAt)
                    .max()
            else { return nil }
            earliest = min(earliest ?? executed, executed)
            pending += try tx.assets(AssetQuery(parentTag: current)).map(\.tag)
        }
        return earliest
    }

    /// Records every snapshot backup on the medium `tag` as destroyed, in the caller's transaction: the
    /// medium was sanitized at `executedAt` (the earliest execution among its and its attached
    /// assets' jobs), and job `job`'s verification completed it. A backup made after that was not
    /// on the medium when it was sanitized and is left alone. Their suppression parts end as a
    /// shredding's do. Returns the requests whose parts ended (the caller checks whether they are
    /// now complete).
    private static func recordBackupsDestroyed(
        onMedia tag: String, job: Int64, executedAt: Date, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> Set<Int64> {
        var requests: Set<Int64> = []
        // A rolling backup (declared residue) is not a file on the medium that ends with it: the
        // data map still declares it, and its parts age out under the declared retention.
        for var backup in try tx.backups(media: tag)
        where backup.kind == .snapshot && backup.shreddedAt == nil && backup.createdAt <= executedAt {
            backup.shreddedAt = time
            backup.sealedKey = nil  // a key kept for it would unlock nothing: it goes with the data
            try tx.update(backup)
            let ended = try endSuppressParts(backupID: backup.id, at: time, in: tx)
            requests.formUnion(ended.requests)
            try tx.append(
                EventDraft(
                    type: .backupShredded, assetTag: tag,
                    payload: [
                        "backup": .integer(backup.id), "store": .string(backup.store), "file": .string(backup.file),
                        "method": .string(
                            "media sanitized: asset \(tag) and everything attached to it verified (completed by job \(job))"
                        ),
                        "media": .string(tag), "job": .integer(job),
                        "suppress_parts_ended": .array(ended.parts.map(JSONValue.integer)),
                    ]), actor: actor, at: time)
        }
        return requests
    }
}
