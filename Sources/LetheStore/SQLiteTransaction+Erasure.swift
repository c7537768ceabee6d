import Foundation
import GRDB
import LetheCore

extension SQLiteTransaction {
    private static let backupColumns =
        "id, store, file, created_at, expires_at, sealed_key, shredded_at, registered_at, destruction_scheduled_at, media_tag, subject_count, destruction_due_at, kind, residue_name, residue_kind, retention, undeclared_at"
    private static let requestColumns =
        "id, subject, reason, state, due_at, policy_version, requested_by, created_at, completed_at"
    private static let partColumns = """
        id, request_id, store, action, state, backup_id, asset_tag, job_id, final_at, outcome, verified_at, updated_at
        """

    func registeredStore(name: String) throws(LetheError) -> RegisteredStore? {
        try erasureGuarded {
            try Row.fetchOne(
                db, sql: "SELECT name, kind, declaration, applied_at FROM data_store WHERE name = ?", arguments: [name]
            ).map(Self.registeredStore(from:))
        }
    }

    func registeredStores() throws(LetheError) -> [RegisteredStore] {
        try erasureGuarded {
            try Row.fetchAll(db, sql: "SELECT name, kind, declaration, applied_at FROM data_store ORDER BY name")
                .map(Self.registeredStore(from:))
        }
    }

    func backup(id: Int64) throws(LetheError) -> BackupRecord? {
        try erasureGuarded {
            try Row.fetchOne(db, sql: "SELECT \(Self.backupColumns) FROM backup WHERE id = ?", arguments: [id])
                .map(Self.backup(from:))
        }
    }

    func backups(store: String?) throws(LetheError) -> [BackupRecord] {
        try erasureGuarded {
            if let store {
                return try Row.fetchAll(
                    db, sql: "SELECT \(Self.backupColumns) FROM backup WHERE store = ? ORDER BY id", arguments: [store]
                ).map(Self.backup(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT \(Self.backupColumns) FROM backup ORDER BY id")
                .map(Self.backup(from:))
        }
    }

    func backups(media tag: String) throws(LetheError) -> [BackupRecord] {
        try erasureGuarded {
            try Row.fetchAll(
                db, sql: "SELECT \(Self.backupColumns) FROM backup WHERE media_tag = ? ORDER BY id", arguments: [tag]
            ).map(Self.backup(from:))
        }
    }

    func backups(store: String, holding subject: String) throws(LetheError) -> [BackupRecord] {
        // The holding (erased ones are kept) dates when the store first held the subject and, once
        // erased, when it stopped: a backup registered in between holds it. Both bounds are
        // inclusive, erring toward "holds".
        guard let dates = try holdingDates(store: store, subject: subject) else { return [] }
        return try erasureGuarded {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.backupColumns) FROM backup
                    WHERE store = ?1 AND kind = 'snapshot' AND shredded_at IS NULL
                        AND registered_at >= ?2 AND registered_at <= coalesce(?3, registered_at)
                    ORDER BY id
                    """, arguments: [store, dates.recorded, dates.erased]
            ).map(Self.backup(from:))
        }
    }

    func erasureRequest(id: Int64) throws(LetheError) -> ErasureRequest? {
        try erasureGuarded {
            try Row.fetchOne(
                db, sql: "SELECT \(Self.requestColumns) FROM erasure_request WHERE id = ?", arguments: [id]
            ).map(Self.request(from:))
        }
    }

    func erasureRequests(openOnly: Bool, dueBefore: Date?) throws(LetheError) -> [ErasureRequest] {
        var sql = "SELECT \(Self.requestColumns) FROM erasure_request"
        var arguments: StatementArguments = []
        if openOnly { sql += " WHERE state = 'open'" }
        if let dueBefore {
            sql += (openOnly ? " AND" : " WHERE") + " due_at < ?"
            arguments += [RFC3339.format(dueBefore)]
        }
        sql += " ORDER BY due_at, id"
        let finalSQL = sql
        let finalArguments = arguments
        return try erasureGuarded {
            try Row.fetchAll(db, sql: finalSQL, arguments: finalArguments).map(Self.request(from:))
        }
    }

    func erasureParts(requestID: Int64) throws(LetheError) -> [ErasurePart] {
        try erasureGuarded {
            try Row.fetchAll(
                db, sql: "SELECT \(Self.partColumns) FROM erasure_part WHERE request_id = ? ORDER BY id",
                arguments: [requestID]
            ).map(Self.part(from:))
        }
    }

    func suppressParts(backupID: Int64) throws(LetheError) -> [ErasurePart] {
        try erasureGuarded {
            try Row.fetchAll(
                db,
                sql:
                    "SELECT \(Self.partColumns) FROM erasure_part WHERE backup_id = ? AND action = 'suppress' ORDER BY id",
                arguments: [backupID]
            ).map(Self.part(from:))
        }
    }

    func erasurePartsToVerify(before: Date) throws(LetheError) -> [(part: ErasurePart, subject: String)] {
        try erasureGuarded {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.partColumns) FROM erasure_part
                    WHERE action = 'execute' AND state IN ('done', 'failed') AND verified_at IS NOT NULL
                        AND verified_at < ?
                    ORDER BY id
                    """, arguments: [RFC3339.format(before)]
            ).map { row in
                let part = try Self.part(from: row)
                return (part, part.outcome["subject"]?.stringValue ?? "")
            }
        }
    }

    func erasedSubjects(store: String) throws(LetheError) -> [String] {
        try erasureGuarded {
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT subject FROM erasure_part
                    WHERE store = ? AND action IN ('execute', 'suppress') AND subject IS NOT NULL
                        AND (action = 'suppress' OR verified_at IS NOT NULL)
                    ORDER BY subject
                    """, arguments: [store])
        }
    }

    func save(_ store: RegisteredStore) throws(LetheError) {
        try erasureGuarded {
            try db.execute(
                sql: """
                    INSERT INTO data_store (name, kind, declaration, applied_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, declaration = excluded.declaration,
                        applied_at = excluded.applied_at
                    """,
                arguments: [store.name, store.kind, Data(store.declaration), RFC3339.format(store.appliedAt)])
        }
    }

    func insert(_ backup: BackupRecord) throws(LetheError) -> BackupRecord {
        let held = try holdingCount(store: backup.store)
        return try erasureGuarded {
            // What it holds is found by query (`backups(store:holding:)`); only the count is kept.
            try db.execute(
                sql: """
                    INSERT INTO backup (\(Self.backupColumns))
                    VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: Self.arguments(backup) + [held, backup.destructionDueAt.map(RFC3339.format)]
                    + Self.residueArguments(backup))
            var stored = backup
            stored.id = db.lastInsertedRowID
            stored.subjectCount = held
            return stored
        }
    }

    func update(_ backup: BackupRecord) throws(LetheError) {
        try erasureGuarded {
            // A shredded key must leave no bytes in the page it was in.
            if backup.sealedKey == nil { try db.execute(sql: "PRAGMA secure_delete = ON") }
            try db.execute(
                sql: """
                    UPDATE backup SET store = ?, file = ?, created_at = ?, expires_at = ?, sealed_key = ?,
                        shredded_at = ?, registered_at = ?, destruction_scheduled_at = ?, media_tag = ?,
                        destruction_due_at = ?, kind = ?, residue_name = ?, residue_kind = ?, retention = ?,
                        undeclared_at = ?
                    WHERE id = ?
                    """,
                arguments: Self.arguments(backup) + [backup.destructionDueAt.map(RFC3339.format)]
                    + Self.residueArguments(backup) + [backup.id])
        }
    }

    func insert(_ request: ErasureRequest) throws(LetheError) -> ErasureRequest {
        try erasureGuarded {
            try db.execute(
                sql: "INSERT INTO erasure_request (\(Self.requestColumns)) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: Self.arguments(request))
            var stored = request
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    func update(_ request: ErasureRequest) throws(LetheError) {
        try erasureGuarded {
            try db.execute(
                sql: """
                    UPDATE erasure_request SET subject = ?, reason = ?, state = ?, due_at = ?, policy_version = ?,
                        requested_by = ?, created_at = ?, completed_at = ? WHERE id = ?
                    """, arguments: Self.arguments(request) + [request.id])
        }
    }

    func insert(_ part: ErasurePart) throws(LetheError) -> ErasurePart {
        let outcome = try CanonicalJSON.encode(part.outcome)
        return try erasureGuarded {
            try db.execute(
                sql:
                    "INSERT INTO erasure_part (\(Self.partColumns), subject) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: Self.arguments(part, outcome: outcome))
            var stored = part
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    func update(_ part: ErasurePart) throws(LetheError) {
        let outcome = try CanonicalJSON.encode(part.outcome)
        try erasureGuarded {
            try db.execute(
                sql: """
                    UPDATE erasure_part SET request_id = ?, store = ?, action = ?, state = ?, backup_id = ?,
                        asset_tag = ?, job_id = ?, final_at = ?, outcome = ?, verified_at = ?, updated_at = ?,
                        subject = ?
                    WHERE id = ?
                    """, arguments: Self.arguments(part, outcome: outcome) + [part.id])
        }
    }

    // MARK: - Rows

    private static func registeredStore(from row: Row) throws -> RegisteredStore {
        let declaration: Data = row[2]
        return RegisteredStore(
            name: row[0], kind: row[1], declaration: Array(declaration), appliedAt: try RFC3339.parse(row[3]))
    }

    private static func optionalDate(_ text: String?) throws -> Date? {
        try text.map { (text) throws in try RFC3339.parse(text) }
    }

    private static func backup(from row: Row) throws -> BackupRecord {
        let key: Data? = row[5]
        return BackupRecord(
            id: row[0], store: row[1], file: row[2], createdAt: try RFC3339.parse(row[3]),
            expiresAt: try optionalDate(row[4]), sealedKey: key.map { Array($0) }, shreddedAt: try optionalDate(row[6]),
            registeredAt: try RFC3339.parse(row[7]), destructionScheduledAt: try optionalDate(row[8]),
            mediaTag: row[9], subjectCount: row[10], destructionDueAt: try optionalDate(row[11]),
            residue: try residue(from: row))
    }

    /// A rolling backup's declaration (columns 13 to 16), or nil for a snapshot.
    private static func residue(from row: Row) throws -> RollingResidue? {
        let kind: String = row[12]
        guard kind == "rolling" else { return nil }
        let word: String = row[14]
        guard let residueKind = ResidueKind(rawValue: word) else {
            throw LetheError(.internal, "stored residue kind '\(word)' is not known to this version of Lethe")
        }
        let retention: String? = row[15]
        return RollingResidue(
            name: row[13], kind: residueKind, retention: retention.flatMap(ISODuration.parse),
            undeclaredAt: try optionalDate(row[16]))
    }

    private static func residueArguments(_ backup: BackupRecord) -> StatementArguments {
        [
            backup.kind.rawValue, backup.residue?.name, backup.residue?.kind.rawValue,
            backup.residue?.retention?.description, backup.residue?.undeclaredAt.map(RFC3339.format),
        ]
    }

    private static func arguments(_ backup: BackupRecord) -> StatementArguments {
        [
            backup.store, backup.file, RFC3339.format(backup.createdAt), backup.expiresAt.map(RFC3339.format),
            backup.sealedKey.map { Data($0) }, backup.shreddedAt.map(RFC3339.format),
            RFC3339.format(backup.registeredAt), backup.destructionScheduledAt.map(RFC3339.format), backup.mediaTag,
        ]
    }

    private static func request(from row: Row) throws -> ErasureRequest {
        let reason: String = row[2]
        guard let parsed = ErasureReason(rawValue: reason) else {
            throw LetheError(.internal, "stored erasure reason '\(reason)' is not known to this version of Lethe")
        }
        let state: String = row[3]
        guard let known = ErasureRequestState(rawValue: state) else {
            throw LetheError(.internal, "stored erasure request state '\(state)' is not known to this version of Lethe")
        }
        return ErasureRequest(
            id: row[0], subject: row[1], reason: parsed, state: known, dueAt: try RFC3339.parse(row[4]),
            policyVersion: row[5], requestedBy: row[6], createdAt: try RFC3339.parse(row[7]),
            completedAt: try optionalDate(row[8]))
    }

    private static func arguments(_ request: ErasureRequest) -> StatementArguments {
        [
            request.subject, request.reason.rawValue, request.state.rawValue, RFC3339.format(request.dueAt),
            request.policyVersion, request.requestedBy, RFC3339.format(request.createdAt),
            request.completedAt.map(RFC3339.format),
        ]
    }

    private static func part(from row: Row) throws -> ErasurePart {
        let action: String = row[3]
        guard let parsed = ErasurePartAction(rawValue: action) else {
            throw LetheError(.internal, "stored erasure action '\(action)' is not known to this version of Lethe")
        }
        let state: String = row[4]
        guard let known = ErasurePartState(rawValue: state) else {
            throw LetheError(.internal, "stored erasure part state '\(state)' is not known to this version of Lethe")
        }
        let outcome: Data = row[9]
        return ErasurePart(
            id: row[0], requestID: row[1], store: row[2], action: parsed, state: known, backupID: row[5],
            assetTag: row[6], jobID: row[7], finalAt: try optionalDate(row[8]),
            outcome: try CanonicalJSON.decode(Array(outcome)), verifiedAt: try optionalDate(row[10]),
            updatedAt: try RFC3339.parse(row[11]))
    }

    private static func arguments(_ part: ErasurePart, outcome: [UInt8]) -> StatementArguments {
        [
            part.requestID, part.store, part.action.rawValue, part.state.rawValue, part.backupID, part.assetTag,
            part.jobID,
            part.finalAt.map(RFC3339.format), Data(outcome), part.verifiedAt.map(RFC3339.format),
            RFC3339.format(part.updatedAt),
            // The keyed hash the part concerns, as a column: queries by subject read no JSON.
            part.outcome["subject"]?.stringValue,
        ]
    }

    private func erasureGuarded<T>(_ work: () throws -> T) throws(LetheError) -> T {
        do {
            return try work()
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
    }
}
