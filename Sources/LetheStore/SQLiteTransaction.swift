import Foundation
import GRDB
import LetheCore

/// The SQLite implementation of the store's read and write sessions, bound to one GRDB
/// `Database` inside one transaction.
struct SQLiteTransaction: StoreWriting {
    let db: Database
    /// The newest sequence number, read once per transaction and then counted locally.
    private let lastSeq = Box<Int64?>(nil)

    final class Box<Value> {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    init(db: Database) {
        self.db = db
    }

    private static let assetColumns = """
        tag, serial, make, model, media_type, capacity_bytes, location, custodian, classification, encryption,
        parent_tag, notes, state, destination, registered_at, updated_at
        """

    func asset(tag: String) throws(LetheError) -> Asset? {
        try guarded {
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.assetColumns) FROM asset WHERE tag = ?"),
                arguments: [tag]
            ).map(Self.asset(from:))
        }
    }

    func assets(_ query: AssetQuery) throws(LetheError) -> [Asset] {
        let (whereSQL, arguments) = Self.filter(query, paginate: true)
        var sql = "SELECT \(Self.assetColumns) FROM asset\(whereSQL) ORDER BY tag"
        var allArguments = arguments
        if let limit = query.limit {
            sql += " LIMIT ?"
            allArguments += [limit]
        }
        return try guarded {
            try Row.fetchAll(db, sql: sql, arguments: allArguments).map(Self.asset(from:))
        }
    }

    func countAssets(_ query: AssetQuery) throws(LetheError) -> Int {
        let (whereSQL, arguments) = Self.filter(query, paginate: false)
        return try guarded {
            try Int.fetchOne(db, sql: "SELECT count(*) FROM asset\(whereSQL)", arguments: arguments) ?? 0
        }
    }

    private static func filter(_ query: AssetQuery, paginate: Bool) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let state = query.state {
            clauses.append("state = ?")
            arguments += [state.rawValue]
        }
        if let mediaType = query.mediaType {
            clauses.append("media_type = ?")
            arguments += [mediaType.rawValue]
        }
        if let location = query.location {
            clauses.append("location = ?")
            arguments += [location]
        }
        if let parentTag = query.parentTag {
            clauses.append("parent_tag = ?")
            arguments += [parentTag]
        }
        if paginate, let after = query.afterTag {
            clauses.append("tag > ?")
            arguments += [after]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    func events(assetTag: String) throws(LetheError) -> [Event] {
        try fetchEvents(sql: "SELECT body FROM event WHERE asset_tag = ? ORDER BY seq", arguments: [assetTag])
    }

    func events(fromSeq: Int64, limit: Int) throws(LetheError) -> [Event] {
        try fetchEvents(sql: "SELECT body FROM event WHERE seq >= ? ORDER BY seq LIMIT ?", arguments: [fromSeq, limit])
    }

    func lastEvent() throws(LetheError) -> Event? {
        try fetchEvents(sql: "SELECT body FROM event ORDER BY seq DESC LIMIT 1", arguments: []).first
    }

    func eventCount() throws(LetheError) -> Int64 {
        try guarded { try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM event") ?? 0 }
    }

    private func fetchEvents(sql: String, arguments: StatementArguments) throws(LetheError) -> [Event] {
        let bodies = try guarded { try Data.fetchAll(db, sql: sql, arguments: arguments).map { [UInt8]($0) } }
        return try bodies.map { (bytes) throws(LetheError) in try Event(storedBytes: bytes) }
    }

    func insert(_ asset: Asset) throws(LetheError) {
        do {
            try db.cachedStatement(
                sql: "INSERT INTO asset (\(Self.assetColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ).execute(arguments: Self.arguments(asset))
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw LetheError(.conflict, "asset tag '\(asset.tag)' is already registered")
        } catch {
            throw SQLiteStore.map(error, path: db.description)
        }
    }

    func update(_ asset: Asset) throws(LetheError) {
        try guarded {
            try db.cachedStatement(
                sql: """
                    UPDATE asset SET tag = ?, serial = ?, make = ?, model = ?, media_type = ?, capacity_bytes = ?,
                        location = ?, custodian = ?, classification = ?, encryption = ?, parent_tag = ?, notes = ?,
                        state = ?, destination = ?, registered_at = ?, updated_at = ?
                    WHERE tag = ?
                    """
            ).execute(arguments: Self.arguments(asset) + [asset.tag])
            guard db.changesCount == 1 else {
                throw LetheError(.notFound, "asset \(asset.tag) is not registered")
            }
        }
    }

    func append(_ draft: EventDraft, actor: String, at time: Date) throws(LetheError) -> Event {
        let previous: Int64
        if let cached = lastSeq.value { previous = cached } else { previous = try eventCount() }
        let seq = previous + 1
        let event = try Event(seq: seq, recordedAt: time, actor: actor, draft: draft)
        try guarded {
            try db.cachedStatement(
                sql: "INSERT INTO event (seq, recorded_at, actor, type, asset_tag, body) VALUES (?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [
                seq, RFC3339.format(event.recordedAt), actor, draft.type.rawValue, draft.assetTag, Data(event.bytes),
            ])
        }
        lastSeq.value = seq
        return event
    }

    func registrationMark() throws(LetheError) -> Int64 {
        try guarded { try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM asset") ?? 0 }
    }

    func registeredSince(_ mark: Int64, tag: String) throws(LetheError) -> Bool {
        try guarded {
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT id > ? FROM asset WHERE tag = ?"), arguments: [mark, tag]) ?? false
        }
    }

    func deferParentCheck(_ pending: PendingParent) throws(LetheError) {
        try guarded {
            try db.execute(
                sql:
                    "CREATE TEMP TABLE IF NOT EXISTS pending_parent (line INTEGER NOT NULL, tag TEXT NOT NULL, parent TEXT NOT NULL)"
            )
            try db.cachedStatement(sql: "INSERT INTO temp.pending_parent (line, tag, parent) VALUES (?, ?, ?)")
                .execute(arguments: [pending.line, pending.tag, pending.parentTag])
        }
    }

    func unresolvedParents(limit: Int) throws(LetheError) -> (first: [PendingParent], total: Int) {
        try guarded {
            let exists =
                try Bool.fetchOne(db, sql: "SELECT count(*) > 0 FROM sqlite_temp_master WHERE name = 'pending_parent'")
                ?? false
            guard exists else { return ([], 0) }
            // A parent that exists now, whose own chain of parents ends without reaching the child.
            let problems = """
                WITH RECURSIVE chain(line, tag, ancestor, depth) AS (
                    SELECT line, tag, parent, 1 FROM temp.pending_parent
                    UNION ALL
                    SELECT chain.line, chain.tag, asset.parent_tag, chain.depth + 1
                    FROM chain JOIN asset ON asset.tag = chain.ancestor
                    WHERE asset.parent_tag IS NOT NULL AND chain.ancestor <> chain.tag AND chain.depth < 64
                )
                SELECT p.line, p.tag, p.parent FROM temp.pending_parent p
                WHERE NOT EXISTS (SELECT 1 FROM asset WHERE asset.tag = p.parent)
                   OR EXISTS (SELECT 1 FROM chain WHERE chain.line = p.line AND chain.ancestor = p.tag)
                ORDER BY p.line
                """
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(problems))") ?? 0
            let rows = try Row.fetchAll(db, sql: problems + " LIMIT ?", arguments: [limit])
            try db.execute(sql: "DROP TABLE temp.pending_parent")
            return (rows.map { PendingParent(line: $0[0], tag: $0[1], parentTag: $0[2]) }, total)
        }
    }

    // MARK: - Rows

    private static func arguments(_ asset: Asset) -> StatementArguments {
        [
            asset.tag, asset.serial, asset.make, asset.model, asset.mediaType.rawValue, asset.capacityBytes,
            asset.location, asset.custodian, asset.classification.rawValue, asset.encryption.rawValue,
            asset.parentTag, asset.notes, asset.state.rawValue, asset.destination?.rawValue,
            RFC3339.format(asset.registeredAt), RFC3339.format(asset.updatedAt),
        ]
    }

    private static func asset(from row: Row) throws -> Asset {
        func word<V: LetheVocabulary>(_ index: Int, _ type: V.Type) throws -> V {
            let text: String = row[index]
            guard let value = V(rawValue: text) else {
                throw LetheError(.internal, "stored \(V.fieldName) '\(text)' is not known to this version of Lethe")
            }
            return value
        }
        let destination: String? = row[13]
        return Asset(
            tag: row[0], serial: row[1], make: row[2], model: row[3], mediaType: try word(4, MediaType.self),
            capacityBytes: row[5], location: row[6], custodian: row[7],
            classification: try word(8, Classification.self), encryption: try word(9, Encryption.self),
            parentTag: row[10], notes: row[11], state: try word(12, LifecycleState.self),
            destination: try destination.map { (text) throws in
                guard let value = Destination(rawValue: text) else {
                    throw LetheError(.internal, "stored destination '\(text)' is not known to this version of Lethe")
                }
                return value
            },
            registeredAt: try RFC3339.parse(row[14]), updatedAt: try RFC3339.parse(row[15]))
    }

    /// Runs GRDB work, turning its errors into Lethe's.
    private func guarded<T>(_ work: () throws -> T) throws(LetheError) -> T {
        do {
            return try work()
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
    }
}
