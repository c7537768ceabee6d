import AsyncHTTPClient
import Foundation
import Lethe
import LetheCore
import Logging
import NIOCore
import ServiceLifecycle

/// Sends webhook deliveries: a service beside the HTTP server that POSTs each due delivery's
/// JSON body, signed (``WebhookSignature``), records every attempt, and retries failures with
/// exponential backoff (``RetryPolicy``) until the attempts are used up. Redirects are not
/// followed. Logs carry the webhook's and delivery's numbers and the status, never a URL, body
/// or secret. Graceful shutdown lets the attempt in progress end.
public struct WebhookDeliverer: Service {
    let app: LetheApp
    let metrics: ServiceMetrics?
    let policy: RetryPolicy
    let pollInterval: Duration
    let timeout: Duration
    let logger: Logger

    /// Creates the deliverer.
    ///
    /// - Parameters:
    ///   - pollInterval: how often due deliveries are looked for.
    ///   - timeout: how long one attempt may take before it counts as failed.
    public init(
        app: LetheApp, metrics: ServiceMetrics? = nil, policy: RetryPolicy = RetryPolicy(),
        pollInterval: Duration = .seconds(1), timeout: Duration = .seconds(10), logger: Logger
    ) {
        self.app = app
        self.metrics = metrics
        self.policy = policy
        self.pollInterval = pollInterval
        self.timeout = timeout
        self.logger = logger
    }

    /// Runs until graceful shutdown.
    public func run() async throws {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(5), read: TimeAmount(timeout))))
        while !Task.isShuttingDownGracefully {
            await deliverDue(with: client)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
            } catch {
                break
            }
        }
        try await client.shutdown().get()
    }

    /// Sends every delivery due now, one after another.
    func deliverDue(with client: HTTPClient) async {
        let due: [PendingDelivery]
        do {
            due = try await app.notifications.dueDeliveries(at: Date())
        } catch {
            logger.error("webhook deliveries could not be read", metadata: ["error.code": "\(error.code.rawValue)"])
            return
        }
        for pending in due where !Task.isShuttingDownGracefully {
            await deliver(pending, with: client)
        }
    }

    /// One attempt at one delivery, recorded.
    func deliver(_ pending: PendingDelivery, with client: HTTPClient) async {
        let body = Array(pending.delivery.body.utf8)
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: pending.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "lethe-webhook")
        request.headers.add(name: WebhookSignature.eventHeader, value: pending.delivery.event)
        request.headers.add(name: WebhookSignature.deliveryHeader, value: "\(pending.delivery.id)")
        request.headers.add(name: WebhookSignature.timestampHeader, value: "\(timestamp)")
        request.headers.add(
            name: WebhookSignature.signatureHeader,
            value: WebhookSignature.sign(secret: pending.secret, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let start = ContinuousClock.now
        var status: Int?
        var failure: String?
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 * 1024)
        } catch {
            failure = String(String(describing: error).prefix(200))
        }
        let milliseconds = Int((ContinuousClock.now - start).wholeMilliseconds)
        let metadata: Logger.Metadata = [
            "webhook.id": "\(pending.delivery.webhookID)", "webhook.delivery": "\(pending.delivery.id)",
            "webhook.event": "\(pending.delivery.event)", "webhook.attempt": "\(pending.delivery.attempts + 1)",
            "http.status": "\(status.map(String.init) ?? "none")",
        ]
        do {
            let state = try await app.notifications.recordAttempt(
                pending, status: status, error: failure, milliseconds: milliseconds, at: Date(), policy: policy)
            switch state {
            case .delivered: logger.info("webhook delivered", metadata: metadata)
            case .pending:
                metrics?.recordWebhookFailure()
                logger.warning("webhook delivery failed; will retry", metadata: metadata)
            case .failed:
                metrics?.recordWebhookFailure()
                logger.error("webhook delivery failed; no more attempts", metadata: metadata)
            }
        } catch {
            logger.error("webhook attempt could not be recorded", metadata: ["error.code": "\(error.code.rawValue)"])
        }
    }
}
