import Crypto
import Foundation
import LetheCore
import LetheStore

extension EventType {
    /// A webhook was added (its number, events and host; never its secret or full URL).
    public static let webhookAdded: EventType = "webhook.added"
    /// A webhook was removed.
    public static let webhookRemoved: EventType = "webhook.removed"
}

/// A webhook as every front end shows it: never its secret.
public struct WebhookView: Codable, Sendable, Hashable {
    /// Its number.
    public var id: Int64
    /// Where deliveries are POSTed.
    public var url: String
    /// The events it takes.
    public var events: [String]
    /// When it was added.
    public var createdAt: Date
    /// When it was removed.
    public var removedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, url, events
        case createdAt = "created_at"
        case removedAt = "removed_at"
    }

    init(_ stored: StoredWebhook) {
        id = stored.id
        url = stored.url
        events = stored.events
        createdAt = stored.createdAt
        removedAt = stored.removedAt
    }
}

/// A webhook just added, with its signing secret: shown this once.
public struct NewWebhook: Codable, Sendable {
    /// The webhook.
    public var webhook: WebhookView
    /// The signing secret (64 hex characters); the HMAC key is its UTF-8 bytes.
    public var secret: String
}

/// A delivery as `webhook deliveries` shows it: never its body.
public struct DeliveryView: Codable, Sendable, Hashable {
    /// Its number (the `Lethe-Delivery` header).
    public var id: Int64
    /// The event type.
    public var event: String
    /// `pending`, `delivered` or `failed`.
    public var state: StoredDelivery.State
    /// How many attempts were made.
    public var attempts: Int
    /// When it was made.
    public var createdAt: Date
    /// The receiver's status at the last attempt, if one answered.
    public var lastStatus: Int?
    /// What failed at the last attempt.
    public var lastError: String?

    enum CodingKeys: String, CodingKey {
        case id, event, state, attempts
        case createdAt = "created_at"
        case lastStatus = "last_status"
        case lastError = "last_error"
    }
}

/// Webhooks (`lethe webhook`, `/api/v1/webhooks`, admins only): where notifications go.
public struct WebhookService: Sendable {
    let app: LetheApp

    /// Adds a webhook for `events` and returns it with its secret, shown once. The URL must be
    /// https, or http to a loopback address; plain http elsewhere only with `allowPlainHTTP`.
    /// A URL with a user name or password in it is refused (secrets stay out of URLs).
    public func add(
        url: String, events: [NotificationEvent], allowPlainHTTP: Bool = false, by principal: Principal
    ) async throws(LetheError) -> NewWebhook {
        try app.authorize(.manageWebhooks, principal)
        let host = try Self.checkURL(url, allowPlainHTTP: allowPlainHTTP)
        guard !events.isEmpty else {
            throw LetheError(
                .usage,
                "a webhook needs at least one event: \(NotificationEvent.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let names = Array(Set(events.map(\.rawValue))).sorted()
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Hex.encode(Array($0)) }
        // Kept sealed under the installation key, as connection strings are: a copy of the
        // database alone does not let anyone sign as Lethe.
        let sealed = try await app.loadedSecrets().box.seal(secret, associatedData: Self.sealContext(url))
        let time = app.now
        let stored = try await app.store.write { (tx) throws(LetheError) in
            let stored = try tx.insert(
                StoredWebhook(url: url, events: names, secret: sealed, createdAt: time))
            try tx.append(
                EventDraft(
                    type: .webhookAdded,
                    payload: [
                        "webhook": .integer(stored.id), "host": .string(host),
                        "events": .array(names.map(JSONValue.string)),
                    ]),
                actor: principal.name, at: time)
            return stored
        }
        return NewWebhook(webhook: WebhookView(stored), secret: secret)
    }

    /// The webhooks not removed.
    public func list(by principal: Principal) async throws(LetheError) -> [WebhookView] {
        try app.authorize(.manageWebhooks, principal)
        return try await app.store.read { (tx) throws(LetheError) in try tx.activeWebhooks().map(WebhookView.init) }
    }

    /// Removes a webhook: nothing more is sent to it.
    public func remove(id: Int64, by principal: Principal) async throws(LetheError) -> WebhookView {
        try app.authorize(.manageWebhooks, principal)
        let time = app.now
        return try await app.store.write { (tx) throws(LetheError) in
            guard var webhook = try tx.webhook(id: id) else {
                throw LetheError(.notFound, "webhook \(id) does not exist; see 'lethe webhook list'")
            }
            guard webhook.removedAt == nil else { return WebhookView(webhook) }
            try tx.removeWebhook(id: id, at: time)
            try tx.append(
                EventDraft(type: .webhookRemoved, payload: ["webhook": .integer(id)]), actor: principal.name, at: time)
            webhook.removedAt = time
            return WebhookView(webhook)
        }
    }

    /// A webhook's deliveries, newest first (at most `limit`, 1 to 100), with their last attempt.
    public func deliveries(
        webhookID: Int64, limit: Int = 20, by principal: Principal
    ) async throws(LetheError)
        -> [DeliveryView]
    {
        try app.authorize(.manageWebhooks, principal)
        guard (1...100).contains(limit) else { throw LetheError(.usage, "limit must be 1 to 100 (got \(limit))") }
        return try await app.store.read { (tx) throws(LetheError) in
            guard try tx.webhook(id: webhookID) != nil else {
                throw LetheError(.notFound, "webhook \(webhookID) does not exist; see 'lethe webhook list'")
            }
            return try tx.deliveries(webhookID: webhookID, limit: limit).map { (delivery) throws(LetheError) in
                let last = try tx.attempts(deliveryID: delivery.id).last
                return DeliveryView(
                    id: delivery.id, event: delivery.event, state: delivery.state, attempts: delivery.attempts,
                    createdAt: delivery.createdAt, lastStatus: last?.status, lastError: last?.error)
            }
        }
    }

    /// What a webhook's sealed secret is bound to: its URL (a sealed secret moved to another
    /// webhook's row does not open).
    static func sealContext(_ url: String) -> String { "webhook-secret \(url)" }

    /// The URL's host when the URL is acceptable.
    static func checkURL(_ text: String, allowPlainHTTP: Bool) throws(LetheError) -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            text.count <= 2000
        else {
            throw LetheError(.invalidInput, "\(Quoted(text)) is not an absolute http(s) URL with a host")
        }
        guard url.user == nil, url.password == nil else {
            throw LetheError(
                .invalidInput, "a webhook URL may not hold a user name or password; the receiver checks the signature")
        }
        switch scheme {
        case "https": return host
        case "http":
            let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
            guard loopback || allowPlainHTTP else {
                throw LetheError(
                    .usage,
                    "\(host) would receive notifications in plain http, readable on the network; use https, or give --allow-http (allow_http in the API) if you mean it"
                )
            }
            return host
        default:
            throw LetheError(.invalidInput, "\(Quoted(text)) is not an http or https URL")
        }
    }
}

extension LetheApp {
    /// Webhooks: where notifications go.
    public var webhooks: WebhookService { WebhookService(app: self) }
}
