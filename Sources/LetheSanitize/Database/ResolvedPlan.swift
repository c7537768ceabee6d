import GRDB
import LetheCore

/// A table or column name found in the schema, quoted for SQL.
struct SQLName: Sendable, Hashable {
    /// The name as the schema spells it.
    let name: String
    /// The name quoted as an SQL identifier.
    var quoted: String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

/// An ``ErasurePlan`` whose every table and column was found in the database's schema.
struct ResolvedPlan {
    struct Step {
        let table: SQLName
        let matchColumn: SQLName
        let erasure: ResolvedErasure
    }

    enum ResolvedErasure {
        case deleteRow
        case columns([(SQLName, ColumnErasureAction)])

        var label: String {
            switch self {
            case .deleteRow: return "delete-row"
            case .columns(let list):
                return list.map { name, action in
                    switch action {
                    case .setNull: "\(name.name)=set-null"
                    case .keyedHash: "\(name.name)=keyed-hash"
                    case .replace: "\(name.name)=replace"
                    }
                }.joined(separator: ", ")
            }
        }
    }

    let identityTable: SQLName
    let identityColumn: SQLName
    let keyColumn: SQLName
    let identityErasure: ResolvedErasure
    let references: [Step]

    init(_ plan: ErasurePlan, store: String, db: Database) throws {
        var cache: [String: (SQLName, [String: SQLName])] = [:]
        func table(_ name: String) throws -> (SQLName, [String: SQLName]) {
            if let found = cache[name.lowercased()] { return found }
            let row = try Row.fetchOne(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
                arguments: [name])
            guard let real: String = row?["name"] else {
                throw LetheError(
                    .invalidInput,
                    "store '\(store)': table '\(name)' does not exist in the database; fix the data map. Nothing was changed"
                )
            }
            let tableName = SQLName(name: real)
            var columns: [String: SQLName] = [:]
            for info in try Row.fetchAll(db, sql: "PRAGMA table_info(\(tableName.quoted))") {
                let column: String = info["name"]
                columns[column.lowercased()] = SQLName(name: column)
            }
            cache[name.lowercased()] = (tableName, columns)
            return (tableName, columns)
        }
        func column(_ name: String, of tableName: String) throws -> SQLName {
            let (real, columns) = try table(tableName)
            guard let found = columns[name.lowercased()] else {
                throw LetheError(
                    .invalidInput,
                    "store '\(store)': table '\(real.name)' has no column '\(name)' (it has \(columns.values.map(\.name).sorted().joined(separator: ", "))); fix the data map. Nothing was changed"
                )
            }
            return found
        }
        func erasure(_ erasure: TableErasure, of tableName: String) throws -> ResolvedErasure {
            switch erasure {
            case .deleteRow: return .deleteRow
            case .columns(let list):
                return .columns(try list.map { (try column($0.column, of: tableName), $0.action) })
            }
        }
        identityTable = try table(plan.identityTable).0
        identityColumn = try column(plan.identityColumn, of: plan.identityTable)
        keyColumn = try column(plan.keyColumn, of: plan.identityTable)
        identityErasure = try erasure(plan.identityErasure, of: plan.identityTable)
        references = try plan.references.map {
            Step(
                table: try table($0.table).0, matchColumn: try column($0.column, of: $0.table),
                erasure: try erasure($0.erasure, of: $0.table))
        }
        if case .columns(let list) = identityErasure, !list.contains(where: { $0.0 == identityColumn }) {
            throw LetheError(
                .invalidInput,
                "store '\(store)': the erasure of table '\(identityTable.name)' keeps column '\(identityColumn.name)', so the subject would still be found; erase that column too (keyed-hash, set-null or replace) or use delete-row"
            )
        }
    }

    /// A name for the identity table's row id that no column shadows, or nil when it has none
    /// (`WITHOUT ROWID`, or `rowid`, `_rowid_` and `oid` are all column names).
    func rowIDAlias(_ db: Database) throws -> String? {
        let columns = Set(
            try Row.fetchAll(db, sql: "PRAGMA table_info(\(identityTable.quoted))").map {
                (($0["name"] as String?) ?? "").lowercased()
            })
        guard let alias = ["rowid", "_rowid_", "oid"].first(where: { !columns.contains($0) }) else { return nil }
        do {
            _ = try db.makeStatement(sql: "SELECT \(alias) FROM \(identityTable.quoted) LIMIT 0")
        } catch {
            return nil  // WITHOUT ROWID
        }
        return alias
    }

    /// Applies the plan inside the caller's transaction. Returns the identity rows matched and the outcomes.
    ///
    /// With `identityRows` (row ids found by hashing the identity column in this transaction, and
    /// `alias` to name them) the rows are addressed by row id; without, every identity value is
    /// hashed again through `lethe_subject_match`.
    func apply(_ db: Database, identityRows: [Int64]? = nil, alias: String? = nil) throws -> (Int, [TableOutcome]) {
        let match = "lethe_subject_match(\(identityColumn.quoted))"
        let rowBatches: [[DatabaseValue]]? = identityRows.map { rows in
            stride(from: 0, to: rows.count, by: 500).map { rows[$0..<min($0 + 500, rows.count)].map(\.databaseValue) }
        }
        let keys: [DatabaseValue]
        if let rowBatches, let alias {
            var found: [DatabaseValue] = []
            for batch in rowBatches {
                found += try DatabaseValue.fetchAll(
                    db,
                    sql:
                        "SELECT \(keyColumn.quoted) FROM \(identityTable.quoted) WHERE \(alias) IN (\(Self.marks(batch.count)))",
                    arguments: StatementArguments(batch))
            }
            keys = found.filter { !$0.isNull }
        } else {
            keys = try DatabaseValue.fetchAll(
                db, sql: "SELECT \(keyColumn.quoted) FROM \(identityTable.quoted) WHERE \(match)"
            ).filter { !$0.isNull }
        }
        var outcomes: [TableOutcome] = []
        for step in references {
            let before = try count(db, step.table)
            var matched = 0
            var affected = 0
            for batch in stride(from: 0, to: keys.count, by: 500) {
                let slice = Array(keys[batch..<min(batch + 500, keys.count)])
                let condition = "\(step.matchColumn.quoted) IN (\(Self.marks(slice.count)))"
                matched +=
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM \(step.table.quoted) WHERE \(condition)",
                        arguments: StatementArguments(slice)) ?? 0
                affected += try run(db, step.erasure, table: step.table, identity: false, condition: condition, slice)
            }
            outcomes.append(
                TableOutcome(
                    table: step.table.name, action: step.erasure.label, matchedRows: matched, rowsAffected: affected,
                    totalRowsBefore: before, totalRowsAfter: try count(db, step.table)))
        }
        let before = try count(db, identityTable)
        let matched: Int
        var affected = 0
        if let rowBatches, let alias {
            matched = rowBatches.reduce(0) { $0 + $1.count }
            for batch in rowBatches {
                affected += try run(
                    db, identityErasure, table: identityTable, identity: true,
                    condition: "\(alias) IN (\(Self.marks(batch.count)))", batch)
            }
        } else {
            matched = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(identityTable.quoted) WHERE \(match)") ?? 0
            affected = try run(db, identityErasure, table: identityTable, identity: true, condition: match, [])
        }
        outcomes.append(
            TableOutcome(
                table: identityTable.name, action: identityErasure.label, matchedRows: matched, rowsAffected: affected,
                totalRowsBefore: before, totalRowsAfter: try count(db, identityTable)))
        return (matched, outcomes)
    }

    private static func marks(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    private func count(_ db: Database, _ table: SQLName) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.quoted)") ?? 0
    }

    private func run(
        _ db: Database, _ erasure: ResolvedErasure, table: SQLName, identity: Bool, condition: String,
        _ keys: [DatabaseValue]
    ) throws -> Int {
        var arguments = StatementArguments()
        let sql: String
        switch erasure {
        case .deleteRow:
            sql = "DELETE FROM \(table.quoted) WHERE \(condition)"
        case .columns(let list):
            let assignments = list.map { name, action -> String in
                switch action {
                case .setNull: return "\(name.quoted) = NULL"
                case .replace(let text):
                    arguments += [text]
                    return "\(name.quoted) = ?"
                case .keyedHash:
                    let function = identity && name == identityColumn ? "lethe_subject_hash" : "lethe_keyed_hash"
                    return "\(name.quoted) = \(function)(\(name.quoted))"
                }
            }
            sql = "UPDATE \(table.quoted) SET \(assignments.joined(separator: ", ")) WHERE \(condition)"
        }
        arguments += StatementArguments(keys)
        try db.execute(sql: sql, arguments: arguments)
        return db.changesCount
    }
}
