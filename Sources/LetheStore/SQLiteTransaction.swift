import Foundation
import GRDB
import GRDBSQLite
import LetheCore

/// The SQLite implementation of the store's read and write sessions, bound to one GRDB
/// `Database` inside one transaction.
struct SQLiteTransaction: StoreWriting {
    let db: Database
    /// The newest sequence number, read once per transaction and then counted locally.
    private let lastSeq = Box<Int64?>(nil)
    private let lastDate = Box<(Date, String)?>(nil)
    /// The hash functions of the evidence log; nil only for stores opened without one (tools, tests).
    let logHasher: (any LogHasher)?
    /// The log's right edge, loaded at the transaction's first append and then kept in memory.
    let frontier = Box<LogFrontier?>(nil)

    final class Box<Value> {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    init(db: Database, logHasher: (any LogHasher)?) {
        self.db = db
        self.logHasher = logHasher
    }

    static let assetColumns = """
        tag, serial, make, model, media_type, capacity_bytes, location, custodian, classification, encryption,
        parent_tag, notes, state, destination, registered_at, updated_at
        """

    func asset(tag: String) throws(LetheError) -> Asset? {
        try guarded {
            try fetchAssets(
                db.cachedStatement(sql: "SELECT \(Self.assetColumns) FROM asset WHERE tag = ?"), [tag], limit: 1
            ).first
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
            // Cached by its text: the filters make a few dozen shapes at most, the values are bound.
            try fetchAssets(db.cachedStatement(sql: sql), allArguments)
        }
    }

    func attachedAssets(to parentTag: String) throws(LetheError) -> [(tag: String, state: LifecycleState)] {
        try guarded {
            let statement = try db.cachedStatement(
                sql: "SELECT tag, state FROM asset WHERE parent_tag = ? ORDER BY tag")
            try statement.setArguments([parentTag])
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            var attached: [(tag: String, state: LifecycleState)] = []
            while true {
                switch sqlite3_step(handle) {
                case SQLITE_ROW:
                    let tag = Self.text(handle, 0) ?? ""
                    let stored = Self.text(handle, 1) ?? ""
                    guard let state = LifecycleState(rawValue: stored) else {
                        throw LetheError(.internal, "stored state '\(stored)' is not known to this version of Lethe")
                    }
                    attached.append((tag, state))
                case SQLITE_DONE: return attached
                default: throw stepFailure()
                }
            }
        }
    }

    /// The assets a statement selecting ``assetColumns`` returns, read through the C API: GRDB's
    /// `Row` builds a map of the column names for every statement it runs, which cost a reader of
    /// one asset (`GET /api/v1/assets/{tag}`) more than the SQL did.
    func fetchAssets(
        _ statement: Statement, _ arguments: StatementArguments, limit: Int = .max
    ) throws -> [Asset] {
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        var assets: [Asset] = []
        while assets.count < limit {
            switch sqlite3_step(handle) {
            case SQLITE_ROW: assets.append(try Self.asset(handle))
            case SQLITE_DONE: return assets
            default: throw stepFailure()
            }
        }
        return assets
    }

    /// A column of the current row as text, or nil when it is NULL.
    static func text(_ handle: SQLiteStatement, _ index: Int32) -> String? {
        guard sqlite3_column_type(handle, index) != SQLITE_NULL, let bytes = sqlite3_column_text(handle, index)
        else { return nil }
        return String(
            decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, index))), as: UTF8.self)
    }

    /// The asset in the current row of a statement selecting ``assetColumns``.
    static func asset(_ handle: SQLiteStatement) throws(LetheError) -> Asset {
        func text(_ index: Int32) -> String? { Self.text(handle, index) }
        func word<V: LetheVocabulary>(_ index: Int32, _ type: V.Type) throws(LetheError) -> V {
            let text = text(index) ?? ""
            guard let value = V(rawValue: text) else {
                throw LetheError(.internal, "stored \(V.fieldName) '\(text)' is not known to this version of Lethe")
            }
            return value
        }
        var destination: Destination?
        if let stored = text(13) {
            guard let value = Destination(rawValue: stored) else {
                throw LetheError(.internal, "stored destination '\(stored)' is not known to this version of Lethe")
            }
            destination = value
        }
        let capacity: Int64? =
            sqlite3_column_type(handle, 5) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, 5)
        return Asset(
            tag: text(0) ?? "", serial: text(1), make: text(2), model: text(3), mediaType: try word(4, MediaType.self),
            capacityBytes: capacity, location: text(6), custodian: text(7),
            classification: try word(8, Classification.self), encryption: try word(9, Encryption.self),
            parentTag: text(10), notes: text(11), state: try word(12, LifecycleState.self), destination: destination,
            registeredAt: try RFC3339.parse(text(14) ?? ""), updatedAt: try RFC3339.parse(text(15) ?? ""))
    }

    func countAssets(_ query: AssetQuery) throws(LetheError) -> Int {
        let (whereSQL, arguments) = Self.filter(query, paginate: false)
        return try guarded {
            try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM asset\(whereSQL)"), arguments: arguments)
                ?? 0
        }
    }

    /// Text for a LIKE pattern with `ESCAPE '\'`: its own backslash, `%` and `_` escaped, so that they
    /// match only themselves.
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
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
        if let classification = query.classification {
            clauses.append("classification = ?")
            arguments += [classification.rawValue]
        }
        if let text = query.text, !text.isEmpty {
            // LIKE with the text's own %, _ and \ escaped, so it is matched literally. LIKE ignores
            // ASCII case as lower() did, without making a lowered copy of six columns per row
            // (a third of the time on a million rows).
            let escaped = Self.likeEscaped(text)
            let columns = ["tag", "serial", "make", "model", "location", "custodian"]
            clauses.append("(" + columns.map { "\($0) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
            arguments += StatementArguments(Array(repeating: "%" + escaped + "%", count: columns.count))
        }
        if paginate, let after = query.afterTag {
            clauses.append("tag > ?")
            arguments += [after]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    func events(assetTag: String) throws(LetheError) -> [Event] {
        try fetchEvents(
            sql: """
                SELECT seq, body FROM event WHERE asset_tag = ?
                UNION
                SELECT event.seq, event.body FROM asset
                    JOIN asset_import ON asset_import.id = asset.import_id
                    JOIN event ON event.seq = asset_import.event_seq
                WHERE asset.tag = ?
                ORDER BY seq
                """,
            arguments: [assetTag, assetTag], bodyColumn: 1)
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

    func fetchEvents(
        sql: String, arguments: StatementArguments, bodyColumn: Int = 0
    ) throws(LetheError)
        -> [Event]
    {
        let bodies = try guarded {
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row -> [UInt8] in
                let data: Data = row[bodyColumn]
                return [UInt8](data)
            }
        }
        return try bodies.map { (bytes) throws(LetheError) in try Event(storedBytes: bytes) }
    }

    func insert(_ asset: Asset, importID: Int64?, line: Int?) throws(LetheError) {
        // The hot path of an import: bound through the C API of GRDB's cached statement, which
        // avoids boxing every value in an existential (measured: a third of the per-row cost).
        let statement: Statement
        do {
            statement = try db.cachedStatement(
                sql:
                    "INSERT INTO asset (\(Self.assetColumns), import_id, import_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            )
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let registered = formatted(asset.registeredAt)
        let updated = asset.updatedAt == asset.registeredAt ? registered : formatted(asset.updatedAt)
        let texts: [String?] = [
            asset.tag, asset.serial, asset.make, asset.model, asset.mediaType.rawValue, nil, asset.location,
            asset.custodian, asset.classification.rawValue, asset.encryption.rawValue, asset.parentTag, asset.notes,
            asset.state.rawValue, asset.destination?.rawValue, registered, updated,
        ]
        for (index, text) in texts.enumerated() {
            guard var text else { continue }
            _ = text.withUTF8 { buffer in
                sqlite3_bind_text(handle, Int32(index + 1), buffer.baseAddress, Int32(buffer.count), Self.transient)
            }
        }
        if let capacity = asset.capacityBytes { sqlite3_bind_int64(handle, 6, capacity) }
        if let importID { sqlite3_bind_int64(handle, 17, importID) }
        if let line { sqlite3_bind_int64(handle, 18, Int64(line)) }
        let result = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard result == SQLITE_DONE else {
            if sqlite3_extended_errcode(db.sqliteConnection) == ResultCode.SQLITE_CONSTRAINT_UNIQUE.rawValue {
                throw LetheError(.conflict, "asset tag '\(asset.tag)' is already registered")
            }
            throw stepFailure()
        }
    }

    /// RFC 3339 text of a date, remembered for the next call: an import stamps every row alike.
    func formatted(_ date: Date) -> String {
        if let (last, text) = lastDate.value, last == date { return text }
        let text = RFC3339.format(date)
        lastDate.value = (date, text)
        return text
    }

    /// The error a user sees for a failed `sqlite3_step` on this connection (read right after it,
    /// before another statement runs).
    func stepFailure() -> LetheError {
        let connection = db.sqliteConnection
        return SQLiteStore.map(
            DatabaseError(
                resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                message: String(cString: sqlite3_errmsg(connection))),
            path: "lethe.sqlite")
    }

    /// SQLite copies bound text before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func beginImport(fileName: String, sha256: String, format: String) throws(LetheError) -> Int64 {
        try guarded {
            // A larger page cache for the bulk insert (32 MiB, back to the default when the
            // connection is next opened); it keeps the index pages of a large import in memory.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            try db.execute(
                sql: "INSERT INTO asset_import (file_name, sha256, format) VALUES (?, ?, ?)",
                arguments: [fileName, sha256, format])
            return db.lastInsertedRowID
        }
    }

    func finishImport(id: Int64, eventSeq: Int64, sha256: String) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: "UPDATE asset_import SET event_seq = ?, sha256 = ? WHERE id = ?",
                arguments: [eventSeq, sha256, id])
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

    func setState(
        tag: String, from: LifecycleState, to: LifecycleState, destination: Destination?, at time: Date
    ) throws(LetheError) {
        try guarded {
            try db.cachedStatement(
                sql: """
                    UPDATE asset SET state = ?, destination = ?, updated_at = ?,
                        retired_at = CASE WHEN ? = 'retired' THEN ? ELSE retired_at END
                    WHERE tag = ? AND state = ?
                    """
            ).execute(
                arguments: [
                    to.rawValue, destination?.rawValue, formatted(time), to.rawValue, formatted(time), tag,
                    from.rawValue,
                ])
        }
        guard db.changesCount == 1 else {
            let current = try asset(tag: tag)
            guard let current else { throw LetheError(.notFound, "asset \(tag) is not registered") }
            throw LetheError(
                .conflict,
                "asset \(tag) is \(current.state.rawValue), not \(from.rawValue): it changed while this change was prepared; try again"
            )
        }
    }

    func append(_ draft: EventDraft, actor: String, at time: Date) throws(LetheError) -> Event {
        let previous: Int64
        if let cached = lastSeq.value { previous = cached } else { previous = try eventCount() }
        let event = try Event(seq: previous + 1, recordedAt: time, actor: actor, draft: draft)
        try insert(event, previous: previous)
        return event
    }

    func append(built event: Event) throws(LetheError) {
        let previous: Int64
        if let cached = lastSeq.value { previous = cached } else { previous = try eventCount() }
        guard event.seq == previous + 1 else {
            throw LetheError(
                .internal, "event \(event.seq) was built for another place in the log than \(previous + 1)")
        }
        try insert(event, previous: previous)
    }

    private func insert(_ event: Event, previous: Int64) throws(LetheError) {
        // The event is entry seq − 1 of the evidence log: its leaf hash and the subtree hashes it
        // completes are written in this same transaction.
        let leafHash = logHasher.map { $0.leafHash(event.bytes) }
        let recordedAt = formatted(event.recordedAt)
        try executeBound(
            "INSERT INTO event (seq, recorded_at, actor, type, asset_tag, body, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ) { handle in
            Bind.integer(handle, 1, event.seq)
            Bind.text(handle, 2, recordedAt)
            Bind.text(handle, 3, event.actor)
            Bind.text(handle, 4, event.type.rawValue)
            Bind.text(handle, 5, event.assetTag)
            Bind.blob(handle, 6, event.bytes)
            Bind.blob(handle, 7, leafHash)
        }
        if let leafHash { try appendToLog(leafHash: leafHash, previousSize: previous) }
        lastSeq.value = event.seq
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

    /// Runs GRDB work, turning its errors into Lethe's.
    func guarded<T>(_ work: () throws -> T) throws(LetheError) -> T {
        do {
            return try work()
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
    }
}
