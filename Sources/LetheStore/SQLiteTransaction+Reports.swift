import Foundation
import GRDB
import LetheCore

extension SQLiteTransaction {
    private static let definitionColumns =
        "id, name, kind, period, format, program_target_percent, created_by, created_at, last_period_end, last_serial"

    func reportDefinitions() throws(LetheError) -> [StoredReportDefinition] {
        try guarded {
            try Row.fetchAll(db, sql: "SELECT \(Self.definitionColumns) FROM report_definition ORDER BY name")
                .map(Self.definition(from:))
        }
    }

    func reportDefinition(name: String) throws(LetheError) -> StoredReportDefinition? {
        try guarded {
            try Row.fetchOne(
                db, sql: "SELECT \(Self.definitionColumns) FROM report_definition WHERE name = ?", arguments: [name]
            ).map(Self.definition(from:))
        }
    }

    func insert(_ definition: StoredReportDefinition) throws(LetheError) -> StoredReportDefinition {
        if try reportDefinition(name: definition.name) != nil {
            throw LetheError(
                .conflict, "a report definition is named \(Quoted(definition.name)) already; choose another name")
        }
        try guarded {
            try db.execute(
                sql: """
                    INSERT INTO report_definition (name, kind, period, format, program_target_percent, created_by,
                        created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    definition.name, definition.kind, definition.period, definition.format,
                    definition.programTargetPercent, definition.createdBy, formatted(definition.createdAt),
                ])
        }
        var stored = definition
        stored.id = db.lastInsertedRowID
        return stored
    }

    func recordReportRun(definition id: Int64, periodEnd: Date, serial: String) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: "UPDATE report_definition SET last_period_end = ?, last_serial = ? WHERE id = ?",
                arguments: [formatted(periodEnd), serial, id])
        }
        guard db.changesCount == 1 else { throw LetheError(.notFound, "report definition \(id) does not exist") }
    }

    private static func definition(from row: Row) throws -> StoredReportDefinition {
        let last: String? = row[8]
        return StoredReportDefinition(
            id: row[0], name: row[1], kind: row[2], period: row[3], format: row[4], programTargetPercent: row[5],
            createdBy: row[6], createdAt: try RFC3339.parse(row[7]),
            lastPeriodEnd: try last.map { (text) throws(LetheError) in try RFC3339.parse(text) },
            lastSerial: row[9])
    }
}
