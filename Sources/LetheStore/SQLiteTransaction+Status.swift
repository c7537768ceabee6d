import Foundation
import GRDB
import LetheCore

extension SQLiteTransaction: StatusStoreReading {
    func migrationsCurrent() throws(LetheError) -> Bool {
        try guarded {
            let migrator = Migrations.migrator
            return try migrator.hasCompletedMigrations(db) && !migrator.hasBeenSuperseded(db)
        }
    }

    func assetCountsByState() throws(LetheError) -> [LifecycleState: Int] {
        // asset_by_state answers the GROUP BY without reading the table.
        let rows = try guarded { try Row.fetchAll(db, sql: "SELECT state, count(*) FROM asset GROUP BY state") }
        var counts: [LifecycleState: Int] = [:]
        for row in rows {
            let state: LifecycleState = try jobGuarded { try Self.word(row[0]) }
            counts[state] = row[1]
        }
        return counts
    }

    func jobCountsByState() throws(LetheError) -> [JobState: Int] {
        let rows = try guarded { try Row.fetchAll(db, sql: "SELECT state, count(*) FROM job GROUP BY state") }
        var counts: [JobState: Int] = [:]
        for row in rows {
            let state: JobState = try jobGuarded { try Self.word(row[0]) }
            counts[state] = row[1]
        }
        return counts
    }

    func countOverdueJobs(before time: Date) throws(LetheError) -> Int {
        // Literal states, so that job_by_state_due answers it.
        let open = JobState.open.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try guarded {
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM job WHERE state IN (\(open)) AND due_at < ?",
                arguments: [RFC3339.format(time)]) ?? 0
        }
    }

    func lastEvent(type: EventType) throws(LetheError) -> Event? {
        // The type as a literal (an EventType value, never user text), so that a partial index
        // whose WHERE names it (event_verification_run) answers at once; other types walk the log
        // backwards from the newest event.
        let literal = type.rawValue.replacingOccurrences(of: "'", with: "''")
        return try fetchEvents(
            sql: "SELECT body FROM event WHERE type = '\(literal)' ORDER BY seq DESC LIMIT 1", arguments: []
        ).first
    }
}
