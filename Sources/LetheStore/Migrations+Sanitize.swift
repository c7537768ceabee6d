import GRDB

extension Migrations {
    /// Overwrite runs of media by Lethe, with their checkpoints (resume) and seeds (read-back).
    static func registerSanitize(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("sanitize-runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sanitize_run (
                        id INTEGER PRIMARY KEY,
                        job_id INTEGER NOT NULL REFERENCES job(id),
                        target TEXT NOT NULL CHECK (length(target) > 0),
                        resolved_target TEXT NOT NULL CHECK (length(resolved_target) > 0),
                        block_device INTEGER NOT NULL CHECK (block_device = 0 OR block_device = 1),
                        size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
                        pattern TEXT NOT NULL,
                        passes INTEGER NOT NULL CHECK (passes >= 1),
                        seed TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status = 'running' OR status = 'interrupted'
                            OR status = 'completed' OR status = 'failed'),
                        pass INTEGER NOT NULL CHECK (pass >= 1 AND pass <= passes),
                        offset_bytes INTEGER NOT NULL CHECK (offset_bytes >= 0 AND offset_bytes <= size_bytes),
                        bytes_written INTEGER NOT NULL CHECK (bytes_written >= 0),
                        milliseconds INTEGER NOT NULL CHECK (milliseconds >= 0),
                        direct_io INTEGER NOT NULL CHECK (direct_io = 0 OR direct_io = 1),
                        serial_ignored_reason TEXT,
                        started_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX sanitize_run_by_job ON sanitize_run(job_id, id);
                    """)
        }
    }
}
