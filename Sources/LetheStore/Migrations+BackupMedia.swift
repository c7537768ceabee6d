import GRDB

extension Migrations {
    /// A backup may name the asset its file lives on (a tape, a backup disk): when the backup's
    /// retention ends and Lethe holds no key to shred, that medium goes through a sanitization job,
    /// and its verification records the backup as destroyed.
    static func registerBackupMedia(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("backup-media") { db in
            try db.execute(
                sql: """
                    ALTER TABLE backup ADD COLUMN media_tag TEXT REFERENCES asset(tag);
                    CREATE INDEX backup_by_media ON backup(media_tag) WHERE media_tag IS NOT NULL;
                    """)
        }
    }
}
