import GRDB

extension Migrations {
    /// Users of the service and their API tokens. A token is stored only as the SHA-256 of its
    /// secret part; a password only as its scrypt hash. Rows are never deleted: a user is
    /// disabled, a token revoked, so that every event's actor stays resolvable.
    static func registerUsers(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("users-and-tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE app_user (
                        name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
                        roles TEXT NOT NULL CHECK (length(roles) >= 1),
                        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled = 0 OR disabled = 1),
                        password_hash TEXT CHECK (password_hash IS NULL OR password_hash LIKE 'scrypt$%'),
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE TABLE api_token (
                        id INTEGER PRIMARY KEY,
                        user_name TEXT NOT NULL REFERENCES app_user(name),
                        secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
                        read_only INTEGER NOT NULL CHECK (read_only = 0 OR read_only = 1),
                        expires_at TEXT,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT
                    );
                    CREATE INDEX api_token_by_user ON api_token(user_name);
                    """)
        }
    }
}
