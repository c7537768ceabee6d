import GRDB

extension Migrations {
    /// The device and inode of the image file a run writes, so that `--resume` refuses a file
    /// replaced at the same path since (it would overwrite only the rest of another file).
    static func registerSanitizeTargetIdentity(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("sanitize-target-identity") { db in
            try db.execute(sql: "ALTER TABLE sanitize_run ADD COLUMN target_identity TEXT")
        }
    }
}
