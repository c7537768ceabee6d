import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import LetheServer

#if canImport(Glibc)
    import Glibc
#endif

/// A response body made chunk by chunk on a thread of its own: every chunk in order, an error
/// ends it unfinished, and a client that goes away or stops reading stops the thread making it.
@Suite struct StreamedResponseTests {
    static let logger = Logger(label: "test")

    /// What a connection received.
    final class Received: @unchecked Sendable {
        // @unchecked: touched under `lock` only.
        private let lock = NSLock()
        private var chunks: [[UInt8]] = []
        private var finished = false
        func add(_ chunk: [UInt8]) { lock.withLock { chunks.append(chunk) } }
        func finish() { lock.withLock { finished = true } }
        var all: (chunks: [[UInt8]], finished: Bool) { lock.withLock { (chunks, finished) } }
    }

    /// A connection that takes `accepting` chunks, then fails as a closed one does.
    struct Connection: ResponseBodyWriter {
        let received: Received
        var accepting = Int.max
        mutating func write(_ buffer: ByteBuffer) async throws {
            guard accepting > 0 else { throw ChannelError.ioOnClosedChannel }
            accepting -= 1
            received.add(Array(buffer: buffer))
        }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws { received.finish() }
    }

    /// How the making thread ended.
    final class Ending: @unchecked Sendable {
        // @unchecked: `error` is set once before `done` is signalled, and read after waiting.
        let done = DispatchSemaphore(value: 0)
        var error: LetheError?
        var made = 0
    }

    @Test func everyChunkIsSentInOrderAndTheBodyFinished() async throws {
        let received = Received()
        let sent: [[UInt8]] = (0..<200).map { (index: Int) -> [UInt8] in [UInt8(index % 256), UInt8(index / 256)] }
        let body = try await StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
            for chunk in sent { try send(chunk) }
        }
        try await body.write(Connection(received: received))
        let (chunks, finished) = received.all
        #expect(chunks == sent)
        #expect(finished)
    }

    @Test func anErrorWhileMakingEndsTheBodyUnfinished() async throws {
        let received = Received()
        let body = try await StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
            try send(Array("a,b\r\n".utf8))
            throw LetheError(.io, "the report's spool file changed")
        }
        await #expect {
            try await body.write(Connection(received: received))
        } throws: { ($0 as? LetheError)?.message == "the report's spool file changed" }
        let (chunks, finished) = received.all
        let expected: [[UInt8]] = [Array("a,b\r\n".utf8)]
        #expect(chunks == expected)
        #expect(!finished)
    }

    @Test func overASocketABodyThatFailsIsCutShortNotEnded() async throws {
        // Given a route whose body fails after its first chunks, and one whose body does not
        let router = Router(context: LetheRequestContext.self)
        router.get("whole") { _, _ in
            Response(
                status: .ok,
                body: try await StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
                    for _ in 0..<3 { try send(Array(repeating: 0x61, count: 70_000)) }
                })
        }
        router.get("cut") { _, _ in
            Response(
                status: .ok,
                body: try await StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
                    for _ in 0..<3 { try send(Array(repeating: 0x61, count: 70_000)) }
                    throw LetheError(.io, "the report's spool file changed")
                })
        }
        // And one whose body fails before its first chunk
        router.get("early") { _, _ in
            Response(
                status: .ok,
                body: try await StreamedResponse.make(logger: Self.logger) { (_) throws(LetheError) in
                    throw LetheError(.io, "the report's record does not match its digest")
                })
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(
            .live
        ) { client in
            // (over a socket of its own, with waits a loaded machine cannot outlast: the test
            // client's 20 s read timeout was outlasted once, beside a hundred other suites)
            let port = try #require(client.port)
            let answers = await LoopbackClient.offThePool { () -> [String: String] in
                var answers: [String: String] = [:]
                for path in ["whole", "early", "cut"] {
                    guard let socket = try? LoopbackClient(port: port) else { return answers }
                    defer { socket.close() }
                    _ = socket.send(Array("GET /\(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                    // until the last chunk, a whole error response, or the connection's end
                    let bytes = socket.read(waiting: .seconds(120)) {
                        let text = String(decoding: $0, as: UTF8.self)
                        return text.hasSuffix("\r\n0\r\n\r\n")
                            || (text.hasPrefix("HTTP/1.1 5") && text.contains("\r\n\r\n"))
                    }
                    answers[path] = String(decoding: bytes, as: UTF8.self)
                }
                return answers
            }
            // Then the whole body arrives whole, ended by its last chunk
            let whole = answers["whole", default: ""]
            #expect(whole.hasPrefix("HTTP/1.1 200"))
            #expect(Self.chunkedBody(whole).count == 210_000)
            #expect(whole.hasSuffix("\r\n0\r\n\r\n"))
            // And the early failure is an error response, never a 200
            #expect(
                answers["early", default: ""].hasPrefix("HTTP/1.1 5"), "\(answers["early", default: ""].prefix(200))")
            // And the one that fails after its first chunks is cut short: its chunks, then the
            // connection's end, without the last chunk
            let cut = answers["cut", default: ""]
            #expect(cut.hasPrefix("HTTP/1.1 200"))
            #expect(Self.chunkedBody(cut).count >= 70_000)
            #expect(!cut.hasSuffix("\r\n0\r\n\r\n"))
        }
    }

    /// The body of a chunked response as far as its chunks arrived whole.
    static func chunkedBody(_ response: String) -> [UInt8] {
        let bytes = Array(response.utf8)
        guard let head = response.range(of: "\r\n\r\n") else { return [] }
        var index = response.utf8.distance(from: response.startIndex, to: head.upperBound)
        var body: [UInt8] = []
        while let end = bytes[index...].firstIndex(of: 0x0D), end + 1 < bytes.count,
            let size = Int(String(decoding: bytes[index..<end], as: UTF8.self), radix: 16), size > 0,
            end + 2 + size <= bytes.count
        {
            body += bytes[(end + 2)..<(end + 2 + size)]
            index = end + 2 + size + 2
            guard index <= bytes.count else { break }
        }
        return body
    }

    @Test func largeDownloadsTakeAPlaceEachUntilTheirResponseAndThreadAreDone() async throws {
        // Given a signed report, taken for large, and one place for large downloads
        let server = try await TestServer()
        let carol = Principal.evidenceUser("carol", .compliance)
        let reports = server.app.reports
        let serial = try await reports.inventory(by: carol).serial
        let slots = DownloadSlots(limit: 1)
        let download = { (format: String, slots: DownloadSlots, largeBytes: Int) async throws -> Response in
            try await StreamedResponse.reportDownload(
                serial: serial, format: format, reports: reports, by: carol, logger: Self.logger, slots: slots,
                largeBytes: largeBytes)
        }

        // When one download of it is under way, a second is refused with 503 (locked)
        var first: Response? = try await download("csv", slots, 0)
        #expect(slots.inUse == 1)
        await #expect {
            try await download("pdf", slots, 0)
        } throws: { ($0 as? LetheError)?.code == .locked }
        // And so are its evidence bundle and its page, before its record is copied
        await #expect {
            try await StreamedResponse.bundleDownload(
                serial: serial, format: .tarGz, evidence: server.app.evidence, by: carol, logger: Self.logger,
                slots: slots, largeBytes: 0)
        } throws: { ($0 as? LetheError)?.code == .locked }
        await #expect {
            try await StreamedResponse.bundlePage(
                serial: serial, evidence: server.app.evidence, by: carol, headers: [:], logger: Self.logger,
                slots: slots, largeBytes: 0)
        } throws: { ($0 as? LetheError)?.code == .locked }

        // Then once the first is sent, its place is free again
        try await first!.body.write(Connection(received: Received()))
        first = nil
        for _ in 0..<100 where slots.inUse > 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(slots.inUse == 0)
        // And a report no larger than the limit takes no place at all
        _ = try await download("csv", DownloadSlots(limit: 0), DownloadSlots.largeBytes)
        // And an unknown serial is not found before any place is taken
        await #expect {
            try await StreamedResponse.reportDownload(
                serial: "NO-SUCH", format: "csv", reports: reports, by: carol, logger: Self.logger,
                slots: DownloadSlots(limit: 0), largeBytes: 0)
        } throws: { ($0 as? LetheError)?.code == .notFound }
    }

    @Test func aResponseDroppedUnwrittenStopsItsThreadAndGivesBackItsPlace() async throws {
        // Given a large download whose response is made (its first chunk given) but never written
        let server = try await TestServer()
        let carol = Principal.evidenceUser("carol", .compliance)
        let serial = try await server.app.reports.inventory(by: carol).serial
        let slots = DownloadSlots(limit: 1)
        var response: Response? = try await StreamedResponse.reportDownload(
            serial: serial, format: "html", reports: server.app.reports, by: carol, logger: Self.logger,
            slots: slots, largeBytes: 0)
        #expect(slots.inUse == 1)
        // When it is let go, its thread stops and its place is free again
        response = nil
        for _ in 0..<250 where slots.inUse > 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(slots.inUse == 0)
        _ = response
    }

    @Test func anErrorBeforeTheFirstChunkIsThrownBeforeAnyResponseIsMade() async throws {
        await #expect {
            _ = try await StreamedResponse.make(logger: Self.logger) { (_) throws(LetheError) in
                throw LetheError(.io, "the report's record does not match its digest")
            }
        } throws: { ($0 as? LetheError)?.code == .io }
    }

    @Test func aClientThatStopsReadingIsLetGoAndTheThreadMakingTheBodyStops() async throws {
        // Given a route whose body is 256 chunks of 1 MB, with a deadline of 1 s on each chunk
        let ending = Ending()
        let router = Router(context: LetheRequestContext.self)
        router.get("large") { _, context in
            Response(
                status: .ok,
                body: try await StreamedResponse.make(
                    logger: Self.logger, connection: context.channel, sendTimeout: .seconds(1)
                ) { (send) throws(LetheError) in
                    defer { ending.done.signal() }
                    do throws(LetheError) {
                        for _ in 0..<256 {
                            try send(Array(repeating: 0x61, count: 1 << 20))
                            ending.made += 1
                        }
                    } catch {
                        ending.error = error
                        throw error
                    }
                })
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(
            .live
        ) { client in
            // When a client asks for it and then reads nothing
            let socket = try StalledClient(port: try #require(client.port), request: "/large")
            defer { socket.close() }
            // Then its connection is closed, and the thread making the body stops, long before its end
            let stopped = await Self.wait(for: ending.done, seconds: 30)
            #expect(stopped == .success)
            #expect(ending.made < 256)
            #expect(ending.error?.message.contains("client went away") == true)
        }
    }

    @Test func aClientThatStopsReadingBeforeTheLastChunkIsTakenIsLetGo() async throws {
        // Given a route whose body is one chunk of 16 MB (written at once: the wait is for the
        // client to take it before the body's end), with a deadline of 1 s
        let ending = Ending()
        let router = Router(context: LetheRequestContext.self)
        router.get("one") { _, context in
            let body = try await StreamedResponse.make(
                logger: Self.logger, connection: context.channel, sendTimeout: .seconds(1)
            ) { (send) throws(LetheError) in try send(Array(repeating: 0x61, count: 16 << 20)) }
            return Response(
                status: .ok,
                body: ResponseBody { (writer) in
                    do {
                        try await body.write(writer)
                    } catch {
                        ending.error = LetheError(.io, "\(error)")
                        ending.done.signal()
                        throw error
                    }
                    ending.done.signal()
                })
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(
            .live
        ) { client in
            // When a client asks for it and then reads nothing
            let socket = try StalledClient(port: try #require(client.port), request: "/one")
            defer { socket.close() }
            // Then the body's end is not waited for beyond the deadline: its connection is closed
            let ended = await Self.wait(for: ending.done, seconds: 30)
            #expect(ended == .success)
            #expect(ending.error != nil)
        }
    }

    @Test func aBodysEndIsNotTakenAsSentWhileItsConnectionStillHoldsItsBytes() async throws {
        // Given a route that writes 16 MB at once (taken into the connection's buffer), then
        // waits for them to be sent
        let ending = Ending()
        let returned = NIOLockedValueBox(false)
        let router = Router(context: LetheRequestContext.self)
        router.get("held") { _, context in
            let channel = context.channel
            return Response(
                status: .ok,
                body: ResponseBody { (writer) in
                    try await writer.write(ByteBuffer(repeating: 0x61, count: 16 << 20))
                    let waiting = Task {
                        defer { returned.withLockedValue { $0 = true } }
                        try await StreamedResponse.untilSent(channel)
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    ending.made = returned.withLockedValue { $0 } ? 1 : 0
                    channel.close(promise: nil)
                    do {
                        try await waiting.value
                    } catch {
                        ending.error = LetheError(.io, "\(error)")
                    }
                    ending.done.signal()
                    throw ChannelError.ioOnClosedChannel
                })
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(
            .live
        ) { client in
            // When its client reads nothing
            let socket = try StalledClient(port: try #require(client.port), request: "/held")
            defer { socket.close() }
            let ended = await Self.wait(for: ending.done, seconds: 30)
            #expect(ended == .success)
            // Then the wait has not returned while the bytes were held, and fails once the
            // connection is closed
            #expect(ending.made == 0)
            #expect(ending.error != nil)
        }
    }

    /// Waits for `semaphore` on a thread of its own: the test's task must not hold one of the
    /// threads the server it waits for runs on.
    static func wait(for semaphore: DispatchSemaphore, seconds: Int) async -> DispatchTimeoutResult {
        await withCheckedContinuation { (continuation: CheckedContinuation<DispatchTimeoutResult, Never>) in
            Thread.detachNewThread {
                continuation.resume(returning: semaphore.wait(timeout: .now() + .seconds(seconds)))
            }
        }
    }

    /// A client that sends a request over TCP and never reads the response.
    struct StalledClient {
        let client: LoopbackClient

        init(port: Int, request path: String) throws {
            // A small receive window, so that the server's writes back up soon.
            client = try LoopbackClient(port: port, receiveWindow: 4096)
            guard client.send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)) else {
                client.close()
                throw LetheError(.io, "cannot send the request")
            }
        }

        func close() { client.close() }
    }

    @Test func aClientThatGoesAwayStopsTheThreadMakingTheBody() async throws {
        let received = Received()
        let ending = Ending()
        let body = try await StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
            defer { ending.done.signal() }
            do throws(LetheError) {
                // Endless but for the client: it stops at the chunk after the one refused.
                while true {
                    try send([1, 2, 3])
                    ending.made += 1
                }
            } catch {
                ending.error = error
                throw error
            }
        }
        await #expect(throws: ChannelError.self) {
            try await body.write(Connection(received: received, accepting: 3))
        }
        let stopped = await Self.wait(for: ending.done, seconds: 10)
        #expect(stopped == .success)
        let message = ending.error?.message ?? ""
        #expect(message.contains("client went away"))
        let (chunks, finished) = received.all
        #expect(ending.made == 3)
        #expect(chunks.count == 3)
        #expect(!finished)
    }
}
