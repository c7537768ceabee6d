import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LetheCore
import Logging
import NIOCore
import Testing

@testable import LetheServer

/// A response body made chunk by chunk on a thread of its own: every chunk in order, an error
/// ends it unfinished, and a client that goes away stops the thread making it.
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
        let body = StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
            for chunk in sent { try send(chunk) }
        }
        try await body.write(Connection(received: received))
        let (chunks, finished) = received.all
        #expect(chunks == sent)
        #expect(finished)
    }

    @Test func anErrorWhileMakingEndsTheBodyUnfinished() async throws {
        let received = Received()
        let body = StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
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
                body: StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
                    for _ in 0..<3 { try send(Array(repeating: 0x61, count: 70_000)) }
                })
        }
        router.get("cut") { _, _ in
            Response(
                status: .ok,
                body: StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
                    for _ in 0..<3 { try send(Array(repeating: 0x61, count: 70_000)) }
                    throw LetheError(.io, "the report's spool file changed")
                })
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(
            .live
        ) { client in
            // Then the whole body arrives whole, and the failed one never arrives as a response
            let whole = try await client.execute(uri: "/whole", method: .get)
            #expect(whole.status == .ok && whole.body.readableBytes == 210_000)
            await #expect(throws: (any Error).self) { _ = try await client.execute(uri: "/cut", method: .get) }
        }
    }

    @Test func largeDownloadsTakeAPlaceEachUntilTheirResponseAndThreadAreDone() async throws {
        // Given a signed report, taken for large, and one place for large downloads
        let server = try await TestServer()
        let report = try await server.app.reports.inventory(by: .evidenceUser("carol", .compliance))
        let slots = DownloadSlots(limit: 1)

        // When one download of it is under way, a second is refused with 503 (locked)
        var first: Response? = try StreamedResponse.reportDownload(
            report, format: "csv", logger: Self.logger, slots: slots, largeBytes: 0)
        #expect(slots.inUse == 1)
        #expect {
            try StreamedResponse.reportDownload(report, format: "pdf", logger: Self.logger, slots: slots, largeBytes: 0)
        } throws: { ($0 as? LetheError)?.code == .locked }

        // Then once the first is sent, its place is free again
        try await first!.body.write(Connection(received: Received()))
        first = nil
        for _ in 0..<100 where slots.inUse > 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(slots.inUse == 0)
        // And a report no larger than the limit takes no place at all
        _ = try StreamedResponse.reportDownload(
            report, format: "csv", logger: Self.logger, slots: DownloadSlots(limit: 0))
    }

    @Test func aClientThatGoesAwayStopsTheThreadMakingTheBody() async throws {
        let received = Received()
        let ending = Ending()
        let body = StreamedResponse.make(logger: Self.logger) { (send) throws(LetheError) in
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
        let stopped = ending.done.wait(timeout: .now() + 10)
        #expect(stopped == .success)
        let message = ending.error?.message ?? ""
        #expect(message.contains("client went away"))
        let (chunks, finished) = received.all
        #expect(ending.made == 3)
        #expect(chunks.count == 3)
        #expect(!finished)
    }
}
