import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import LetheServer
import LetheTestSupport
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// Webhooks end to end: a real receiver (Hummingbird on 127.0.0.1) checks each delivery's
/// signature and answers 500 once; the deliverer retries, and every attempt is recorded.
@Suite struct WebhookTests {
    let installation: TestInstallation
    let admin = Principal.holding([.admin], name: "root")

    init() throws { installation = try TestInstallation() }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// What the receiver saw, and the secret it checks with.
    final class Receiver: @unchecked Sendable {
        struct Seen {
            var delivery: String
            var event: String
            var body: [UInt8]
            var genuine: Bool
        }
        private let lock = NSLock()
        private var secretBytes: [UInt8] = []
        private var seenRequests: [Seen] = []
        /// Answer 500 to every request, not only the first.
        let failsAlways: Bool

        init(failsAlways: Bool = false) { self.failsAlways = failsAlways }

        func setSecret(_ secret: String) { lock.withLock { secretBytes = Array(secret.utf8) } }
        var secret: [UInt8] { lock.withLock { secretBytes } }
        var seen: [Seen] { lock.withLock { seenRequests } }
        /// Records a request; answers 500 to the first (to every one when it fails always), 200 after.
        func record(_ seen: Seen) -> HTTPResponse.Status {
            lock.withLock {
                seenRequests.append(seen)
                return seenRequests.count == 1 || failsAlways ? .internalServerError : .ok
            }
        }
    }

    static func receiverApplication(
        _ receiver: Receiver, port: @escaping @Sendable (Int) async -> Void
    )
        -> some ApplicationProtocol
    {
        let router = Router()
        router.post("hook") { request, context -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let header = { (name: String) in request.headers[HTTPField.Name(name)!] ?? "" }
            // The receiver's check, as docs/operations.md describes it
            let genuine = WebhookSignature.verify(
                secret: receiver.secret, timestamp: header(WebhookSignature.timestampHeader),
                signature: header(WebhookSignature.signatureHeader), body: body)
            let status = receiver.record(
                .init(
                    delivery: header(WebhookSignature.deliveryHeader), event: header(WebhookSignature.eventHeader),
                    body: body, genuine: genuine))
            return Response(status: genuine ? status : .unauthorized)
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { await port($0.localAddress?.port ?? 0) }, logger: quietLogger)
    }

    @Test func aDeliveryIsSignedRetriedAfterA500AndRecorded() async throws {
        let receiver = Receiver()
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let receiverApp = Self.receiverApplication(receiver) { portSink.yield($0) }
        let deliverer = WebhookDeliverer(
            app: installation.app, policy: RetryPolicy(maxAttempts: 3, firstDelay: 0.05),
            pollInterval: .milliseconds(20), timeout: .seconds(120), logger: Self.quietLogger)
        let group = ServiceGroup(
            configuration: .init(
                services: [receiverApp, deliverer], gracefulShutdownSignals: [], logger: Self.quietLogger))
        let app = installation.app
        let admin = admin
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            // Given a webhook for reports on the receiver
            let added = try await app.webhooks.add(
                url: "http://127.0.0.1:\(port)/hook", events: [.reportReady], by: admin)
            receiver.setSecret(added.secret)
            #expect(added.secret.count == 64)
            // When a report is ready
            let made = try await app.notifications.publish(
                .reportReady, key: "report:q4", data: ["report": "quarterly"])
            #expect(made == 1)
            // Then it arrives, after one retry, and every attempt is recorded
            let deadline = ContinuousClock.now + .seconds(60)
            var deliveries = try await app.webhooks.deliveries(webhookID: added.webhook.id, by: admin)
            while deliveries.first?.state != .delivered, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                deliveries = try await app.webhooks.deliveries(webhookID: added.webhook.id, by: admin)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            let delivery = try #require(deliveries.first)
            #expect(delivery.state == .delivered)
            #expect(delivery.attempts == 2)
            #expect(delivery.lastStatus == 200)
            let seen = receiver.seen
            #expect(seen.count == 2)
            #expect(seen.allSatisfy { $0.genuine && $0.event == "report.ready" && $0.delivery == "\(delivery.id)" })
            #expect(seen.first?.body == seen.last?.body)
            let body = try #require(
                try JSONSerialization.jsonObject(with: Data(seen.first?.body ?? [])) as? [String: Any])
            #expect(body["type"] as? String == "report.ready")
            #expect((body["data"] as? [String: Any])?["report"] as? String == "quarterly")
            // And a changed body, a stale timestamp or another secret do not verify
            let original = try #require(seen.first?.body)
            let now = Int64(Date().timeIntervalSince1970)
            let signature = WebhookSignature.sign(secret: receiver.secret, timestamp: now, body: original)
            #expect(
                WebhookSignature.verify(
                    secret: receiver.secret, timestamp: "\(now)", signature: signature, body: original))
            #expect(
                !WebhookSignature.verify(
                    secret: receiver.secret, timestamp: "\(now)", signature: signature, body: original + [0x20]))
            #expect(
                !WebhookSignature.verify(
                    secret: Array("x".utf8), timestamp: "\(now)", signature: signature, body: original))
            let stale = now - 600
            #expect(
                !WebhookSignature.verify(
                    secret: receiver.secret, timestamp: "\(stale)",
                    signature: WebhookSignature.sign(secret: receiver.secret, timestamp: stale, body: original),
                    body: original))
        }
        // The same finding is notified once
        #expect(try await app.notifications.publish(.reportReady, key: "report:q4", data: [:]) == 0)
    }

    @Test func aDeliveryNobodyAcceptsFailsAfterItsAttempts() async throws {
        let app = installation.app
        // Given a webhook whose receiver answers 500 every time
        let receiver = Receiver(failsAlways: true)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let receiverApp = Self.receiverApplication(receiver) { portSink.yield($0) }
        let deliverer = WebhookDeliverer(
            app: app, policy: RetryPolicy(maxAttempts: 2, firstDelay: 0.01), pollInterval: .milliseconds(20),
            timeout: .seconds(120), logger: Self.quietLogger)
        let group = ServiceGroup(
            configuration: .init(
                services: [receiverApp, deliverer], gracefulShutdownSignals: [], logger: Self.quietLogger))
        let admin = admin
        var webhook: Int64 = 0
        // When both attempts fail
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let added = try await app.webhooks.add(
                url: "http://127.0.0.1:\(port)/hook", events: [.jobOverdue], by: admin)
            receiver.setSecret(added.secret)
            webhook = added.webhook.id
            _ = try await app.notifications.publish(.jobOverdue, key: "job.overdue:1", data: ["job": 1])
            let deadline = ContinuousClock.now + .seconds(60)
            while try await app.webhooks.deliveries(webhookID: webhook, by: admin).first?.state != .failed,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // Then it is failed, with both attempts and what went wrong recorded
        let delivery = try #require(try await app.webhooks.deliveries(webhookID: webhook, by: admin).first)
        #expect(delivery.state == .failed)
        #expect(delivery.attempts == 2)
        #expect(delivery.lastStatus == 500)
        #expect(delivery.lastError == "HTTP 500")
        #expect(receiver.seen.count == 2)
    }

    @Test func onlyAdminsManageWebhooksAndPlainHTTPNeedsAChoice() async throws {
        let app = installation.app
        await #expect(throws: LetheError.self) {
            try await app.webhooks.add(url: "https://hooks.example.org/x", events: [.jobOverdue], by: .auditor)
        }
        await #expect(throws: LetheError.self) {
            try await app.webhooks.add(url: "http://hooks.example.org/x", events: [.jobOverdue], by: admin)
        }
        await #expect(throws: LetheError.self) {
            try await app.webhooks.add(url: "https://me:pw@hooks.example.org/x", events: [.jobOverdue], by: admin)
        }
        await #expect(throws: LetheError.self) {
            try await app.webhooks.add(url: "ftp://hooks.example.org/x", events: [.jobOverdue], by: admin)
        }
        await #expect(throws: LetheError.self) {
            try await app.webhooks.add(url: "https://hooks.example.org/x", events: [], by: admin)
        }
        let plain = try await app.webhooks.add(
            url: "http://hooks.example.org/x", events: [.jobOverdue], allowPlainHTTP: true, by: admin)
        let secure = try await app.webhooks.add(
            url: "https://hooks.example.org/y", events: [.erasureOverdue, .jobOverdue], by: admin)
        #expect(try await app.webhooks.list(by: admin).map(\.id) == [plain.webhook.id, secure.webhook.id])
        // The secret is kept sealed: the database's row does not hold it
        let row = try #require(
            try await app.store.read { (tx) throws(LetheError) in try tx.webhook(id: secure.webhook.id) })
        #expect(row.secret != Array(secure.secret.utf8))
        #expect(!String(decoding: row.secret, as: UTF8.self).contains(secure.secret))
        _ = try await app.webhooks.remove(id: plain.webhook.id, by: admin)
        #expect(try await app.webhooks.list(by: admin).map(\.id) == [secure.webhook.id])
        #expect(throws: LetheError.self) { try NotificationEvent.parse("job.exploded") }
        // A removed webhook gets nothing; the active one gets one delivery per finding
        #expect(try await app.notifications.publish(.jobOverdue, key: "job.overdue:7", data: ["job": 7]) == 1)
    }
}
