import Foundation
import Hummingbird
import Lethe
import LetheCore
import NIOCore
import Testing

@testable import LetheServer

/// The bridge from a request body to an importer reading on its own thread.
@Suite struct StreamedBodyTests {
    /// `count` chunks of `size` bytes, each filled with its index.
    struct Chunks: AsyncSequence, Sendable {
        let count: Int
        let size: Int
        struct AsyncIterator: AsyncIteratorProtocol {
            var next = 0
            let count: Int
            let size: Int
            mutating func next() async -> ByteBuffer? {
                guard next < count else { return nil }
                defer { next += 1 }
                return ByteBuffer(repeating: UInt8(next % 256), count: size)
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(count: count, size: size) }
    }

    /// Reads `source` to its end on a thread of its own, as the importer does.
    static func readAll(_ source: StreamedBody) async -> Result<[UInt8], LetheError> {
        await withCheckedContinuation { continuation in
            Thread {
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 10_000)
                do {
                    while true {
                        let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                        if count == 0 { break }
                        bytes += buffer[..<count]
                    }
                    continuation.resume(returning: .success(bytes))
                } catch {
                    continuation.resume(returning: .failure(error as! LetheError))
                }
            }.start()
        }
    }

    @Test func aBodyLargerThanTheBufferArrivesWholeAndInOrder() async throws {
        // Given 4 MiB in 64 KiB chunks: four times what may wait between sender and reader
        let source = StreamedBody(limit: 8 << 20)
        async let sent: Void = source.receive(RequestBody(asyncSequence: Chunks(count: 64, size: 64 << 10)))
        let read = await Self.readAll(source)
        await sent
        let bytes = try read.get()
        // Then every byte arrives, in order
        #expect(bytes.count == 64 * (64 << 10))
        let size = 64 << 10
        for index in 0..<64 {
            let (first, last) = (bytes[index * size], bytes[(index + 1) * size - 1])
            #expect(first == UInt8(index) && last == UInt8(index), "chunk \(index)")
        }
        #expect(!source.exceededLimit)
    }

    @Test func aBodyPastTheLimitStopsTheReaderWithAnError() async throws {
        let source = StreamedBody(limit: 1 << 20)
        async let sent: Void = source.receive(RequestBody(asyncSequence: Chunks(count: 64, size: 64 << 10)))
        let read = await Self.readAll(source)
        source.abandon()
        await sent
        #expect(throws: LetheError.self) { try read.get() }
        #expect(source.exceededLimit)
    }

    @Test func anAbandonedReaderReleasesTheSender() async throws {
        // Given a reader that stops after the first bytes (a bad header)
        let source = StreamedBody(limit: 1 << 30)
        async let sent: Void = source.receive(RequestBody(asyncSequence: Chunks(count: 1_000, size: 64 << 10)))
        let count = await withCheckedContinuation { continuation in
            Thread {
                var first = [UInt8](repeating: 0, count: 100)
                let count = (try? first.withUnsafeMutableBytes { try source.read(into: $0) }) ?? -1
                continuation.resume(returning: count)
            }.start()
        }
        #expect(count == 100)
        source.abandon()
        // Then the sender stops waiting for space and returns without sending everything
        await sent
    }
}
