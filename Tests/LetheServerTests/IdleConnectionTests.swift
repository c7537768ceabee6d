import Foundation
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheServer
import LetheTestSupport
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The service closes connections that send nothing while no response is being made
/// (``ServerConfiguration/idleTimeout``), over a real socket on 127.0.0.1.
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

    @Test func aHeadSentAByteAtATimeIsCutOffAfterTheIdleTimeout() async throws {
        try await application().test(.live) { client in
            // Given a connection whose request head never ends: a byte every 200 ms
            let socket = try RawClient(port: try #require(client.port))
            defer { socket.close() }
            let started = ContinuousClock.now
            let closed = await RawClient.offThePool {
                for byte in Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8)
                    + Array(repeating: 0x61, count: 40)
                {
                    guard socket.send([byte]), !socket.closedByPeer(waiting: .milliseconds(200)) else { return true }
                }
                return false
            }
            // Then the service closes it after about a second, although bytes kept coming
            #expect(closed)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func aKeptAliveConnectionIsClosedOnceIdleAndAnsweredUntilThen() async throws {
        try await application(idle: .seconds(2)).test(.live) { client in
            // Given a connection that asks for /healthz three times, 800 ms apart: it outlives
            // the idle timeout of two seconds because it is busy
            let socket = try RawClient(port: try #require(client.port))
            defer { socket.close() }
            var lastAsked = ContinuousClock.now
            for index in 0..<3 {
                if index > 0 { try await Task.sleep(for: .milliseconds(800)) }
                lastAsked = ContinuousClock.now
                #expect(socket.send(Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)))
                let answer = await RawClient.offThePool { socket.read(waiting: .seconds(5)) }
                #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            }
            // When it then sends nothing
            // Then the service closes it two seconds after its last answer (so after its last request)
            #expect(await RawClient.offThePool { socket.closedByPeer(waiting: .seconds(8)) })
            let waited = ContinuousClock.now - lastAsked
            #expect(waited >= .milliseconds(1_900) && waited < .seconds(8))
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

    /// A TCP client on 127.0.0.1 that sends and reads bytes as the test says. Its waits block:
    /// run them ``offThePool``, so that the server's handlers keep the threads they run on.
    struct RawClient {
        let descriptor: Int32

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw LetheError(.io, "no socket") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                _ = Glibc.close(descriptor)
                throw LetheError(.io, "cannot connect to 127.0.0.1:\(port)")
            }
        }

        /// Whether all of `bytes` were sent (false once the peer has closed).
        func send(_ bytes: [UInt8]) -> Bool {
            Glibc.send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count
        }

        /// Whether the peer closes the connection (or resets it) within `waiting`; bytes it sends
        /// meanwhile are read and dropped.
        func closedByPeer(waiting: Duration) -> Bool {
            let deadline = ContinuousClock.now + waiting
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero, wait(left) else { return false }
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count <= 0 { return true }
            }
        }

        /// What arrives within `waiting`, up to the first pause after some bytes came.
        func read(waiting: Duration) -> [UInt8] {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while wait(received.isEmpty ? waiting : .milliseconds(100)) {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count > 0 else { break }
                received += buffer[0..<count]
            }
            return received
        }

        /// Whether the socket has something to read (or has closed) within `time`.
        private func wait(_ time: Duration) -> Bool {
            var descriptors = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let (seconds, attoseconds) = time.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
            return poll(&descriptors, 1, max(milliseconds, 1)) > 0
        }

        func close() { _ = Glibc.close(descriptor) }

        /// Runs `work` on a thread of its own and returns its result.
        static func offThePool<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
                Thread.detachNewThread { continuation.resume(returning: work()) }
            }
        }
    }
}
