import Foundation
import GRDB
import LetheCore

/// Group commit for the store's async writes. Each write enqueues its body and schedules a drain
/// on GRDB's writer queue; the first drain to run takes every write waiting then (at most
/// ``maxBatch``) into one transaction, each in a savepoint of its own (a body that throws rolls
/// back only its own changes and gets its own error), commits once, and only then answers each
/// caller. Concurrent requests thus share one commit (one fsync) instead of one each, and none is
/// acknowledged before the transaction holding its changes has committed.
final class WriteBatcher: @unchecked Sendable {
    /// One waiting write: runs its body in a savepoint, then is answered after the commit.
    struct Pending {
        /// Runs the body in a savepoint and keeps its outcome.
        let apply: (Database) -> Void
        /// Answers the caller: its own outcome, or the transaction's error when it did not commit.
        let answer: ((any Error)?) -> Void
    }

    /// The most writes one transaction takes.
    static let maxBatch = 256

    private let lock = NSLock()
    private var pending: [Pending] = []

    /// Adds a write to the next transaction.
    func enqueue(_ write: Pending) { lock.withLock { pending.append(write) } }

    /// Runs the writes waiting now in one transaction on `db` (the writer connection).
    func drain(_ db: Database) {
        var batch: [Pending] = lock.withLock {
            let taken = Array(pending.prefix(Self.maxBatch))
            pending.removeFirst(taken.count)
            return taken
        }
        guard !batch.isEmpty else { return }
        var failure: (any Error)?
        do {
            try db.inTransaction(.immediate) {
                for write in batch { write.apply(db) }
                return .commit
            }
        } catch {
            failure = error
        }
        // The bodies are let go before any caller is answered: a caller's body must not outlive
        // its call.
        let answers = batch.map(\.answer)
        batch = []
        for answer in answers { answer(failure) }
    }
}

/// A write's outcome, set on the writer queue before its caller is answered.
final class WriteOutcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
