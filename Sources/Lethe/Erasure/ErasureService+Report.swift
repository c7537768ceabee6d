import Foundation
import LetheCore
import LetheStore

/// The customer's view of an erasure: where the data was, what was done, when, with what evidence.
public struct ErasureReport: Sendable, Hashable {
    /// The report's body: the fields a signed erasure record will carry.
    public var body: JSONValue
    /// Whether every part is done (only then can it be issued as a signed record).
    public var complete: Bool

    /// The body's canonical JSON (RFC 8785): the bytes a signature will cover.
    public func canonicalJSON() throws(LetheError) -> [UInt8] { try CanonicalJSON.encode(body) }

    /// A self-contained HTML page of the report (every value escaped).
    public var html: String {
        func escape(_ text: String) -> String { HTMLText.escape(text) }
        func text(_ value: JSONValue?) -> String {
            switch value {
            case .string(let s)?: return s
            case .integer(let i)?: return String(i)
            case .bool(let b)?: return b ? "yes" : "no"
            case nil, .null?: return "—"
            case let other?:
                return (try? CanonicalJSON.encode(other)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            }
        }
        var rows = ""
        for part in body["parts"]?.arrayValue ?? [] {
            rows += "<tr>"
            for key in ["store", "kind", "categories", "action", "state", "done_at", "final_at", "evidence"] {
                let cell: String
                if key == "categories" {
                    cell = (part[key]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
                } else {
                    cell = text(part[key])
                }
                rows += "<td>\(escape(cell))</td>"
            }
            rows += "</tr>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Erasure report \(escape(text(body["request"])))</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;vertical-align:top;font-size:90%}</style>
            </head><body>
            <h1>Erasure report — request \(escape(text(body["request"])))</h1>
            <p>Subject (keyed hash, HMAC-SHA-256): <code>\(escape(text(body["subject"])))</code><br>
            Reason: \(escape(text(body["reason"]))) · requested \(escape(text(body["requested_at"]))) · due \(escape(text(body["due_at"]))) ·
            state <strong>\(escape(text(body["state"])))</strong> \(escape(text(body["completed_at"])))</p>
            <table><tr><th>Store</th><th>Kind</th><th>Data categories</th><th>Action</th><th>State</th><th>Done</th><th>Finally gone</th><th>Evidence</th></tr>
            \(rows)</table>
            <p>\(escape(text(body["statement"])))</p>
            </body></html>

            """
    }
}

extension ErasureService {
    /// The erasure report of a request: one entry per part with the store's kind, owner and data
    /// categories, the action, its state and time, and its evidence (rows erased per table, the
    /// query check, the residue scan, attestations with their file digests, backup expiry or shred).
    ///
    /// A backup's data is reported finally gone (`final_at`) only once the backup is recorded
    /// destroyed; until then the entry gives the backup's state at the clock's time — the same
    /// ``BackupDestructionState`` `lethe backup list` shows (`destruction-overdue` included) — and
    /// the date it is kept until.
    public func report(_ id: Int64, by principal: Principal) async throws(LetheError) -> ErasureReport {
        try app.authorize(.readErasures, principal)
        let time = app.now
        return try await app.store.read { (tx) throws(LetheError) in
            try LetheApp.erasureReport(id: id, in: tx, at: time)
        }
    }

    /// The serials of the signed records of request `id` (revoked ones included), newest first.
    public func recordSerials(_ id: Int64, by principal: Principal) async throws(LetheError) -> [String] {
        try app.authorize(.readErasures, principal)
        return try await app.store.read { (tx) throws(LetheError) in
            _ = try LetheApp.requireRequest(id, in: tx)
            return try LetheApp.erasureRecordSerials(request: id, in: tx)
        }
    }

    /// After requests complete: issues each one's signed record, each its own transaction. When it
    /// cannot be done (no organisation configured, an expired issuer certificate) the completion
    /// stands, a warning is logged, and `lethe certificate issue --erasure ID` issues it later.
    func issueRecordsOnCompletion(_ ids: [Int64], actor: String) async {
        guard !ids.isEmpty else { return }
        let app = app
        // The one completion path (``LetheApp/issueErasureRecordsOnCompletion(_:actor:)``), which
        // signs and reads key files: on a thread of its own.
        _ = try? await OwnThread.run("lethe-records") { () throws(LetheError) in
            app.issueErasureRecordsOnCompletion(ids, actor: actor)
        }
    }
}

extension LetheApp {
    /// The report of request `id` as `tx` sees it at `time`.
    static func erasureReport(id: Int64, in tx: any StoreReading, at time: Date) throws(LetheError) -> ErasureReport {
        let request = try Self.requireRequest(id, in: tx)
        let parts = try tx.erasureParts(requestID: id)
        var entries: [JSONValue] = []
        var backupsNotDestroyed = 0
        var archivesNotAgedOut = 0
        var rollingParts = 0
        var snapshotParts = 0
        for part in parts {
            var entry: [String: JSONValue] = [
                "part": .integer(part.id), "store": .string(part.store), "action": .string(part.action.rawValue),
                "state": .string(part.state.rawValue),
            ]
            if let record = try tx.registeredStore(name: part.store) {
                let summary = try Self.summary(record, holdings: 0)
                entry["kind"] = .string(summary.declaration.kind.word)
                entry["owner"] = .string(summary.declaration.owner)
                entry["categories"] = .array(summary.declaration.categories.map { .string($0.name) })
            }
            if part.state == .done {
                entry["done_at"] = .string(RFC3339.format(part.verifiedAt ?? part.updatedAt))
            }
            entry["final_at"] = part.finalAt.map { .string(RFC3339.format($0)) }
            var evidence = part.outcome.objectValue ?? [:]
            evidence["subject"] = nil  // the request carries the subject once
            if let backupID = part.backupID, let backup = try tx.backup(id: backupID) {
                evidence["backup"] = .integer(backupID)
                if backup.kind == .rolling {
                    // A declared residue: its date is the declared retention's, which Lethe does
                    // not observe; a replica's part is attested, never destroyed.
                    rollingParts += 1
                    entry["backup_kind"] = .string(backup.kind.rawValue)
                    if backup.residue?.retention != nil, let final = part.finalAt {
                        entry["final_at"] = nil
                        entry["kept_until"] = .string(RFC3339.format(final))
                        entry["kept_until_basis"] = "declared-retention"
                        if final > time { archivesNotAgedOut += 1 }
                    }
                } else {
                    snapshotParts += 1
                    evidence["backup_created_at"] = .string(RFC3339.format(backup.createdAt))
                    evidence["backup_shredded_at"] = backup.shreddedAt.map { .string(RFC3339.format($0)) }
                    // Finally gone only once the backup is recorded destroyed, never on a planned date.
                    let state = backup.destructionState(at: time)
                    entry["backup_state"] = .string(state.rawValue)
                    if let shredded = backup.shreddedAt {
                        entry["final_at"] = .string(RFC3339.format(shredded))
                    } else {
                        entry["final_at"] = nil
                        entry["kept_until"] = backup.expiresAt.map { .string(RFC3339.format($0)) }
                        entry["destruction_due_at"] = backup.destructionDueAt.map { .string(RFC3339.format($0)) }
                        backupsNotDestroyed += 1
                    }
                }
            }
            entry["asset"] = part.assetTag.map(JSONValue.string)
            entry["job"] = part.jobID.map(JSONValue.integer)
            entry["evidence"] = .object(evidence)
            entries.append(.object(entry))
        }
        let complete = request.state == .completed
        var body: [String: JSONValue] = [
            "report_type": "erasure", "format": 1, "request": .integer(id), "subject": .string(request.subject),
            "reason": .string(request.reason.rawValue), "requested_at": .string(RFC3339.format(request.createdAt)),
            "due_at": .string(RFC3339.format(request.dueAt)), "state": .string(request.state.rawValue),
            "policy_version": .string(request.policyVersion), "parts": .array(entries),
            "statement": .string(
                Self.statement(
                    parts: parts.count, complete: complete, snapshotParts: snapshotParts,
                    backupsNotDestroyed: backupsNotDestroyed, rollingParts: rollingParts,
                    archivesNotAgedOut: archivesNotAgedOut)),
        ]
        body["completed_at"] = request.completedAt.map { .string(RFC3339.format($0)) }
        return ErasureReport(body: .object(body), complete: complete)
    }

    /// What a signed erasure report says of the whole: never more than its parts show. Snapshot
    /// backups are destroyed only once recorded destroyed; declared residue (archives, dumps,
    /// replicas) is never called destroyed, since Lethe does not observe it.
    static func statement(
        parts: Int, complete: Bool, snapshotParts: Int, backupsNotDestroyed: Int, rollingParts: Int,
        archivesNotAgedOut: Int
    ) -> String {
        guard parts > 0 else {
            return "Lethe's data map records no holding of this subject: there was nothing to erase."
        }
        guard complete else { return "This erasure is not complete: the parts not done are listed." }
        func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
        var text = "Every place the data map records for this subject was erased, attested or suppressed as listed"
        if backupsNotDestroyed > 0 {
            text +=
                "; \(count(backupsNotDestroyed, "backup")) still \(backupsNotDestroyed == 1 ? "holds" : "hold") the data, suppressed (erased again after any restore) until destroyed: see each backup's state"
        } else if snapshotParts > 0 {
            text += "; every backup that held the data is destroyed, on the date shown"
        }
        if archivesNotAgedOut > 0 {
            text +=
                ". \(count(archivesNotAgedOut, "declared archive or dump")) still \(archivesNotAgedOut == 1 ? "holds" : "hold") the data, suppressed (erased again after any restore), until the date shown under the declared retention"
        }
        if rollingParts > 0 {
            text +=
                ". Declared residue (WAL archives, dumps, replicas) is not observed by Lethe: an archive's date is what its declared retention gives, and a replica's part is what was attested"
        }
        return text + "."
    }

    /// Issues a completed erasure report as a signed record (kind `erasure`) through the one
    /// issuance path of disposal records: canonical bytes, detached CMS signature, a
    /// `record.issued` log entry and a new checkpoint, in one transaction with the report's reading,
    /// so the signed report is exactly the state it was read from.
    ///
    /// - Throws: `illegalTransition` when a part is not done; `conflict` when the request already
    ///   has a signed record that is not revoked; `notFound` for an unknown request.
    func issueErasureRecord(id: Int64, actor: String) throws(LetheError) -> StoredRecord {
        let actor = try ActorName.validate(actor)
        let issuer = try recordIssuer()
        let time = now
        return try store.write { (tx) throws(LetheError) in
            try Self.issueErasureRecord(id: id, issuer: issuer, in: tx, actor: actor, at: time)
        }
    }

    /// Issues request `id`'s signed record in the caller's transaction.
    static func issueErasureRecord(
        id: Int64, issuer: RecordIssuer, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> StoredRecord {
        let report = try Self.erasureReport(id: id, in: tx, at: time)
        guard report.complete else {
            throw LetheError(
                .illegalTransition,
                "erasure request \(id) is not complete; a signed record is issued only when every part is done ('lethe erasure status \(id)')"
            )
        }
        for serial in try Self.erasureRecordSerials(request: id, in: tx)
        where try tx.revocation(serial: serial) == nil {
            throw LetheError(.conflict, "erasure request \(id) already has signed record \(serial)")
        }
        var fields = report.body.objectValue ?? [:]
        fields["report_type"] = nil  // the record's own record_type and format replace these
        fields["format"] = nil
        return try Self.issueRecord(
            RecordDraft(kind: Self.erasureRecordKind, fields: fields), issuer: issuer, in: tx, actor: actor, at: time)
    }

    static let erasureRecordKind = "erasure"

    static func erasureRecordSerials(request id: Int64, in tx: any StoreReading) throws(LetheError) -> [String] {
        try tx.recordSerials(kind: erasureRecordKind, field: "request", equals: id)
    }

    /// After a request completes: issues its signed record. Issuance is its own transaction; when
    /// it cannot be done (no organisation configured, an expired issuer certificate) the
    /// completion stands, a warning is logged, and `lethe certificate issue --erasure ID` issues
    /// it later.
    func issueErasureRecordOnCompletion(id: Int64, actor: String) {
        do {
            let record = try issueErasureRecord(id: id, actor: actor)
            logger.info(
                "issued erasure record", metadata: ["record.serial": "\(record.serial)", "erasure.request": "\(id)"])
        } catch {
            logger.warning(
                "erasure request \(id) is complete but its signed record could not be issued; issue it with 'lethe certificate issue --erasure \(id)'",
                metadata: ["erasure.request": "\(id)", "error": "\(error.message)"])
        }
    }
}
