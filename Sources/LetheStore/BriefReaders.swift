import Foundation
import GRDB
import LetheCore

/// Read-only connections of the store's own for brief reads (``SQLiteStore/briefRead(_:)``): a
/// request that reads one token or one asset runs its few statements on its own thread, instead of
/// handing them to a reader's queue and waiting to be woken (two thread switches, most of the cost
/// of such a read).
///
/// At most one connection per processor is opened, on first use: a brief read does not suspend,
/// so the concurrency threads (one per processor) can never all be holding one and want another.
/// When none is free, or one cannot be opened, the caller falls back to the pool's read.
final class BriefReaders: @unchecked Sendable {
    private let path: String
    private let limit: Int
    // Guarded by `lock`.
    private let lock = NSLock()
    private var idle: [DatabaseQueue] = []
    private var opened = 0
    private var unavailable = false

    init(path: String, limit: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.path = path
        self.limit = max(1, limit)
    }

    /// Runs `body` on a free connection of its own, or returns nil when none is free or the
    /// database is busy (a checkpoint resetting the write-ahead log): the caller then reads through
    /// the pool, which waits on a queue of its own rather than on this thread.
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let queue = take() else { return nil }
        defer { give(queue) }
        do {
            return try run(body, on: queue)
        } catch let error as DatabaseError where Self.isBusy(error) {
            return nil
        } catch let error as LetheError where error.code == .locked {
            return nil  // the same, after the store's mapping of errors
        }
    }

    private static func isBusy(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    private func run<T>(_ body: (Database) throws -> T, on queue: DatabaseQueue) throws -> T {
        try queue.inDatabase { db in
            // One deferred transaction, a consistent snapshot, begun and ended with prepared
            // statements (GRDB's `read` parses its BEGIN and COMMIT each time). The connection is
            // read-only: nothing can be written in it.
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            do {
                let value = try body(db)
                try db.cachedStatement(sql: "COMMIT").execute()
                return value
            } catch {
                if !db.isInsideTransaction { throw error }
                try? db.cachedStatement(sql: "ROLLBACK").execute()
                throw error
            }
        }
    }

    private enum Next {
        case idle(DatabaseQueue), open, none
    }

    private func take() -> DatabaseQueue? {
        let next: Next = lock.withLock {
            if let queue = idle.popLast() { return .idle(queue) }
            guard !unavailable, opened < limit else { return .none }
            opened += 1
            return .open
        }
        switch next {
        case .idle(let queue): return queue
        case .none: return nil
        case .open: break
        }
        var configuration = Configuration()
        configuration.readonly = true
        // Never wait for a lock on the caller's thread: a busy database sends the read to the pool.
        configuration.busyMode = .immediateError
        configuration.label = "lethe-brief"
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            // Busy now: try again on a later read. Anything else (the file cannot be opened
            // read-only here): every read goes through the pool from now on.
            let busy = (error as? DatabaseError).map(Self.isBusy) ?? false
            lock.withLock {
                opened -= 1
                if !busy { unavailable = true }
            }
            return nil
        }
    }

    private func give(_ queue: DatabaseQueue) {
        lock.withLock { idle.append(queue) }
    }
}
