import GRDB

/// The schema, as append-only migrations.
///
/// Never edit a migration that has shipped: add a new one. Migrations spell out their SQL and use
/// no application types, so that they stay what they were when they first ran.
enum Migrations {
    /// `(column = 'a' OR column = 'b' …)`: SQLite builds an ephemeral table for every evaluation of
    /// `column IN (…)` in a CHECK constraint, which made each insert four times slower (measured).
    static func oneOf(_ column: String, _ values: [String]) -> String {
        "(" + values.map { "\(column) = '\($0)'" }.joined(separator: " OR ") + ")"
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-assets-and-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event (
                        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
                        recorded_at TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        type TEXT NOT NULL,
                        asset_tag TEXT,
                        body BLOB NOT NULL
                    );

                    CREATE TABLE asset_import (
                        id INTEGER PRIMARY KEY,
                        file_name TEXT NOT NULL,
                        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                        format TEXT NOT NULL,
                        event_seq INTEGER UNIQUE REFERENCES event(seq)
                    );

                    CREATE TABLE asset (
                        id INTEGER PRIMARY KEY,
                        tag TEXT NOT NULL UNIQUE CHECK (length(tag) BETWEEN 1 AND 64),
                        serial TEXT,
                        make TEXT,
                        model TEXT,
                        media_type TEXT NOT NULL CHECK (\(oneOf("media_type", ["laptop", "desktop", "server", "hdd", "ssd", "nvme", "usb-flash", "sd-card", "tape", "phone", "tablet", "optical", "other"]))),
                        capacity_bytes INTEGER CHECK (capacity_bytes >= 0),
                        location TEXT,
                        custodian TEXT,
                        classification TEXT NOT NULL CHECK (\(oneOf("classification", ["low", "moderate", "high"]))),
                        encryption TEXT NOT NULL CHECK (\(oneOf("encryption", ["none", "software", "self-encrypting"]))),
                        parent_tag TEXT REFERENCES asset(tag) DEFERRABLE INITIALLY DEFERRED
                            CHECK (parent_tag <> tag),
                        notes TEXT,
                        state TEXT NOT NULL CHECK (\(oneOf("state", ["in-service", "retired", "awaiting-sanitization", "sanitized", "verified", "disposed", "verification-failed", "lost"]))),
                        destination TEXT CHECK (\(oneOf("destination", ["internal-reuse", "external-reuse", "recycling", "manufacturer", "destroyed"]))),
                        registered_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL,
                        import_id INTEGER REFERENCES asset_import(id),
                        import_line INTEGER CHECK (import_line >= 1),
                        CHECK ((state = 'disposed') = (destination IS NOT NULL))
                    );
                    CREATE INDEX asset_by_state ON asset(state, tag);
                    CREATE INDEX asset_by_media_type ON asset(media_type, tag);
                    CREATE INDEX asset_by_location ON asset(location, tag);
                    CREATE INDEX asset_by_parent ON asset(parent_tag) WHERE parent_tag IS NOT NULL;


                    CREATE INDEX event_by_asset ON event(asset_tag, seq) WHERE asset_tag IS NOT NULL;
                    CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
                    BEGIN
                        SELECT RAISE(ABORT, 'the event log is append-only: an event cannot be changed');
                    END;
                    CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
                    BEGIN
                        SELECT RAISE(ABORT, 'the event log is append-only: an event cannot be deleted');
                    END;
                    CREATE TRIGGER event_is_contiguous BEFORE INSERT ON event
                    WHEN NEW.seq <> coalesce((SELECT max(seq) FROM event), 0) + 1
                    BEGIN
                        SELECT RAISE(ABORT, 'the event log is contiguous: an event must take the next sequence number');
                    END;
                    """)
        }
        registerJobs(&migrator)
        registerEvidence(&migrator)
        registerSanitize(&migrator)
        registerErasure(&migrator)
        registerErasureBackupsByQuery(&migrator)
        registerBackupMedia(&migrator)
        registerHoldingChunks(&migrator)
        registerBackupDestructionDue(&migrator)
        registerAssetRetiredAt(&migrator)
        registerUsers(&migrator)
        registerErasurePartSubject(&migrator)
        registerSanitizeTargetIdentity(&migrator)
        registerReportDefinitions(&migrator)
        registerSchedulerRuns(&migrator)
        registerWebhooks(&migrator)
        registerVerificationRunIndex(&migrator)
        registerBackupRolling(&migrator)
        registerRecordBodyLast(&migrator)
        registerSanitizeSizeReason(&migrator)
        registerRecordPieces(&migrator)
        return migrator
    }
}
