import Foundation
import GRDB
import LetheCore

extension SQLiteTransaction: WebhookStoreWriting {
    private static let webhookColumns = "id, url, events, secret, created_at, removed_at"
    private static let deliveryColumns =
        "id, webhook_id, event, body, created_at, state, attempts, next_attempt_at"

    func webhook(id: Int64) throws(LetheError) -> StoredWebhook? {
        try guarded {
            try Row.fetchOne(db, sql: "SELECT \(Self.webhookColumns) FROM webhook WHERE id = ?", arguments: [id])
                .map(Self.webhook(from:))
        }
    }

    func activeWebhooks() throws(LetheError) -> [StoredWebhook] {
        try guarded {
            try Row.fetchAll(
                db, sql: "SELECT \(Self.webhookColumns) FROM webhook WHERE removed_at IS NULL ORDER BY id"
            ).map(Self.webhook(from:))
        }
    }

    func dueDeliveries(at time: Date, limit: Int) throws(LetheError) -> [StoredDelivery] {
        try guarded {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.deliveryColumns) FROM webhook_delivery
                    WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [time.timeIntervalSince1970, max(0, limit)]
            ).map(Self.delivery(from:))
        }
    }

    func deliveries(webhookID: Int64, limit: Int) throws(LetheError) -> [StoredDelivery] {
        try guarded {
            try Row.fetchAll(
                db,
                sql:
                    "SELECT \(Self.deliveryColumns) FROM webhook_delivery WHERE webhook_id = ? ORDER BY id DESC LIMIT ?",
                arguments: [webhookID, max(0, limit)]
            ).map(Self.delivery(from:))
        }
    }

    func attempts(deliveryID: Int64) throws(LetheError) -> [StoredDeliveryAttempt] {
        try guarded {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT delivery_id, attempted_at, status, error, duration_ms FROM webhook_attempt
                    WHERE delivery_id = ? ORDER BY id
                    """,
                arguments: [deliveryID]
            ).map { row in
                StoredDeliveryAttempt(
                    deliveryID: row[0], attemptedAt: try RFC3339.parse(row[1]), status: row[2], error: row[3],
                    durationMilliseconds: row[4])
            }
        }
    }

    func insert(_ webhook: StoredWebhook) throws(LetheError) -> StoredWebhook {
        try guarded {
            try db.execute(
                sql: "INSERT INTO webhook (url, events, secret, created_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    webhook.url, webhook.events.joined(separator: ","), Data(webhook.secret),
                    formatted(webhook.createdAt),
                ])
        }
        var stored = webhook
        stored.id = db.lastInsertedRowID
        return stored
    }

    func removeWebhook(id: Int64, at time: Date) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: "UPDATE webhook SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
                arguments: [formatted(time), id])
        }
    }

    func insert(_ delivery: StoredDelivery, dedupeKey: String) throws(LetheError) -> Bool {
        try guarded {
            try db.execute(
                sql: """
                    INSERT INTO webhook_delivery (webhook_id, event, dedupe_key, body, created_at, state, attempts,
                        next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (webhook_id, dedupe_key) DO NOTHING
                    """,
                arguments: [
                    delivery.webhookID, delivery.event, dedupeKey, delivery.body, formatted(delivery.createdAt),
                    delivery.state.rawValue, delivery.attempts, delivery.nextAttemptAt.timeIntervalSince1970,
                ])
        }
        return db.changesCount == 1
    }

    func record(
        _ attempt: StoredDeliveryAttempt, state: StoredDelivery.State, attempts: Int, nextAttemptAt: Date
    ) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: """
                    INSERT INTO webhook_attempt (delivery_id, attempted_at, status, error, duration_ms)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    attempt.deliveryID, formatted(attempt.attemptedAt), attempt.status, attempt.error,
                    max(0, attempt.durationMilliseconds),
                ])
            try db.execute(
                sql: "UPDATE webhook_delivery SET state = ?, attempts = ?, next_attempt_at = ? WHERE id = ?",
                arguments: [state.rawValue, attempts, nextAttemptAt.timeIntervalSince1970, attempt.deliveryID])
        }
    }

    private static func webhook(from row: Row) throws -> StoredWebhook {
        let events: String = row[2]
        let secret: Data = row[3]
        let removed: String? = row[5]
        return StoredWebhook(
            id: row[0], url: row[1], events: events.split(separator: ",").map(String.init), secret: Array(secret),
            createdAt: try RFC3339.parse(row[4]),
            removedAt: try removed.map { (text) throws in try RFC3339.parse(text) })
    }

    private static func delivery(from row: Row) throws -> StoredDelivery {
        let state: String = row[5]
        let next: Double = row[7]
        guard let parsed = StoredDelivery.State(rawValue: state) else {
            throw LetheError(.internal, "stored delivery state '\(state)' is not known to this version of Lethe")
        }
        return StoredDelivery(
            id: row[0], webhookID: row[1], event: row[2], body: row[3], createdAt: try RFC3339.parse(row[4]),
            state: parsed, attempts: row[6], nextAttemptAt: Date(timeIntervalSince1970: next))
    }
}
