import GRDB

extension Migrations {
    /// The data map, holdings (keyed hashes only), backups and erasure requests.
    static func registerErasure(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("erasure-data-map") { db in
            try db.execute(
                sql: """
                    CREATE TABLE data_store (
                        name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
                        kind TEXT NOT NULL CHECK (kind IN ('sqlite', 'postgres', 'file-share', 'processor', 'device')),
                        declaration BLOB NOT NULL,
                        applied_at TEXT NOT NULL
                    );
                    CREATE TABLE holding (
                        store TEXT NOT NULL REFERENCES data_store(name),
                        subject TEXT NOT NULL CHECK (length(subject) = 64),
                        source TEXT NOT NULL CHECK (source IN ('import', 'scan')),
                        recorded_at TEXT NOT NULL,
                        PRIMARY KEY (store, subject)
                    ) WITHOUT ROWID;
                    CREATE TABLE backup (
                        id INTEGER PRIMARY KEY,
                        store TEXT NOT NULL REFERENCES data_store(name),
                        file TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        expires_at TEXT,
                        sealed_key BLOB,
                        shredded_at TEXT,
                        registered_at TEXT NOT NULL,
                        destruction_scheduled_at TEXT,
                        CHECK (shredded_at IS NULL OR sealed_key IS NULL)
                    );
                    CREATE TABLE backup_subject (
                        subject TEXT NOT NULL,
                        backup_id INTEGER NOT NULL REFERENCES backup(id),
                        PRIMARY KEY (subject, backup_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE erasure_request (
                        id INTEGER PRIMARY KEY,
                        subject TEXT NOT NULL CHECK (length(subject) = 64),
                        reason TEXT NOT NULL CHECK (reason IN ('withdrawal', 'objection', 'retention', 'other')),
                        state TEXT NOT NULL CHECK (state IN ('open', 'completed')),
                        due_at TEXT NOT NULL,
                        policy_version TEXT NOT NULL,
                        requested_by TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        completed_at TEXT
                    );
                    CREATE INDEX erasure_request_by_due ON erasure_request(state, due_at);
                    CREATE TABLE erasure_part (
                        id INTEGER PRIMARY KEY,
                        request_id INTEGER NOT NULL REFERENCES erasure_request(id),
                        store TEXT NOT NULL,
                        action TEXT NOT NULL CHECK (action IN ('execute', 'suppress', 'attest', 'sanitize-device')),
                        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
                        backup_id INTEGER REFERENCES backup(id),
                        asset_tag TEXT,
                        job_id INTEGER,
                        final_at TEXT,
                        outcome BLOB NOT NULL,
                        verified_at TEXT,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX erasure_part_by_request ON erasure_part(request_id);
                    CREATE INDEX erasure_part_by_store ON erasure_part(store, action, state);
                    """)
        }
    }
}
