import GRDB

extension Migrations {
    /// The evidence log's stored hashes, its signed checkpoints, and signed records with their
    /// revocations.
    static func registerEvidence(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("evidence-log-and-records") { db in
            try db.execute(
                sql: """
                    ALTER TABLE event ADD COLUMN leaf_hash BLOB CHECK (leaf_hash IS NULL OR length(leaf_hash) = 32);

                    CREATE TABLE log_node (
                        level INTEGER NOT NULL CHECK (level >= 1),
                        idx INTEGER NOT NULL CHECK (idx >= 0),
                        hash BLOB NOT NULL CHECK (length(hash) = 32),
                        PRIMARY KEY (level, idx)
                    ) WITHOUT ROWID;
                    CREATE TRIGGER log_node_is_append_only_update BEFORE UPDATE ON log_node
                    BEGIN
                        SELECT RAISE(ABORT, 'the evidence log is append-only: a subtree hash cannot be changed');
                    END;
                    CREATE TRIGGER log_node_is_append_only_delete BEFORE DELETE ON log_node
                    BEGIN
                        SELECT RAISE(ABORT, 'the evidence log is append-only: a subtree hash cannot be deleted');
                    END;

                    CREATE TABLE log_checkpoint (
                        size INTEGER PRIMARY KEY CHECK (size >= 0),
                        root BLOB NOT NULL CHECK (length(root) = 32),
                        note TEXT NOT NULL,
                        signed_at TEXT NOT NULL
                    );
                    CREATE TRIGGER log_checkpoint_is_append_only_update BEFORE UPDATE ON log_checkpoint
                    BEGIN
                        SELECT RAISE(ABORT, 'a signed checkpoint cannot be changed');
                    END;
                    CREATE TRIGGER log_checkpoint_is_append_only_delete BEFORE DELETE ON log_checkpoint
                    BEGIN
                        SELECT RAISE(ABORT, 'a signed checkpoint cannot be deleted');
                    END;

                    CREATE TABLE signed_record (
                        serial TEXT PRIMARY KEY CHECK (length(serial) BETWEEN 1 AND 64),
                        kind TEXT NOT NULL CHECK (length(kind) >= 1),
                        job_id INTEGER REFERENCES job(id),
                        asset_tag TEXT,
                        issued_at TEXT NOT NULL,
                        body BLOB NOT NULL,
                        signature BLOB NOT NULL,
                        event_seq INTEGER NOT NULL UNIQUE REFERENCES event(seq)
                    );
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

                    CREATE TABLE record_revocation (
                        serial TEXT PRIMARY KEY REFERENCES signed_record(serial),
                        reason TEXT NOT NULL CHECK (length(reason) >= 1),
                        revoked_at TEXT NOT NULL,
                        event_seq INTEGER NOT NULL UNIQUE REFERENCES event(seq)
                    );
                    """)
        }
    }
}
