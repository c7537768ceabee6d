import Foundation
import GRDB
import LetheCore

extension SQLiteTransaction: SchedulerStoreWriting {
    private static let runColumns = "id, started_at, finished_at, outcome, counts, error_code, error_message"

    func schedulerRuns(before: Int64?, limit: Int) throws(LetheError) -> [StoredSchedulerRun] {
        try guarded {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.runColumns) FROM scheduler_run WHERE ?1 IS NULL OR id < ?1
                    ORDER BY id DESC LIMIT ?2
                    """,
                arguments: [before, max(0, limit)]
            ).map(Self.run(from:))
        }
    }

    func insert(_ run: StoredSchedulerRun) throws(LetheError) -> StoredSchedulerRun {
        let counts = String(decoding: try Self.encodeCounts(run.counts), as: UTF8.self)
        try guarded {
            try db.execute(
                sql: """
                    INSERT INTO scheduler_run (started_at, finished_at, outcome, counts, error_code, error_message)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    formatted(run.startedAt), formatted(run.finishedAt), run.outcome.rawValue, counts, run.errorCode,
                    run.errorMessage,
                ])
        }
        var stored = run
        stored.id = db.lastInsertedRowID
        return stored
    }

    private static func encodeCounts(_ counts: [String: Int]) throws(LetheError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do { return try encoder.encode(counts) } catch {
            throw LetheError(.internal, "a scheduler run's counts could not be encoded")
        }
    }

    private static func run(from row: Row) throws -> StoredSchedulerRun {
        let outcome: String = row[3]
        let counts: String = row[4]
        guard let parsed = StoredSchedulerRun.Outcome(rawValue: outcome) else {
            throw LetheError(.internal, "stored scheduler outcome '\(outcome)' is not known to this version of Lethe")
        }
        return StoredSchedulerRun(
            id: row[0], startedAt: try RFC3339.parse(row[1]), finishedAt: try RFC3339.parse(row[2]), outcome: parsed,
            counts: try JSONDecoder().decode([String: Int].self, from: Data(counts.utf8)), errorCode: row[5],
            errorMessage: row[6])
    }
}
