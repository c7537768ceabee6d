import Foundation
import LetheCore
import LetheTestSupport
import Synchronization
import Testing

@testable import LetheSanitize

/// The one producer/consumer pipeline of the overwrite and the read-back: every way of ending it
/// (done, stopped with buffers in flight, a producer error) shuts it down without a trap.
@Suite struct PrefetchPipelineTests {
    @Test func piecesArriveInOrderWithTheirOffsets() throws {
        // Given 10 pieces of 4 KiB and a short last one, each filled with its index,
        let ranges = ByteRanges(start: 4096, end: 4096 + 9 * 4096 + 100, size: 4096)
        #expect(ranges.count == 10)
        let pipeline = PrefetchPipeline(ranges: ranges) { buffer, offset, count in
            buffer.initializeMemory(as: UInt8.self, repeating: UInt8((offset - 4096) / 4096))
            #expect(count == (offset == 4096 + 9 * 4096 ? 100 : 4096))
        }
        defer { pipeline.shutDown() }
        // when they are taken one after the other, then each holds its own index.
        for index in 0..<ranges.count {
            let buffer = try pipeline.take()
            #expect(buffer[0] == UInt8(index))
            pipeline.release()
        }
    }

    @Test func aShutDownWithBothBuffersFilledAndOneTakenEndsCleanly() throws {
        // Given a producer that has filled both buffers ahead (the state a Ctrl-C met, which made
        // the semaphore pipeline trap in _dispatch_semaphore_dispose),
        for _ in 0..<50 {
            let filled = Mutex(0)
            let pipeline = PrefetchPipeline(ranges: ByteRanges(start: 0, end: 64 * 4096, size: 4096)) { _, _, _ in
                filled.withLock { $0 += 1 }
            }
            _ = try pipeline.take()
            while filled.withLock({ $0 }) < 2 { Thread.sleep(forTimeInterval: 0.001) }
            // when it is shut down with a buffer still taken, twice,
            pipeline.shutDown()
            pipeline.shutDown()
            // then the producer stopped where it was: it never ran ahead of the consumer by more than two.
            #expect(filled.withLock { $0 } <= 3)
        }
    }

    @Test func aProducerErrorReachesTheConsumer() throws {
        // Given a producer that fails on its third piece,
        let pipeline = PrefetchPipeline(ranges: ByteRanges(start: 0, end: 8 * 4096, size: 4096)) {
            (_, offset, _) throws(LetheError) in
            if offset == 2 * 4096 { throw LetheError(.io, "reading at offset \(offset) failed") }
        }
        defer { pipeline.shutDown() }
        // then the first two pieces arrive and the third take throws the producer's error.
        _ = try pipeline.take()
        pipeline.release()
        _ = try pipeline.take()
        pipeline.release()
        #expect(throws: LetheError(.io, "reading at offset 8192 failed")) { try pipeline.take() }
    }
}
