import GRDB

extension Migrations {
    /// Why a run's size check was skipped (`--ignore-size --reason`), kept with the run: a resumed
    /// run records it in its `job.executed` event as the first attempt would have.
    static func registerSanitizeSizeReason(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("sanitize-size-reason") { db in
            try db.execute(sql: "ALTER TABLE sanitize_run ADD COLUMN size_ignored_reason TEXT")
        }
    }
}
