import GRDB

extension Migrations {
    /// Webhooks and their deliveries. A webhook's secret is kept (it signs every delivery) and
    /// never shown again after it is made. A delivery is the signed body made once for one
    /// webhook; each try at sending it is an attempt row. A webhook is removed by marking it, so
    /// that its deliveries stay explained.
    static func registerWebhooks(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("webhooks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook (
                        id INTEGER PRIMARY KEY,
                        url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
                        events TEXT NOT NULL CHECK (length(events) >= 1),
                        -- sealed (SecretBox: nonce, the 64-character secret, tag): never the bare secret
                        secret BLOB NOT NULL CHECK (length(secret) > 64),
                        created_at TEXT NOT NULL,
                        removed_at TEXT
                    );
                    CREATE TABLE webhook_delivery (
                        id INTEGER PRIMARY KEY,
                        webhook_id INTEGER NOT NULL REFERENCES webhook(id),
                        event TEXT NOT NULL,
                        dedupe_key TEXT NOT NULL,
                        body TEXT NOT NULL CHECK (json_valid(body)),
                        created_at TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
                        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        next_attempt_at REAL NOT NULL,
                        UNIQUE (webhook_id, dedupe_key)
                    );
                    CREATE INDEX webhook_delivery_due ON webhook_delivery(next_attempt_at) WHERE state = 'pending';
                    CREATE TABLE webhook_attempt (
                        id INTEGER PRIMARY KEY,
                        delivery_id INTEGER NOT NULL REFERENCES webhook_delivery(id),
                        attempted_at TEXT NOT NULL,
                        status INTEGER,
                        error TEXT,
                        duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0)
                    );
                    CREATE INDEX webhook_attempt_by_delivery ON webhook_attempt(delivery_id);
                    """)
        }
    }
}
