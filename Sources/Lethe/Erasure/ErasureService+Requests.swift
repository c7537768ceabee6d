import Crypto
import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// An erasure request with its parts, for `erasure status` and `erasure report`.
public struct ErasureDetails: Sendable, Hashable {
    /// The request.
    public var request: ErasureRequest
    /// Its parts, by number.
    public var parts: [ErasurePart]
}

/// What `erasure run` did to one database part.
public struct ErasureRunOutcome: Sendable, Hashable {
    /// The part after the run.
    public var part: ErasurePart
    /// The error that stopped it, when it failed (the store is unchanged).
    public var error: String?
}

extension ErasureService {
    /// Files an erasure request: hashes the identifier at once (it is never stored), sets the due
    /// date from the policy's erasure SLA and plans one part per holding — `execute` per database
    /// store, `suppress` per unshredded backup holding the subject (final date: the backup's
    /// expiry), per declared WAL archive or dump of a store holding it (final date: the store's
    /// erasure plus the declared retention), `attest` per declared replica of such a store and per
    /// processor or file share, `sanitize-device` per device (linked to the
    /// asset's open disposal job), and `execute` per database store with no holdings recorded
    /// at all (never scanned: it is searched when the request runs). A subject with no holdings
    /// gets a request with an empty plan, completed at once. One transaction, one event per request; a request completed at once
    /// then gets its signed record.
    public func request(
        identifier: String, reason: ErasureReason, policies: LoadedPolicies, by principal: Principal
    ) async throws(LetheError) -> ErasureDetails {
        try app.authorize(.requestErasure, principal)
        guard !identifier.trimmed.isEmpty else {
            throw LetheError(.usage, "the subject identifier is empty; give --subject ID or --subject-stdin")
        }
        let secrets = try await app.loadedSecrets()
        let time = app.now
        let actor = principal.name
        let details = try await app.store.write { (tx) throws(LetheError) in
            let stores = try LetheApp.storeSummaries(in: tx)
            var request = try tx.insert(
                ErasureRequest(
                    subject: secrets.hasher.hash(identifier, normalization: .exact).hex, reason: reason,
                    dueAt: policies.set.erasureSLA.added(to: time), policyVersion: policies.version,
                    requestedBy: actor, createdAt: time))
            var parts: [ErasurePart] = []
            for summary in stores {
                let declaration = summary.declaration
                let subject = secrets.hasher.hash(
                    identifier, normalization: declaration.erasure?.normalization ?? .exact
                ).hex
                let held = try tx.holds(store: declaration.name, subject: subject)
                // A database store with no holdings recorded (never scanned, or its scan failed)
                // tells nothing of this subject: it is looked at when the request runs, rather
                // than the plan saying it held nothing.
                let unread = !held && summary.holdings == 0 && declaration.kind.isQueryable
                if held || unread {
                    var part = ErasurePart(
                        requestID: request.id, store: declaration.name, action: .execute,
                        outcome: ["subject": .string(subject)], updatedAt: time)
                    if unread { part.outcome = ["subject": .string(subject), "holdings_recorded": false] }
                    switch declaration.kind {
                    case .sqlite, .postgres: part.action = .execute
                    case .fileShare, .processor: part.action = .attest
                    case .device(let tag):
                        part.action = .sanitizeDevice
                        part.assetTag = tag
                        part.jobID = try tx.openJob(assetTag: tag)?.id
                    }
                    parts.append(try tx.insert(part))
                    // A declared residue holds whatever the store holds now.
                    for backup in try tx.backups(store: declaration.name) where LetheApp.isDeclaredRolling(backup) {
                        parts.append(
                            try tx.insert(
                                LetheApp.rollingPart(
                                    request: request.id, backup: backup, subject: subject,
                                    policy: policies.set.backupErasure, at: time)))
                    }
                }
                for backup in try tx.backups(store: declaration.name, holding: subject) {
                    parts.append(
                        try tx.insert(
                            LetheApp.suppressPart(
                                request: request.id, backup: backup, subject: subject,
                                policy: policies.set.backupErasure, at: time)))
                }
            }
            if parts.allSatisfy({ $0.state == .done }) {
                request.state = .completed
                request.completedAt = time
                try tx.update(request)
            }
            try tx.append(
                EventDraft(
                    type: .erasureRequested,
                    payload: [
                        "request": .integer(request.id), "subject": .string(request.subject),
                        "reason": .string(reason.rawValue), "due_at": .string(RFC3339.format(request.dueAt)),
                        "policy_version": .string(policies.version),
                        "parts": .array(parts.map(LetheApp.partSummary)),
                    ]), actor: actor, at: time)
            return ErasureDetails(request: request, parts: parts)
        }
        if details.request.state == .completed { await issueRecordsOnCompletion([details.request.id], actor: actor) }
        return details
    }

    /// A request and its parts; `not-found` when there is no such request.
    public func details(_ id: Int64, by principal: Principal) async throws(LetheError) -> ErasureDetails {
        try app.authorize(.readErasures, principal)
        return try await details(id)
    }

    func details(_ id: Int64) async throws(LetheError) -> ErasureDetails {
        try await app.store.read { (tx) throws(LetheError) in
            ErasureDetails(
                request: try LetheApp.requireRequest(id, in: tx), parts: try tx.erasureParts(requestID: id))
        }
    }

    /// Requests by due date; only open ones past their due date when `overdue`.
    public func list(overdue: Bool, by principal: Principal) async throws(LetheError) -> ErasureListResult {
        try app.authorize(.readErasures, principal)
        let time = app.now
        return ErasureListResult(
            requests: try await app.store.read { (tx) throws(LetheError) in
                try tx.erasureRequests(openOnly: overdue, dueBefore: overdue ? time : nil)
            })
    }

    /// Executes the request's pending or failed database parts with the raw identifier, which is
    /// held in memory only: it must hash to the request's subject. For each part, the store's
    /// engine (looked up by kind in ``LetheApp/executors``), on a thread of its own: the erasure in
    /// one transaction (a failure leaves the store unchanged and is recorded), then the query check
    /// and a residue scan of the store's files for the identifier's bytes (UTF-8 and UTF-16). Each
    /// part's outcome is its own transaction and event; the part that leaves every part done
    /// completes the request in that same transaction.
    ///
    /// The engine changes the customer's database before Lethe records it, so a crash between
    /// the two leaves the part pending with the data already erased: the next run repairs that (it
    /// finds no subject rows, passes the query check and the residue scan, and records the part done).
    public func run(
        _ id: Int64, identifier: String, by principal: Principal
    ) async throws(LetheError) -> ErasureRunResult {
        try app.authorize(.runErasure, principal)
        let actor = principal.name
        let secrets = try await app.loadedSecrets()
        let details = try await details(id)
        guard secrets.hasher.hash(identifier, normalization: .exact).hex == details.request.subject else {
            throw LetheError(
                .invalidInput,
                "the identifier given does not match erasure request \(id)'s subject: give it exactly as the request was given it (case and spaces count here, whatever a store's normalisation); nothing was erased"
            )
        }
        var outcomes: [ErasureRunOutcome] = []
        for var part in details.parts where part.action == .execute && part.state != .done {
            var failure: String?
            do throws(LetheError) {
                let declaration = try await declaration(of: part.store, secrets: secrets)
                let engine = try engine(
                    for: declaration,
                    refusal:
                        "store \(part.store) is a \(declaration.kind.word) store: Lethe has no executor for it yet; erase by hand and record it with 'lethe erasure attest'"
                )
                let normalization = declaration.erasure?.normalization ?? .exact
                let scanner = try ResidueScanner(
                    identifiers: [identifier], encodings: LetheApp.residueEncodings,
                    asciiCaseInsensitive: LetheApp.residueCaseInsensitive(normalization))
                let erased = try await OwnThread.run { () throws(LetheError) in
                    try engine.erase(
                        identifier: identifier, store: declaration, hasher: secrets.hasher, scanner: scanner)
                }
                let subject = secrets.hasher.hash(identifier, normalization: normalization)
                part.outcome = LetheApp.outcomeJSON(
                    subject: subject.hex, result: erased.result, remainingRows: erased.remainingRows,
                    residue: erased.residue)
                if !erased.unreached.isEmpty, var object = part.outcome.objectValue {
                    object["residue_outside_reach"] = .array(erased.unreached.map(JSONValue.string))
                    part.outcome = .object(object)
                }
                if let position = erased.walPosition, var object = part.outcome.objectValue {
                    object["wal_lsn"] = .string(position)
                    part.outcome = .object(object)
                }
                part.state =
                    erased.remainingRows == 0 && erased.residue.clean && erased.result.compacted ? .done : .failed
                part.verifiedAt = app.now
            } catch {
                failure = error.message
                var outcome = part.outcome.objectValue ?? [:]
                outcome["error"] = .string(error.message)
                outcome["error_code"] = .string(error.code.rawValue)
                part.outcome = .object(outcome)
                part.state = .failed
            }
            part.updatedAt = app.now
            let recorded = part
            let completed = try await app.store.write { (tx) throws(LetheError) -> Bool in
                try tx.update(recorded)
                if recorded.state == .done, let subject = recorded.outcome["subject"]?.stringValue {
                    try tx.eraseHolding(store: recorded.store, subject: subject, at: recorded.updatedAt)
                    try LetheApp.countRollingPartsFromErasure(
                        of: recorded, request: id, in: tx, actor: actor, at: recorded.updatedAt)
                }
                try tx.append(
                    EventDraft(
                        type: .erasurePartChanged,
                        payload: [
                            "request": .integer(id), "part": .integer(recorded.id), "store": .string(recorded.store),
                            "action": .string(recorded.action.rawValue), "state": .string(recorded.state.rawValue),
                            "outcome": recorded.outcome,
                        ]), actor: actor, at: recorded.updatedAt)
                // The part that finishes the request completes it in the same transaction.
                return try LetheApp.completeIfDone(request: id, in: tx, actor: actor, at: recorded.updatedAt)
            }
            if completed { await issueRecordsOnCompletion([id], actor: actor) }
            outcomes.append(ErasureRunOutcome(part: recorded, error: failure))
        }
        if outcomes.isEmpty {
            // Nothing left to run: a request whose parts were all done before is completed now.
            let time = app.now
            let completed = try await app.store.write { (tx) throws(LetheError) in
                try LetheApp.completeIfDone(request: id, in: tx, actor: actor, at: time)
            }
            if completed { await issueRecordsOnCompletion([id], actor: actor) }
        }
        let state = try await app.store.read { (tx) throws(LetheError) in try LetheApp.requireRequest(id, in: tx).state
        }
        return ErasureRunResult(request: id, requestState: state, parts: outcomes)
    }

    /// Records that a processor or file share erased the subject (someone attests it, optionally
    /// with evidence whose SHA-256 is kept), that a device part is done because the asset's
    /// sanitization is verified or the asset disposed, or (with `backup`) that a backup Lethe did
    /// not encrypt was destroyed.
    public func attest(
        _ id: Int64, store storeName: String, backup backupID: Int64? = nil, notes: String,
        evidence: AttestationEvidence?, by principal: Principal
    ) async throws(LetheError) -> ErasurePartResult {
        try app.authorize(.attestErasure, principal)
        let actor = principal.name
        let digest = try LetheApp.attestationEvidence(notes: notes, evidence: evidence, confirming: "erasure")
        let time = app.now
        let (part, completed) = try await app.store.write { (tx) throws(LetheError) -> (ErasurePart, [Int64]) in
            _ = try LetheApp.requireRequest(id, in: tx)
            var destroyed: BackupRecord?
            guard
                var part = try tx.erasureParts(requestID: id).first(where: {
                    guard $0.store == storeName else { return false }
                    if let backupID {
                        return ($0.action == .suppress || $0.action == .attest) && $0.backupID == backupID
                    }
                    return ($0.action == .attest || $0.action == .sanitizeDevice) && $0.backupID == nil
                })
            else {
                throw LetheError(
                    .notFound,
                    "erasure request \(id) has no part to attest for store \(storeName)"
                        + (backupID.map { " and backup \($0)" } ?? "") + "; see 'lethe erasure status \(id)'")
            }
            guard part.state != .done else {
                throw LetheError(.illegalTransition, "part \(part.id) (store \(storeName)) is done already")
            }
            if part.action == .attest, part.backupID != nil {
                // A declared replica: it replays the store's erasure, so it can only be confirmed after it.
                try LetheApp.checkReplicaAttestable(part, request: id, in: tx)
            } else if part.action == .suppress, let backupID {
                // The backup's media destroyed outside Lethe (a key Lethe holds is shredded with
                // 'lethe backup shred', which ends the part itself).
                let backup = try LetheApp.requireBackup(backupID, in: tx)
                try LetheApp.refuseRolling(backup, "attested destroyed")
                guard backup.sealedKey == nil else {
                    throw LetheError(
                        .illegalTransition,
                        "backup \(backupID) is encrypted by Lethe: crypto-erase it with 'lethe backup shred \(backupID)', which completes this part"
                    )
                }
                part.finalAt = time
                destroyed = backup
            }
            if part.action == .sanitizeDevice, let tag = part.assetTag {
                let asset = try LetheApp.requireAsset(tag, in: tx)
                guard [.sanitized, .verified, .disposed].contains(asset.state) else {
                    throw LetheError(
                        .illegalTransition,
                        "asset \(tag) is \(asset.state.rawValue): the device part is done once its sanitization is recorded (see 'lethe job list --asset \(tag)')"
                    )
                }
            }
            var outcome = part.outcome.objectValue ?? [:]
            outcome["attested_by"] = .string(actor)
            outcome["notes"] = .string(notes)
            outcome["evidence"] = digest
            part.outcome = .object(outcome)
            part.state = .done
            part.verifiedAt = time
            part.updatedAt = time
            try tx.update(part)
            if part.action != .suppress, part.backupID == nil, let subject = part.outcome["subject"]?.stringValue {
                try tx.eraseHolding(store: storeName, subject: subject, at: time)
            }
            try tx.append(
                EventDraft(
                    type: .erasurePartChanged,
                    payload: [
                        "request": .integer(id), "part": .integer(part.id), "store": .string(storeName),
                        "action": .string(part.action.rawValue), "state": "done", "outcome": part.outcome,
                    ]), actor: actor, at: time)
            var others: Set<Int64> = []
            if let backup = destroyed {
                let requests = try LetheApp.recordAttestedDestruction(
                    backup, notes: notes, evidence: digest, in: tx, actor: actor, at: time)
                others = requests.subtracting([id])
            }
            // This request first, then the others the destroyed backup finished: all in this transaction.
            let completed =
                try LetheApp.completeIfDone(requests: [id], in: tx, actor: actor, at: time)
                + LetheApp.completeIfDone(requests: others, in: tx, actor: actor, at: time)
            return (part, completed)
        }
        await issueRecordsOnCompletion(completed, actor: actor)
        return ErasurePartResult(part: part)
    }
}

extension LetheApp {
    /// The part for a backup holding the subject. With the policy `backup_erasure: suppress` it is
    /// done at once (the subject is erased again after any restore until the backup's expiry, its
    /// final date); with `shred` it waits, suppressed meanwhile, for the backup to be destroyed
    /// (crypto-erased when Lethe holds its key, else its media destroyed and attested): its
    /// outcome records these facts (`waiting_for`, `backup`, `method`, `file`, and `media`, the
    /// asset it lives on, if any), never instructions.
    static func suppressPart(
        request: Int64, backup: BackupRecord, subject: String, policy: BackupErasure, at time: Date
    ) -> ErasurePart {
        var outcome: [String: JSONValue] = [
            "subject": .string(subject), "shred_available": .bool(backup.sealedKey != nil),
        ]
        guard policy == .shred else {
            return ErasurePart(
                requestID: request, store: backup.store, action: .suppress, state: .done, backupID: backup.id,
                finalAt: backup.expiresAt, outcome: .object(outcome), updatedAt: time)
        }
        outcome["backup_erasure"] = .string(policy.rawValue)
        // Facts, not wording: a front end renders what to do from them.
        outcome["waiting_for"] = "backup-destruction"
        outcome["backup"] = .integer(backup.id)
        outcome["method"] = backup.sealedKey != nil ? "crypto-erase" : "media-destruction"
        outcome["file"] = .string(backup.file)
        // A backup on a registered medium is destroyed with it, through its disposal job.
        outcome["media"] = backup.mediaTag.map(JSONValue.string)
        return ErasurePart(
            requestID: request, store: backup.store, action: .suppress, state: .pending, backupID: backup.id,
            finalAt: nil, outcome: .object(outcome), updatedAt: time)
    }

    static func partSummary(_ part: ErasurePart) -> JSONValue {
        var object: [String: JSONValue] = [
            "part": .integer(part.id), "store": .string(part.store), "action": .string(part.action.rawValue),
            "state": .string(part.state.rawValue),
        ]
        object["backup"] = part.backupID.map(JSONValue.integer)
        object["asset"] = part.assetTag.map(JSONValue.string)
        object["job"] = part.jobID.map(JSONValue.integer)
        object["final_at"] = part.finalAt.map { .string(RFC3339.format($0)) }
        return .object(object)
    }

    static func requireRequest(_ id: Int64, in tx: any StoreReading) throws(LetheError) -> ErasureRequest {
        guard let request = try tx.erasureRequest(id: id) else {
            throw LetheError(.notFound, "erasure request \(id) does not exist; see 'lethe erasure list'")
        }
        return request
    }

    static func outcomeJSON(
        subject: String, result: ErasureResult, remainingRows: Int, residue: ResidueReport
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "subject": .string(subject), "subject_rows": .integer(Int64(result.subjectRows)),
            "tables": .array(
                result.tables.map {
                    [
                        "table": .string($0.table), "action": .string($0.action),
                        "matched_rows": .integer(Int64($0.matchedRows)),
                        "rows_affected": .integer(Int64($0.rowsAffected)),
                    ]
                }),
            "compacted": .bool(result.compacted), "vacuumed": .bool(result.vacuumed),
            "query_check_remaining_rows": .integer(Int64(remainingRows)),
            "residue_clean": .bool(residue.clean), "residue_matches": .integer(Int64(residue.totalMatches)),
            "residue_files": .array(
                residue.files.map {
                    ["file": .string(($0.path as NSString).lastPathComponent), "bytes": .integer($0.bytes)]
                }),
        ]
        object["compaction_problem"] = result.compactionProblem.map(JSONValue.string)
        object["vacuum_reason"] = result.vacuumReason.map(JSONValue.string)
        return .object(object)
    }

    /// Completes request `id` in the caller's transaction when it is open and every part is done
    /// (one `erasure.completed` event); returns whether it did. Every use case that can finish a
    /// request's last part calls it in the transaction that finishes the part, so no crash can
    /// leave a request open with every part done.
    static func completeIfDone(
        request id: Int64, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> Bool {
        var request = try requireRequest(id, in: tx)
        let parts = try tx.erasureParts(requestID: id)
        guard request.state == .open, parts.allSatisfy({ $0.state == .done }) else { return false }
        request.state = .completed
        request.completedAt = time
        try tx.update(request)
        try tx.append(
            EventDraft(
                type: .erasureCompleted, payload: ["request": .integer(id), "parts": .integer(Int64(parts.count))]),
            actor: actor, at: time)
        return true
    }

    /// ``completeIfDone(request:in:actor:at:)`` for each of `ids`, in order; returns those completed.
    static func completeIfDone(
        requests ids: some Sequence<Int64>, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> [Int64] {
        var completed: [Int64] = []
        for id in ids.sorted() where try completeIfDone(request: id, in: tx, actor: actor, at: time) {
            completed.append(id)
        }
        return completed
    }

    /// Repairs what a crash of an older Lethe (which completed requests in a transaction of its
    /// own) could leave: completes, in the caller's transaction, every open request whose parts
    /// are all done. Returns the requests completed. Run by `lethe schedule`.
    static func completeFinishedRequests(
        in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> [Int64] {
        let open = try tx.erasureRequests(openOnly: true, dueBefore: nil).map(\.id)
        return try completeIfDone(requests: open, in: tx, actor: actor, at: time)
    }

    /// Issues the signed record of each request just completed (each its own transaction; see
    /// ``issueErasureRecordOnCompletion(id:actor:)``).
    func issueErasureRecordsOnCompletion(_ ids: [Int64], actor: String) {
        for id in ids { issueErasureRecordOnCompletion(id: id, actor: actor) }
    }

}
