import LetheCore
import PostgresNIO

/// A column found in the live schema: its name, quoted, and its type, quoted, for casts.
struct PostgresColumn: Sendable, Hashable {
    let name: String
    let type: String
    var quoted: String { PostgresPlan.quote(name) }
}

/// An ``ErasurePlan`` whose every table and column was found in `information_schema` (the
/// current schema, the first of the search path): names as the server spells them, quoted.
struct PostgresPlan: Sendable {
    struct Table: Sendable {
        let name: String
        let columns: [String: PostgresColumn]
        var quoted: String { PostgresPlan.quote(name) }
    }

    enum Erasure: Sendable {
        case deleteRow
        case columns([(PostgresColumn, ColumnErasureAction)])

        var label: String {
            switch self {
            case .deleteRow: return "delete-row"
            case .columns(let list):
                return list.map { column, action in
                    switch action {
                    case .setNull: "\(column.name)=set-null"
                    case .keyedHash: "\(column.name)=keyed-hash"
                    case .replace: "\(column.name)=replace"
                    }
                }.joined(separator: ", ")
            }
        }
    }

    struct Step: Sendable {
        let table: Table
        let column: PostgresColumn
        let erasure: Erasure
    }

    let identityTable: Table
    let identityColumn: PostgresColumn
    let keyColumn: PostgresColumn
    let identityErasure: Erasure
    let references: [Step]

    static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// Reads the columns of the plan's tables and checks every name; fails naming what is missing.
    static func resolve(_ plan: ErasurePlan, session: PostgresSession) async throws(LetheError) -> PostgresPlan {
        let store = session.store
        let wanted = Set([plan.identityTable] + plan.references.map(\.table))
        var binds = PostgresBindings()
        binds.append(wanted.map { $0.lowercased() })
        let sequence = try await session.rows(
            """
            SELECT table_name::text, column_name::text, quote_ident(udt_schema::text) || '.' || quote_ident(udt_name::text)
            FROM information_schema.columns
            WHERE table_schema = current_schema() AND lower(table_name::text) = ANY($1)
            """, binds)
        var tables: [String: [String: PostgresColumn]] = [:]
        do {
            for try await (table, column, type) in sequence.decode((String, String, String).self) {
                tables[table, default: [:]][column] = PostgresColumn(name: column, type: type)
            }
        } catch {
            throw PostgresErrors.translate(error, store: store, place: session.place, table: nil)
        }
        func table(_ name: String) throws(LetheError) -> Table {
            if let columns = tables[name] { return Table(name: name, columns: columns) }
            let folded = tables.keys.filter { $0.lowercased() == name.lowercased() }
            if folded.count == 1, let real = folded.first { return Table(name: real, columns: tables[real]!) }
            throw LetheError(
                .invalidInput,
                "store '\(store)': table '\(name)' does not exist in the database's current schema; fix the data map. Nothing was changed"
            )
        }
        func column(_ name: String, of table: Table) throws(LetheError) -> PostgresColumn {
            if let found = table.columns[name] { return found }
            let folded = table.columns.keys.filter { $0.lowercased() == name.lowercased() }
            if folded.count == 1, let real = folded.first { return table.columns[real]! }
            throw LetheError(
                .invalidInput,
                "store '\(store)': table '\(table.name)' has no column '\(name)' (it has \(table.columns.keys.sorted().joined(separator: ", "))); the schema changed or the data map is wrong: fix the data map and run 'lethe store apply'. Nothing was changed"
            )
        }
        func erasure(_ erasure: TableErasure, of table: Table) throws(LetheError) -> Erasure {
            switch erasure {
            case .deleteRow: return .deleteRow
            case .columns(let list):
                var resolved: [(PostgresColumn, ColumnErasureAction)] = []
                for item in list { resolved.append((try column(item.column, of: table), item.action)) }
                return .columns(resolved)
            }
        }
        let identity = try table(plan.identityTable)
        var steps: [Step] = []
        for reference in plan.references {
            let referring = try table(reference.table)
            steps.append(
                Step(
                    table: referring, column: try column(reference.column, of: referring),
                    erasure: try erasure(reference.erasure, of: referring)))
        }
        return PostgresPlan(
            identityTable: identity, identityColumn: try column(plan.identityColumn, of: identity),
            keyColumn: try column(plan.keyColumn, of: identity),
            identityErasure: try erasure(plan.identityErasure, of: identity), references: steps)
    }
}
