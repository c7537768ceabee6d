import Foundation
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import Logging
import Testing

@testable import LetheServer

/// The service closes connections that complete no request head or body piece while no response
/// is being made (``ServerConfiguration/idleTimeout``), and refuses a body that trickles in
/// (``BodyRateMiddleware``), over a real socket on 127.0.0.1.
@Suite struct IdleConnectionTests {
    let installation: TestInstallation

    init() throws { installation = try TestInstallation() }

    /// The service with an idle timeout of `idle` (and, when given, a request body's grace apart).
    func application(idle: Duration = .seconds(1), bodyGrace: Duration? = nil) throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var configuration = ServerConfiguration(port: 0, scheduleInterval: nil)
        configuration.idleTimeout = idle
        configuration.bodyRateGrace = bodyGrace
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

    @Test func aBodyThatTricklesInIsRefusedOnceItFallsBelowTheMinimumRate() async throws {
        let token = try await installation.app.users.add(
            name: "ivy", roles: [.itStaff], by: try Principal.localOperator("operator")
        ).token.secret
        // (an idle timeout of 30 s, which no stall of a loaded machine reaches, and a grace of 1 s)
        try await application(idle: .seconds(30), bodyGrace: .seconds(1)).test(.live) { client in
            let port = try #require(client.port)
            // Given a sign-in (no account needed), and an asset registration over the API, each
            // with a body of 100,000 declared bytes that comes a byte every 50 ms (each piece
            // resets the idle timeout)
            let started = ContinuousClock.now
            async let signingIn = Self.trickle(
                port: port,
                head:
                    "POST /console/signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
            )
            async let registering = Self.trickle(
                port: port,
                head:
                    "POST /api/v1/assets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            )
            let (signIn, register) = try await (signingIn, registering)
            // Then each is refused with 408 once the grace is over and the body has come at
            // under 500 bytes a second; the API's as a problem saying so
            #expect(signIn.hasPrefix("HTTP/1.1 408"), "\(signIn.prefix(200))")
            #expect(register.hasPrefix("HTTP/1.1 408"), "\(register.prefix(200))")
            #expect(register.contains(#""code":"too-slow""#) || register.contains(#""code" : "too-slow""#))
            #expect(ContinuousClock.now - started >= .seconds(1))
        }
    }

    /// Sends `head`, then a byte every 50 ms for up to a minute, and returns the answer once one
    /// comes (to its end, or the connection's), or "" when none came.
    static func trickle(port: Int, head: String) async throws -> String {
        let socket = try LoopbackClient(port: port)
        defer { socket.close() }
        guard socket.send(Array(head.utf8)) else { return "" }
        return await LoopbackClient.offThePool { () -> String in
            for _ in 0..<1_200 {
                guard socket.send([UInt8(ascii: "a")]) else { break }
                let arrived = socket.read(waiting: .milliseconds(50)) { !$0.isEmpty }
                if !arrived.isEmpty {
                    let rest = socket.read(waiting: .seconds(5)) { _ in false }
                    return String(decoding: arrived + rest, as: UTF8.self)
                }
            }
            return ""
        }
    }

    @Test func anIdleTimeoutIsBetweenASecondAndADayAndHasNoOff() throws {
        #expect(try ServerConfiguration.parseIdleTimeout("PT5M", field: "--idle-timeout") == .seconds(300))
        #expect(throws: LetheError.self) { try ServerConfiguration.parseIdleTimeout("off", field: "--idle-timeout") }
        #expect(throws: LetheError.self) { try ServerConfiguration.parseIdleTimeout("0", field: "--idle-timeout") }
        #expect(throws: LetheError.self) { try ServerConfiguration.parseIdleTimeout("60", field: "--idle-timeout") }
        // (its message offers no "off", which the scheduler's interval takes)
        let message = #expect(throws: LetheError.self) {
            try ServerConfiguration.parseIdleTimeout("PT0.5S", field: "LETHE_IDLE_TIMEOUT")
        }?.message
        #expect(message?.contains("LETHE_IDLE_TIMEOUT 'PT0.5S'") == true && message?.contains("off") == false)
        var configuration = ServerConfiguration()
        configuration.idleTimeout = .seconds(2 * 24 * 3600)
        #expect(throws: LetheError.self) { try configuration.validate() }
        #expect(ServerConfiguration().idleTimeout == .seconds(60))
    }
}
