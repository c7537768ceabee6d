import Foundation
import Hummingbird
import Lethe
import LetheCore
import LetheTestSupport
import Logging
import ServiceLifecycle
import Testing

@testable import LetheServer

/// The service bounds the connections it holds: in all (more wait to be accepted) and per client
/// address (more are closed as they open), over real sockets on 127.0.0.1; 127.0.0.2 is another
/// client.
@Suite struct ConnectionLimitTests {
    let installation: TestInstallation

    init() throws { installation = try TestInstallation() }

    /// Runs the service as `lethe serve` does, with at most `total` connections and `perClient`
    /// for each client, while `body` is given its port. (HummingbirdTesting's live server is not
    /// used: it drops the application's connection limit, and its own client holds a connection
    /// from 127.0.0.1.)
    func serving(
        total: Int? = nil, perClient: Int? = nil,
        _ body: @Sendable (_ port: Int, _ clients: ClientConnections) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var configuration = ServerConfiguration(port: 0, scheduleInterval: nil)
        configuration.maxConnections = total
        configuration.maxConnectionsPerClient = perClient
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let clients = ClientConnections(
            perClient: configuration.resolvedMaxConnectionsPerClient, exempt: [], logger: logger,
            metrics: ServiceMetrics())
        let application = try LetheServer.application(
            app: installation.app, configuration: configuration, logger: logger, clients: clients
        ) { portSink.yield($0) }
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // (a service that cannot start ends the wait for its port, rather than hanging)
                defer { portSink.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(port, clients)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aClientHoldingItsLimitHasMoreConnectionsClosedWhileOthersAreServed() async throws {
        try await serving(perClient: 3) { port, clients in
            // Given a client holding three connections, each answered and kept alive
            let held = try (0..<3).map { _ in try LoopbackClient(port: port) }
            defer { held.forEach { $0.close() } }
            for socket in held { #expect(await LoopbackClient.offThePool { socket.healthy(waiting: .seconds(30)) }) }
            // When it opens a fourth
            let fourth = try LoopbackClient(port: port)
            defer { fourth.close() }
            // Then that one is closed unanswered, while another client is served
            #expect(await LoopbackClient.offThePool { !fourth.healthy(waiting: .seconds(30)) })
            let other = try LoopbackClient(port: port, from: "127.0.0.2")
            defer { other.close() }
            #expect(await LoopbackClient.offThePool { other.healthy(waiting: .seconds(30)) })
            // And once it closes one of its three, it is served again (the close is counted as
            // the service sees it, so a new connection is tried until then)
            held[0].close()
            let servedAgain = await LoopbackClient.offThePool { () -> Bool in
                for _ in 0..<300 {
                    guard let socket = try? LoopbackClient(port: port) else { return false }
                    defer { socket.close() }
                    if socket.healthy(waiting: .seconds(5)) { return true }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                return false
            }
            #expect(servedAgain)
            // And once every connection is closed, none is counted (the count never leaks)
            held.forEach { $0.close() }
            fourth.close()
            other.close()
            let drained = await LoopbackClient.offThePool { () -> Bool in
                for _ in 0..<600 where clients.totalOpen > 0 { Thread.sleep(forTimeInterval: 0.05) }
                return clients.totalOpen == 0
            }
            #expect(drained, "\(clients.totalOpen) still counted")
        }
    }

    @Test func connectionsBeyondTheServiceLimitWaitToBeAccepted() async throws {
        try await serving(total: 2, perClient: 10) { port, _ in
            // Given two connections held open, each answered
            let held = try (0..<2).map { _ in try LoopbackClient(port: port) }
            defer { held.forEach { $0.close() } }
            for socket in held { #expect(await LoopbackClient.offThePool { socket.healthy(waiting: .seconds(30)) }) }
            // When a third asks, from another client
            let third = try LoopbackClient(port: port, from: "127.0.0.2")
            defer { third.close() }
            #expect(third.send(Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)))
            // Then it is not answered while the two are held (it waits to be accepted)
            let early = await LoopbackClient.offThePool { third.read(waiting: .seconds(1)) { !$0.isEmpty } }
            #expect(early.isEmpty)
            // And it is answered once one of them closes
            held[0].close()
            let answer = await LoopbackClient.offThePool {
                third.read(waiting: .seconds(30)) { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }
            }
            #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func aTrustedProxyIsNotLimitedPerClientAndAddressesCountInOneSpelling() {
        // Given counts of one connection per client, with 127.0.0.9 and 2001:DB8::9 trusted proxies
        let clients = ClientConnections(
            perClient: 1, exempt: ["127.0.0.9", "2001:DB8::9"], logger: Logger(label: "test"), metrics: ServiceMetrics()
        )
        // Then a client gets one connection, and another only once it closed that one
        let first = clients.open("10.0.0.1")
        #expect(first == "10.0.0.1")
        #expect(clients.open("10.0.0.1") == nil)
        #expect(clients.open("10.0.0.2") != nil)
        clients.close("10.0.0.1")
        #expect(clients.openCount("10.0.0.1") == 0)
        #expect(clients.open("10.0.0.1") != nil)
        // And the same client seen by a dual-stack socket is the same client
        #expect(clients.open("::ffff:10.0.0.1") == nil)
        // And an IPv6 host counts by its /64, whichever address of it connects
        #expect(clients.open("2001:db8:1:2::1") == "2001:db8:1:2::/64")
        #expect(clients.open("2001:db8:1:2:ffff::7") == nil)
        // And the proxies, carrying every client's connections, are not counted, however written
        for proxy in ["127.0.0.9", "::ffff:127.0.0.9", "2001:db8::9", "2001:db8:0:0::9"] {
            #expect(clients.open(proxy) == "" && clients.open(proxy) == "", "\(proxy)")
        }
        #expect(clients.openCount("127.0.0.9") == 0)
    }

    @Test func theLimitsAreCountsThatFitTheOpenFileLimit() throws {
        #expect(try ServerConfiguration.parseCount("64", field: "--max-connections") == 64)
        for text in ["0", "-3", "many", ""] {
            #expect(throws: LetheError.self) { try ServerConfiguration.parseCount(text, field: "--max-connections") }
        }
        // A total beyond what the open-file limit leaves is refused, naming the limit
        var configuration = ServerConfiguration()
        configuration.maxConnections = FileDescriptorLimit.current() + 1
        let message = #expect(throws: LetheError.self) { try configuration.validate() }?.message
        #expect(message?.contains("\(FileDescriptorLimit.current())") == true)
        // By default a client may hold 128, or a quarter of the total when that is less
        configuration.maxConnections = 40
        #expect(configuration.resolvedMaxConnectionsPerClient == 10)
        configuration.maxConnections = 4000
        #expect(configuration.resolvedMaxConnectionsPerClient == 128)
        configuration.maxConnections = nil
        #expect(configuration.resolvedMaxConnections <= FileDescriptorLimit.defaultCeiling)
        #expect(configuration.resolvedMaxConnections >= 1)
    }
}
