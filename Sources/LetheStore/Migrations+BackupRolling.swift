import GRDB

extension Migrations {
    /// A backup is a `snapshot` (a copy made once, kept until its expiry) or `rolling`: a residue a
    /// `postgres` store declares in the data map (`residue:` — a WAL archive, dumps, a replica),
    /// which never expires as a whole; data erased at time T lingers in it until T plus its
    /// `retention` (an ISO 8601 duration; none for a replica). `residue_name` is the entry's name,
    /// unique among its store's rolling backups; `undeclared_at` marks an entry removed from the
    /// map (the row and its history stay). Every existing backup is a snapshot.
    static func registerBackupRolling(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("backup-rolling") { db in
            try db.execute(
                sql: """
                    ALTER TABLE backup ADD COLUMN kind TEXT NOT NULL DEFAULT 'snapshot'
                        CHECK (kind = 'snapshot' OR kind = 'rolling');
                    ALTER TABLE backup ADD COLUMN residue_name TEXT;
                    ALTER TABLE backup ADD COLUMN residue_kind TEXT
                        CHECK (residue_kind IS NULL OR residue_kind = 'wal-archive' OR residue_kind = 'dump'
                            OR residue_kind = 'replica');
                    ALTER TABLE backup ADD COLUMN retention TEXT;
                    ALTER TABLE backup ADD COLUMN undeclared_at TEXT
                        CHECK (
                            (kind = 'rolling') = (residue_name IS NOT NULL AND residue_kind IS NOT NULL)
                            AND (kind = 'rolling' OR (retention IS NULL AND undeclared_at IS NULL))
                            AND (residue_kind IS NULL OR (residue_kind = 'replica') = (retention IS NULL))
                            AND (kind = 'snapshot' OR (expires_at IS NULL AND sealed_key IS NULL))
                        );
                    CREATE UNIQUE INDEX backup_rolling_by_name ON backup(store, residue_name)
                        WHERE residue_name IS NOT NULL;
                    """)
        }
    }
}
