import Foundation
import LetheCore

/// Consecutive byte ranges of a medium: `[start, end)` cut into pieces of `size` bytes (the last
/// one may be shorter). Computed on demand, so a 20 TB disk costs no memory.
struct ByteRanges: Sendable, Hashable {
    /// The first offset.
    var start: Int64
    /// The end (exclusive).
    var end: Int64
    /// The size of each piece but the last.
    var size: Int

    /// How many pieces.
    var count: Int {
        guard end > start else { return 0 }
        return Int((end - start + Int64(size) - 1) / Int64(size))
    }

    /// Piece `index`: its offset and length.
    subscript(index: Int) -> (offset: Int64, count: Int) {
        let offset = start + Int64(index) * Int64(size)
        return (offset, Int(min(Int64(size), end - offset)))
    }
}

/// A producer thread that fills the next buffer (a pattern, a read) while the caller consumes the
/// current one: two buffers, handed over under one lock. It is the one producer/consumer pipeline
/// of the overwrite and the read-back.
///
/// Shutting down is always safe: ``shutDown()`` (idempotent) wakes the producer, waits for its
/// thread to end, and only then can the buffers go. Nothing is counted in semaphores, so no
/// handover left unbalanced by a stop, an error or a Ctrl-C can make a release trap (the
/// `DispatchSemaphore` pipeline this replaces crashed in `_dispatch_semaphore_dispose` when a
/// stop left a buffer taken by the producer and never handed back).
final class PrefetchPipeline: @unchecked Sendable {
    /// Fills `buffer` with `count` bytes of the piece at `offset`.
    typealias Producer =
        @Sendable (_ buffer: UnsafeMutableRawBufferPointer, _ offset: Int64, _ count: Int) throws(LetheError) -> Void

    private let buffers: [AlignedBuffer]
    private let ranges: ByteRanges
    /// Guards every field below; its condition is broadcast on every change.
    private let condition = NSCondition()
    /// Pieces the producer has filled.
    private var produced = 0
    /// Pieces the consumer has handed back.
    private var released = 0
    /// Whether the producer thread has ended.
    private var producerEnded = false
    /// Set by ``shutDown()``: the producer stops before its next piece.
    private var cancelled = false
    /// The producer's error, thrown by ``take()`` for the piece it failed on.
    private var failure: LetheError?
    /// The next piece the consumer takes (consumer thread only).
    private var nextTake = 0

    /// Starts a thread that fills `ranges` in order with `produce`, at most two pieces ahead of
    /// the consumer.
    init(ranges: ByteRanges, producer produce: @escaping Producer) {
        self.ranges = ranges
        buffers = [AlignedBuffer(size: ranges.size), AlignedBuffer(size: ranges.size)]
        let thread = Thread { [self] in self.produceAll(produce) }
        thread.start()
    }

    private func produceAll(_ produce: Producer) {
        defer {
            condition.withLock {
                producerEnded = true
                condition.broadcast()
            }
        }
        for index in 0..<ranges.count {
            let proceed = condition.withLock {
                while index - released >= buffers.count, !cancelled { condition.wait() }
                return !cancelled
            }
            guard proceed else { return }
            // The consumer has released piece index - 2: this buffer is the producer's alone.
            let (offset, count) = ranges[index]
            do throws(LetheError) {
                try produce(buffers[index % buffers.count].pointer, offset, count)
            } catch {
                condition.withLock {
                    failure = error
                    condition.broadcast()
                }
                return
            }
            condition.withLock {
                produced = index + 1
                condition.broadcast()
            }
        }
    }

    /// Waits for the next piece; throws the producer's error if it failed on it. Hand the buffer
    /// back with ``release()`` once it is used (the pipeline may not be taken from again before).
    func take() throws(LetheError) -> UnsafeMutableRawBufferPointer {
        let index = nextTake
        let outcome: Result<Void, LetheError> = condition.withLock {
            while produced <= index, failure == nil, !producerEnded { condition.wait() }
            if produced > index { return .success(()) }
            return .failure(
                failure ?? LetheError(.internal, "the prefetch pipeline ended before piece \(index) of \(ranges.count)")
            )
        }
        try outcome.get()
        nextTake += 1
        return buffers[index % buffers.count].pointer
    }

    /// Hands the buffer last taken back to the producer.
    func release() {
        condition.withLock {
            released += 1
            condition.broadcast()
        }
    }

    /// Stops the producer after the piece in flight and waits for its thread to end. Safe to call
    /// more than once, with a buffer still taken, or after an error.
    func shutDown() {
        condition.withLock {
            cancelled = true
            condition.broadcast()
            while !producerEnded { condition.wait() }
        }
    }
}
