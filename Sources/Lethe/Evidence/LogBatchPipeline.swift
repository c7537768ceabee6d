import Foundation
import LetheCore

/// Two threads and a few reusable batches: the reader fills a batch from the store while the
/// replayer hashes the one before, so `lethe log verify` reads and hashes at the same time.
///
/// Bounded: the reader waits for an emptied batch when all are full, so memory stays at
/// `batches` batches whatever the size of the log. Either side may stop the other early: the
/// replayer at the first wrong entry (``stop()``), the reader at the end or on an error
/// (``close()``).
final class LogBatchPipeline<Outcome: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var empty: [LogEntryBatch]
    private var full: [LogEntryBatch] = []
    private var closed = false
    private var stopped = false
    private var outcome: Outcome?

    /// `batches` empty batches of `entriesPerBatch` entries.
    init(batches: Int, entriesPerBatch: Int, bytesPerEntry: Int = 256) {
        empty = (0..<max(batches, 2)).map { _ in
            LogEntryBatch(maximumCount: entriesPerBatch, byteCapacity: entriesPerBatch * bytesPerEntry)
        }
    }

    /// An empty batch for the reader to start with.
    func firstBatch() -> LogEntryBatch {
        condition.withLock { empty.removeLast() }
    }

    /// The reader hands a filled batch over and gets an empty one back (waiting for one), or nil
    /// when the replayer has stopped.
    func handOff(_ batch: LogEntryBatch) -> LogEntryBatch? {
        condition.withLock {
            guard !stopped else { return nil }
            full.append(batch)
            condition.broadcast()
            while empty.isEmpty, !stopped { condition.wait() }
            return stopped ? nil : empty.removeLast()
        }
    }

    /// The reader has handed over its last batch (or failed).
    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    /// The replayer's next filled batch, in the order they were handed over; nil once the reader
    /// has closed and every batch was taken.
    func nextBatch() -> LogEntryBatch? {
        condition.withLock {
            while full.isEmpty, !closed { condition.wait() }
            return full.isEmpty ? nil : full.removeFirst()
        }
    }

    /// The replayer is done with a batch.
    func recycle(_ batch: LogEntryBatch) {
        condition.withLock {
            empty.append(batch)
            condition.broadcast()
        }
    }

    /// The replayer needs no more batches.
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    /// The replayer's result, given once when it ends.
    func finish(_ result: Outcome) {
        condition.withLock {
            outcome = result
            condition.broadcast()
        }
    }

    /// Waits for the replayer's result.
    func waitForOutcome() -> Outcome {
        condition.withLock {
            while outcome == nil { condition.wait() }
            return outcome!
        }
    }
}
