import Foundation
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheServer
import LetheTestSupport
import Logging
import Testing

/// The service closes connections that complete no request head or body piece while no response
/// is being made (``ServerConfiguration/idleTimeout``), over a real socket on 127.0.0.1.
@Suite struct IdleConnectionTests {
    let installation: TestInstallation

    init() throws { installation = try TestInstallation() }

    /// The service with an idle timeout of `idle`.
    func application(idle: Duration = .seconds(1)) throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var configuration = ServerConfiguration(port: 0, scheduleInterval: nil)
        configuration.idleTimeout = idle
        return try LetheServer.application(app: installation.app, configuration: configuration, logger: logger)
    }

    // The bounds are as loose as a loaded machine needs (the full suite runs these beside a
    // hundred others on two cores): only the service can end a connection sooner than they allow.

    @Test func aHeadSentAByteAtATimeIsCutOffAfterTheIdleTimeout() async throws {
        try await application().test(.live) { client in
            // Given a connection whose request head never ends: a byte every 200 ms, for a minute
            let socket = try LoopbackClient(port: try #require(client.port))
            defer { socket.close() }
            let started = ContinuousClock.now
            let closed = await LoopbackClient.offThePool {
                let head = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8)
                for index in 0..<300 {
                    let byte = index < head.count ? head[index] : UInt8(ascii: "a")
                    guard socket.send([byte]), !socket.closedByPeer(waiting: .milliseconds(200)) else { return true }
                }
                return false
            }
            // Then the service closes it, though bytes kept coming, and not before the timeout
            #expect(closed)
            #expect(ContinuousClock.now - started >= .seconds(1))
        }
    }

    @Test func aKeptAliveConnectionIsAnsweredThenClosedOnceIdle() async throws {
        try await application(idle: .seconds(2)).test(.live) { client in
            // Given a connection that asks for /healthz twice in one write (pipelined, so that it
            // is kept alive between the two however slow the machine)
            let socket = try LoopbackClient(port: try #require(client.port))
            defer { socket.close() }
            let asked = ContinuousClock.now
            let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            #expect(socket.send(Array((request + request).utf8)))
            // Then both are answered
            let answers = await LoopbackClient.offThePool {
                socket.read(waiting: .seconds(30)) {
                    String(decoding: $0, as: UTF8.self).components(separatedBy: "HTTP/1.1 200 OK").count == 3
                }
            }
            #expect(String(decoding: answers, as: UTF8.self).components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            // And when it then sends nothing, the service closes it, not before two seconds after
            // it asked (the timeout runs from its last answer)
            #expect(await LoopbackClient.offThePool { socket.closedByPeer(waiting: .seconds(30)) })
            #expect(ContinuousClock.now - asked >= .seconds(2))
        }
    }

    @Test func anIdleTimeoutIsBetweenASecondAndADayAndHasNoOff() throws {
        #expect(try ServerConfiguration.parseIdleTimeout("PT5M", field: "--idle-timeout") == .seconds(300))
        #expect(throws: LetheError.self) { try ServerConfiguration.parseIdleTimeout("off", field: "--idle-timeout") }
        #expect(throws: LetheError.self) { try ServerConfiguration.parseIdleTimeout("0", field: "--idle-timeout") }
        #expect(throws: LetheError.self) { try ServerConfiguration.parseIdleTimeout("60", field: "--idle-timeout") }
        var configuration = ServerConfiguration()
        configuration.idleTimeout = .seconds(2 * 24 * 3600)
        #expect(throws: LetheError.self) { try configuration.validate() }
        #expect(ServerConfiguration().idleTimeout == .seconds(60))
    }
}
