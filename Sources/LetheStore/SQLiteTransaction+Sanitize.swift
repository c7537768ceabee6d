import Foundation
import GRDB
import LetheCore

/// Reading overwrite runs.
public protocol SanitizeRunReading {
    /// The newest run of a job, if any.
    func latestSanitizeRun(jobID: Int64) throws(LetheError) -> SanitizeRun?
}

/// Writing overwrite runs.
public protocol SanitizeRunWriting: SanitizeRunReading {
    /// Stores a new run and returns it with its id.
    func insert(_ run: SanitizeRun) throws(LetheError) -> SanitizeRun
    /// Saves a run's status, checkpoint and counters.
    func update(_ run: SanitizeRun) throws(LetheError)
}

extension SQLiteTransaction: SanitizeRunWriting {
    private static let runColumns = """
        id, job_id, target, resolved_target, block_device, size_bytes, pattern, passes, seed, status, pass,
        offset_bytes, bytes_written, milliseconds, direct_io, serial_ignored_reason, started_at, updated_at,
        target_identity, size_ignored_reason
        """

    func latestSanitizeRun(jobID: Int64) throws(LetheError) -> SanitizeRun? {
        try runGuarded {
            try Row.fetchOne(
                db, sql: "SELECT \(Self.runColumns) FROM sanitize_run WHERE job_id = ? ORDER BY id DESC LIMIT 1",
                arguments: [jobID]
            ).map { (row) throws -> SanitizeRun in
                guard let status = SanitizeRunStatus(rawValue: row[9]) else {
                    throw LetheError(.internal, "sanitize run \(row[0] as Int64) has an unknown status")
                }
                var run = SanitizeRun(
                    id: row[0], jobID: row[1], target: row[2], resolvedTarget: row[3], isBlockDevice: row[4],
                    sizeBytes: row[5], pattern: row[6], passes: row[7], seedHex: row[8], status: status, pass: row[10],
                    offset: row[11], bytesWritten: row[12], milliseconds: row[13], directIO: row[14],
                    serialIgnoredReason: row[15], startedAt: try RFC3339.parse(row[16]),
                    updatedAt: try RFC3339.parse(row[17]))
                run.targetIdentity = row[18]
                run.sizeIgnoredReason = row[19]
                return run
            }
        }
    }

    func insert(_ run: SanitizeRun) throws(LetheError) -> SanitizeRun {
        try runGuarded {
            try db.execute(
                sql: """
                    INSERT INTO sanitize_run (\(Self.runColumns))
                    VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.jobID, run.target, run.resolvedTarget, run.isBlockDevice, run.sizeBytes, run.pattern,
                    run.passes, run.seedHex, run.status.rawValue, run.pass, run.offset, run.bytesWritten,
                    run.milliseconds, run.directIO, run.serialIgnoredReason, RFC3339.format(run.startedAt),
                    RFC3339.format(run.updatedAt), run.targetIdentity, run.sizeIgnoredReason,
                ])
            var stored = run
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    func update(_ run: SanitizeRun) throws(LetheError) {
        try runGuarded {
            try db.execute(
                sql: """
                    UPDATE sanitize_run SET status = ?, pass = ?, offset_bytes = ?, bytes_written = ?,
                        milliseconds = ?, direct_io = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [
                    run.status.rawValue, run.pass, run.offset, run.bytesWritten, run.milliseconds, run.directIO,
                    RFC3339.format(run.updatedAt), run.id,
                ])
        }
    }

    private func runGuarded<T>(_ work: () throws -> T) throws(LetheError) -> T {
        do {
            return try work()
        } catch let error as LetheError {
            throw error
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
    }
}
