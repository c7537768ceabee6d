import GRDB

extension Migrations {
    /// An expired backup's destruction has a due date, as a disposal job has: its expiry plus the
    /// policy's `backup_destruction_deadline`, fixed when `lethe schedule` schedules it. Backups
    /// scheduled before this migration get the default deadline, seven days after their expiry.
    static func registerBackupDestructionDue(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("backup-destruction-due") { db in
            try db.execute(
                sql: """
                    ALTER TABLE backup ADD COLUMN destruction_due_at TEXT;
                    UPDATE backup SET destruction_due_at = strftime('%Y-%m-%dT%H:%M:%SZ',
                            coalesce(expires_at, destruction_scheduled_at), '+7 days')
                        WHERE destruction_scheduled_at IS NOT NULL;
                    """)
        }
    }
}
