import Foundation
import LetheCore
import LetheStore

/// How deliveries are retried: exponential backoff, bounded in count.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all before a delivery is marked failed.
    public var maxAttempts: Int
    /// The wait after the first failed attempt; it doubles after each.
    public var firstDelay: TimeInterval

    /// Eight attempts, the first retry after 10 seconds (the last about 21 minutes after the first).
    public init(maxAttempts: Int = 8, firstDelay: TimeInterval = 10) {
        self.maxAttempts = maxAttempts
        self.firstDelay = firstDelay
    }

    /// The wait after failed attempt number `attempt` (1-based).
    public func delay(after attempt: Int) -> TimeInterval {
        firstDelay * pow(2, Double(max(0, attempt - 1)))
    }
}

/// A delivery ready to send: where, what, and the secret that signs it.
public struct PendingDelivery: Sendable {
    /// The delivery as stored.
    public var delivery: StoredDelivery
    /// The URL to POST to.
    public var url: String
    /// The signing secret.
    public var secret: [UInt8]
}

/// Notifications: the application's entry point for telling webhooks that something happened,
/// and the bookkeeping of their deliveries. A notification carries numbers, states and dates,
/// never a subject identifier, a name or a secret; receivers read details through the API.
public struct NotificationService: Sendable {
    let app: LetheApp

    /// How long before its due date an open erasure request is announced as due soon: three days.
    public static let erasureWarning: TimeInterval = 3 * 86_400

    /// Makes a delivery of `event` for every active webhook that takes it, unless that webhook
    /// was already told about the same `key` (so a finding is notified once). Returns how many
    /// deliveries were made. The webhook service sends them.
    ///
    /// - Parameters:
    ///   - key: what the notification is about, unique per finding (`job.overdue:12`).
    ///   - data: the facts: numbers, states, dates; no identifiers of people, no secrets.
    @discardableResult
    public func publish(
        _ event: NotificationEvent, key: String, data: [String: JSONValue]
    ) async throws(LetheError)
        -> Int
    {
        try await publish([(event, key, data)])
    }

    /// Makes the deliveries of several notifications in one transaction.
    @discardableResult
    public func publish(
        _ notifications: [(event: NotificationEvent, key: String, data: [String: JSONValue])]
    )
        async throws(LetheError) -> Int
    {
        guard !notifications.isEmpty else { return 0 }
        let time = app.now
        let bodies = try notifications.map { (item) throws(LetheError) in
            (item.event, item.key, try Self.body(item.event, data: item.data, at: time))
        }
        return try await app.store.write { (tx) throws(LetheError) in
            let webhooks = try tx.activeWebhooks()
            var made = 0
            for (event, key, body) in bodies {
                for webhook in webhooks where webhook.events.contains(event.rawValue) {
                    let delivery = StoredDelivery(
                        webhookID: webhook.id, event: event.rawValue, body: body, createdAt: time,
                        nextAttemptAt: Date())
                    if try tx.insert(delivery, dedupeKey: key) { made += 1 }
                }
            }
            return made
        }
    }

    /// Announces what a scheduler run found: overdue jobs, failed verifications, and open erasure
    /// requests due soon or past due. Returns how many deliveries were made.
    func publishFindings(_ summary: VerificationRunSummary) async throws(LetheError) -> Int {
        let time = app.now
        var items: [(event: NotificationEvent, key: String, data: [String: JSONValue])] = []
        for job in summary.overdue {
            items.append(
                (
                    .jobOverdue, "job.overdue:\(job.id)",
                    [
                        "job": .integer(job.id), "state": .string(job.state.rawValue),
                        "due_at": .string(RFC3339.format(job.plan.dueAt)),
                    ]
                ))
        }
        for failed in summary.failed {
            var data: [String: JSONValue] = ["job": .integer(failed.job.id), "verifier": .string(failed.verifier)]
            data["new_job"] = failed.newJob.map { .integer($0.id) }
            items.append((.verificationFailed, "verification.failed:\(failed.job.id)", data))
        }
        let soon = time.addingTimeInterval(Self.erasureWarning)
        let requests = try await app.store.read { (tx) throws(LetheError) in
            try tx.erasureRequests(openOnly: true, dueBefore: soon)
        }
        for request in requests {
            let overdue = request.dueAt < time
            items.append(
                (
                    overdue ? .erasureOverdue : .erasureDueSoon,
                    "\(overdue ? "erasure.overdue" : "erasure.due-soon"):\(request.id)",
                    ["request": .integer(request.id), "due_at": .string(RFC3339.format(request.dueAt))]
                ))
        }
        return try await publish(items)
    }

    /// Pending deliveries due at `time` (oldest first, at most `limit`), with their URL and secret.
    public func dueDeliveries(at time: Date, limit: Int = 50) async throws(LetheError) -> [PendingDelivery] {
        let due = try await app.store.read { (tx) throws(LetheError) in
            var due: [(StoredDelivery, StoredWebhook)] = []
            for delivery in try tx.dueDeliveries(at: time, limit: limit) {
                guard let webhook = try tx.webhook(id: delivery.webhookID) else { continue }
                due.append((delivery, webhook))
            }
            return due
        }
        guard !due.isEmpty else { return [] }
        let box = try await app.loadedSecrets().box
        return try due.map { (delivery, webhook) throws(LetheError) in
            let secret = try box.open(webhook.secret, associatedData: WebhookService.sealContext(webhook.url))
            return PendingDelivery(delivery: delivery, url: webhook.url, secret: Array(secret.revealed.utf8))
        }
    }

    /// Records an attempt at a delivery: delivered on 2xx; otherwise pending again after the
    /// policy's backoff, or failed once its attempts are used up (also when its webhook was
    /// removed). Returns the delivery's new state.
    @discardableResult
    public func recordAttempt(
        _ pending: PendingDelivery, status: Int?, error: String?, milliseconds: Int, at time: Date,
        policy: RetryPolicy
    ) async throws(LetheError) -> StoredDelivery.State {
        let attempts = pending.delivery.attempts + 1
        let succeeded = status.map { (200..<300).contains($0) } ?? false
        let attempt = StoredDeliveryAttempt(
            deliveryID: pending.delivery.id, attemptedAt: time, status: status,
            error: succeeded ? nil : (error ?? status.map { "HTTP \($0)" } ?? "no response"),
            durationMilliseconds: milliseconds)
        return try await app.store.write { (tx) throws(LetheError) in
            let removed = try tx.webhook(id: pending.delivery.webhookID)?.removedAt != nil
            let state: StoredDelivery.State =
                succeeded ? .delivered : (attempts >= policy.maxAttempts || removed ? .failed : .pending)
            try tx.record(
                attempt, state: state, attempts: attempts,
                nextAttemptAt: time.addingTimeInterval(state == .pending ? policy.delay(after: attempts) : 0))
            return state
        }
    }

    /// The JSON body of a notification: a random id (the same on every attempt), the type, the
    /// time and the facts; sorted keys, so that it is the same bytes every time it is read.
    static func body(
        _ event: NotificationEvent, data: [String: JSONValue], at time: Date
    ) throws(LetheError)
        -> String
    {
        let value: JSONValue = .object([
            "id": .string(UUID().uuidString.lowercased()), "type": .string(event.rawValue),
            "created_at": .string(RFC3339.format(time)), "data": .object(data),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return String(decoding: try encoder.encode(value), as: UTF8.self) } catch {
            throw LetheError(.internal, "a \(event.rawValue) notification could not be encoded")
        }
    }
}

extension LetheApp {
    /// Notifications to webhooks: `app.notifications.publish(.reportReady, key:, data:)`.
    public var notifications: NotificationService { NotificationService(app: self) }
}
