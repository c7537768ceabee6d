import GRDB

extension Migrations {
    /// Disposal jobs and the digests of their evidence files.
    static func registerJobs(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-disposal-jobs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job (
                        id INTEGER PRIMARY KEY,
                        asset_tag TEXT NOT NULL REFERENCES asset(tag),
                        state TEXT NOT NULL CHECK (state IN ('scheduled', 'in-progress', 'executed', 'verified',
                            'failed', 'cancelled')),
                        method TEXT NOT NULL CHECK (method IN ('clear', 'purge', 'destroy')),
                        techniques TEXT NOT NULL CHECK (length(techniques) > 0),
                        verification_mode TEXT NOT NULL CHECK (verification_mode IN ('full', 'sample', 'attest')),
                        sample_rate_percent INTEGER CHECK (sample_rate_percent BETWEEN 1 AND 100),
                        sample_minimum INTEGER CHECK (sample_minimum >= 1),
                        second_person INTEGER NOT NULL CHECK (second_person IN (0, 1)),
                        separation_of_duties INTEGER NOT NULL CHECK (separation_of_duties IN (0, 1)),
                        due_at TEXT NOT NULL,
                        policy_version TEXT NOT NULL CHECK (length(policy_version) = 64),
                        requested_by TEXT NOT NULL,
                        approved_by TEXT,
                        executed_by TEXT,
                        executed_at TEXT,
                        technique TEXT,
                        tool TEXT,
                        tool_version TEXT,
                        verified_by TEXT,
                        verified_at TEXT,
                        reason TEXT,
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL,
                        CHECK ((verification_mode = 'sample') = (sample_rate_percent IS NOT NULL)),
                        CHECK (state NOT IN ('executed', 'verified') OR executed_by IS NOT NULL),
                        CHECK (state <> 'verified' OR verified_by IS NOT NULL),
                        CHECK (state <> 'cancelled' OR reason IS NOT NULL)
                    );
                    CREATE UNIQUE INDEX job_one_open_per_asset ON job(asset_tag)
                        WHERE state IN ('scheduled', 'in-progress', 'executed');
                    CREATE INDEX job_by_asset_state ON job(asset_tag, state);
                    CREATE INDEX job_by_state_due ON job(state, due_at);
                    CREATE INDEX job_replannable_by_policy ON job(policy_version)
                        WHERE state IN ('scheduled', 'in-progress');

                    CREATE TABLE job_evidence (
                        id INTEGER PRIMARY KEY,
                        job_id INTEGER NOT NULL REFERENCES job(id),
                        purpose TEXT NOT NULL CHECK (purpose IN ('execution', 'verification')),
                        file_name TEXT NOT NULL,
                        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                        size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
                        recorded_at TEXT NOT NULL,
                        UNIQUE (job_id, purpose, sha256)
                    );
                    CREATE INDEX job_evidence_by_job ON job_evidence(job_id);
                    """)
        }
    }
}
