import Foundation
import GRDB

extension Migrations {
    /// Backups hold their store's holdings by query instead of a per-backup copy of every subject
    /// hash (`backup_subject`: a million rows for each daily backup of a million-subject store).
    ///
    /// A backup holds the subjects whose holding in its store was recorded at or before its
    /// registration and not erased before it. For that to never lose a subject a backup held,
    /// holdings are no longer deleted: an erased holding keeps its row with `erased_at` set (a
    /// keyed hash, as the erasure part that erased it already keeps), and one recorded again
    /// (a restore brought the subject back) is revived with its first `recorded_at`. Any doubt
    /// errs toward "the backup holds it": an extra suppression is harmless, a missing one is not.
    ///
    /// The migration keeps every subject the copies listed: a holding is dated back to the first
    /// backup that listed it, and a subject the copies list whose holding was deleted (erased
    /// before this migration) gets an erased holding (`source` `backup`), erased as of the last
    /// backup that listed it. Each backup keeps its count in `subject_count`.
    ///
    /// The rebuilt `holding` keys a subject by its 32 bytes (a BLOB) rather than 64 hex digits: a
    /// third less to write for each of a million holdings a scan records, and half the key to compare.
    static func registerErasureBackupsByQuery(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("erasure-backups-by-query") { db in
            let unhex = DatabaseFunction("lethe_unhex_subject", argumentCount: 1, pure: true) { values in
                guard let hex = String.fromDatabaseValue(values[0]), hex.utf8.count == 64 else { return nil }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(32)
                var high: UInt8?
                for digit in hex.utf8 {
                    let value: UInt8
                    switch digit {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): value = digit - UInt8(ascii: "a") + 10
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): value = digit - UInt8(ascii: "A") + 10
                    default: return nil
                    }
                    if let first = high {
                        bytes.append(first << 4 | value)
                        high = nil
                    } else {
                        high = value
                    }
                }
                return Data(bytes)
            }
            db.add(function: unhex)
            defer { db.remove(function: unhex) }
            try db.execute(
                sql: """
                    ALTER TABLE backup ADD COLUMN subject_count INTEGER NOT NULL DEFAULT 0
                        CHECK (subject_count >= 0);
                    UPDATE backup SET subject_count = (SELECT count(*) FROM backup_subject WHERE backup_id = backup.id);

                    CREATE TABLE holding_by_query (
                        store TEXT NOT NULL REFERENCES data_store(name),
                        subject BLOB NOT NULL CHECK (typeof(subject) = 'blob' AND length(subject) = 32),
                        source TEXT NOT NULL CHECK (source IN ('import', 'scan', 'backup')),
                        recorded_at TEXT NOT NULL,
                        erased_at TEXT,
                        PRIMARY KEY (store, subject)
                    ) WITHOUT ROWID;
                    INSERT INTO holding_by_query (store, subject, source, recorded_at)
                        SELECT store, lethe_unhex_subject(subject), source, recorded_at FROM holding
                        ORDER BY store, subject;

                    CREATE TEMP TABLE listed AS
                        SELECT b.store AS store, lethe_unhex_subject(s.subject) AS subject,
                            min(b.registered_at) AS first_at,
                            max(b.registered_at) AS last_at
                        FROM backup_subject s JOIN backup b ON b.id = s.backup_id
                        GROUP BY b.store, s.subject;
                    UPDATE holding_by_query SET recorded_at = (
                            SELECT l.first_at FROM listed l
                            WHERE l.store = holding_by_query.store AND l.subject = holding_by_query.subject)
                        WHERE recorded_at > (
                            SELECT l.first_at FROM listed l
                            WHERE l.store = holding_by_query.store AND l.subject = holding_by_query.subject);
                    INSERT INTO holding_by_query (store, subject, source, recorded_at, erased_at)
                        SELECT l.store, l.subject, 'backup', l.first_at, l.last_at FROM listed l
                        WHERE NOT EXISTS (
                            SELECT 1 FROM holding_by_query h WHERE h.store = l.store AND h.subject = l.subject)
                        ORDER BY l.store, l.subject;
                    DROP TABLE listed;

                    DROP TABLE holding;
                    ALTER TABLE holding_by_query RENAME TO holding;
                    DROP TABLE backup_subject;
                    CREATE INDEX backup_by_store ON backup(store, registered_at);
                    """)
        }
    }
}
