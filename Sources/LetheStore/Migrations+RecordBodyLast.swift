import GRDB

extension Migrations {
    /// `signed_record`'s body becomes its last column, so a record is stored without SQLite
    /// building a copy of it: an insert leaves the body as zeros (a trailing zero-blob is never
    /// materialised) and writes it through incremental blob I/O in the same transaction. A
    /// year's report record is hundreds of megabytes; a body in the middle of the row was copied
    /// whole into the row SQLite builds, twice the record's size at once. The table is rebuilt
    /// (SQLite cannot move a column) with the same constraints, indexes and append-only
    /// triggers; the rows, and the keys of the tables that reference them, are unchanged.
    static func registerRecordBodyLast(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("signed-record-body-last") { db in
            try db.execute(
                sql: """
                    CREATE TABLE signed_record_body_last (
                        serial TEXT PRIMARY KEY CHECK (length(serial) BETWEEN 1 AND 64),
                        kind TEXT NOT NULL CHECK (length(kind) >= 1),
                        job_id INTEGER REFERENCES job(id),
                        asset_tag TEXT,
                        issued_at TEXT NOT NULL,
                        signature BLOB NOT NULL,
                        event_seq INTEGER NOT NULL UNIQUE REFERENCES event(seq),
                        body BLOB NOT NULL
                    );
                    INSERT INTO signed_record_body_last
                        (rowid, serial, kind, job_id, asset_tag, issued_at, signature, event_seq, body)
                        SELECT rowid, serial, kind, job_id, asset_tag, issued_at, signature, event_seq, body
                        FROM signed_record;
                    DROP TABLE signed_record;
                    ALTER TABLE signed_record_body_last RENAME TO signed_record;
                    CREATE INDEX signed_record_by_job ON signed_record(job_id) WHERE job_id IS NOT NULL;
                    CREATE INDEX signed_record_by_kind ON signed_record(kind, issued_at);
                    CREATE TRIGGER signed_record_is_append_only_update BEFORE UPDATE ON signed_record
                    BEGIN
                        SELECT RAISE(ABORT, 'a signed record cannot be changed: revoke it and issue another');
                    END;
                    CREATE TRIGGER signed_record_is_append_only_delete BEFORE DELETE ON signed_record
                    BEGIN
                        SELECT RAISE(ABORT, 'a signed record cannot be deleted: revoke it');
                    END;
                    """)
        }
    }
}
