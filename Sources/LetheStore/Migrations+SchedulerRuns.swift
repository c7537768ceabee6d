import GRDB

extension Migrations {
    /// The runs of the service's scheduler: when each started and ended, its outcome, and its
    /// counts (JSON). Rows are only added; `lethe status`, `/metrics` and
    /// `GET /api/v1/scheduler/runs` read them.
    static func registerSchedulerRuns(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("scheduler-runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE scheduler_run (
                        id INTEGER PRIMARY KEY,
                        started_at TEXT NOT NULL,
                        finished_at TEXT NOT NULL,
                        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'attention', 'failed')),
                        counts TEXT NOT NULL CHECK (json_valid(counts)),
                        error_code TEXT,
                        error_message TEXT,
                        CHECK ((outcome = 'failed') = (error_code IS NOT NULL))
                    );
                    """)
        }
    }
}
