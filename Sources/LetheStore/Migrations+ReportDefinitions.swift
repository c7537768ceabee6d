import GRDB

extension Migrations {
    /// Scheduled reports: a definition (kind, period, format) and the last period it produced. The
    /// reports themselves are signed records (`signed_record`, kind `report`).
    static func registerReportDefinitions(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("report-definitions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE report_definition (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
                        kind TEXT NOT NULL CHECK (\(oneOf("kind", ["disposal"]))),
                        period TEXT NOT NULL CHECK (\(oneOf("period", ["previous-month", "previous-quarter", "previous-year"]))),
                        format TEXT NOT NULL CHECK (\(oneOf("format", ["json", "csv", "html", "pdf"]))),
                        program_target_percent INTEGER NOT NULL CHECK (program_target_percent BETWEEN 0 AND 100),
                        created_by TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        last_period_end TEXT,
                        last_serial TEXT REFERENCES signed_record(serial),
                        CHECK ((last_period_end IS NULL) = (last_serial IS NULL))
                    );
                    """)
        }
    }
}
