import Foundation
import LetheCore

/// A webhook as stored: where deliveries go, which events it takes, and its signing secret
/// (sealed under the installation key by the application layer).
public struct StoredWebhook: Sendable, Hashable {
    /// Its number (0 before it is stored).
    public var id: Int64
    /// The URL deliveries are POSTed to.
    public var url: String
    /// The event types it takes (`job.overdue`, ...).
    public var events: [String]
    /// The signing secret, sealed (``SecretBox``, bound to the URL).
    public var secret: [UInt8]
    /// When it was added.
    public var createdAt: Date
    /// When it was removed; nil while active.
    public var removedAt: Date?

    /// Creates a stored webhook.
    public init(
        id: Int64 = 0, url: String, events: [String], secret: [UInt8], createdAt: Date, removedAt: Date? = nil
    ) {
        self.id = id
        self.url = url
        self.events = events
        self.secret = secret
        self.createdAt = createdAt
        self.removedAt = removedAt
    }
}

/// One notification made for one webhook: the JSON body to send, and how its sending stands.
public struct StoredDelivery: Sendable, Hashable {
    /// How a delivery stands.
    public enum State: String, Sendable, Hashable, Codable {
        /// Not yet accepted by the receiver; tried again at `nextAttemptAt`.
        case pending
        /// The receiver answered 2xx.
        case delivered
        /// Every attempt failed.
        case failed
    }

    /// Its number (0 before it is stored).
    public var id: Int64
    /// The webhook it goes to.
    public var webhookID: Int64
    /// The event type.
    public var event: String
    /// The JSON body, signed and sent as is on every attempt.
    public var body: String
    /// When it was made.
    public var createdAt: Date
    /// How it stands.
    public var state: State
    /// How many attempts were made.
    public var attempts: Int
    /// When the next attempt is due (seconds since 1970, fractional).
    public var nextAttemptAt: Date

    /// Creates a stored delivery.
    public init(
        id: Int64 = 0, webhookID: Int64, event: String, body: String, createdAt: Date, state: State = .pending,
        attempts: Int = 0, nextAttemptAt: Date
    ) {
        self.id = id
        self.webhookID = webhookID
        self.event = event
        self.body = body
        self.createdAt = createdAt
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
    }
}

/// One try at sending a delivery.
public struct StoredDeliveryAttempt: Sendable, Hashable {
    /// The delivery tried.
    public var deliveryID: Int64
    /// When.
    public var attemptedAt: Date
    /// The receiver's HTTP status, nil when none came.
    public var status: Int?
    /// What failed (a timeout, a refused connection, a non-2xx status); nil on success.
    public var error: String?
    /// How long it took, in milliseconds.
    public var durationMilliseconds: Int

    /// Creates an attempt.
    public init(deliveryID: Int64, attemptedAt: Date, status: Int?, error: String?, durationMilliseconds: Int) {
        self.deliveryID = deliveryID
        self.attemptedAt = attemptedAt
        self.status = status
        self.error = error
        self.durationMilliseconds = durationMilliseconds
    }
}

/// Reading webhooks and deliveries.
public protocol WebhookStoreReading {
    /// The webhook with this number, removed or not, or nil.
    func webhook(id: Int64) throws(LetheError) -> StoredWebhook?
    /// The webhooks not removed, by number.
    func activeWebhooks() throws(LetheError) -> [StoredWebhook]
    /// Pending deliveries due at or before `time`, oldest first, at most `limit`.
    func dueDeliveries(at time: Date, limit: Int) throws(LetheError) -> [StoredDelivery]
    /// A webhook's deliveries, newest first, at most `limit`.
    func deliveries(webhookID: Int64, limit: Int) throws(LetheError) -> [StoredDelivery]
    /// A delivery's attempts, oldest first.
    func attempts(deliveryID: Int64) throws(LetheError) -> [StoredDeliveryAttempt]
}

/// Writing webhooks and deliveries.
public protocol WebhookStoreWriting: WebhookStoreReading {
    /// Stores a webhook and returns it with its number.
    func insert(_ webhook: StoredWebhook) throws(LetheError) -> StoredWebhook
    /// Marks a webhook removed.
    func removeWebhook(id: Int64, at time: Date) throws(LetheError)
    /// Stores a delivery unless the webhook has one with the same key already (the same
    /// finding is notified once); returns whether it was stored.
    func insert(_ delivery: StoredDelivery, dedupeKey: String) throws(LetheError) -> Bool
    /// Records an attempt and the delivery's new state, attempt count and next due time.
    func record(
        _ attempt: StoredDeliveryAttempt, state: StoredDelivery.State, attempts: Int, nextAttemptAt: Date
    ) throws(LetheError)
}
