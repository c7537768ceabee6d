import Foundation
import GRDB
import LetheCore

/// The embedded default backend: one SQLite file in WAL mode, through GRDB.
///
/// The store owns its `DatabasePool`, opened once and migrated when it is created. Every write
/// use case is one transaction.
public final class SQLiteStore: LetheStorage {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    /// Groups concurrent async writes into one transaction each time (group commit).
    let batcher = WriteBatcher()
    /// Connections of its own for brief reads on the caller's thread.
    let briefReaders: BriefReaders
    /// The evidence log's hash functions, given by the application layer.
    let logHasher: (any LogHasher)?
    /// The page size of a database this store creates.
    static let pageSize = 16384

    /// Opens (creating if needed) and migrates the database at `path`.
    ///
    /// - Parameters:
    ///   - busyTimeout: how long a write waits for another process's lock before failing with a
    ///     `locked` error.
    ///   - logHasher: the evidence log's hash functions. With one, every appended event also
    ///     becomes a log leaf in the same transaction, and subtree hashes missing from an older
    ///     database are rebuilt when it is opened. Without one (diagnostic tools, tests) events
    ///     are written without log hashes, which the next store opened with a hasher completes.
    /// - Throws: `incompatible` when the file was migrated by a newer Lethe; `locked` or `io` when it
    ///   cannot be opened.
    public init(path: String, busyTimeout: TimeInterval = 5, logHasher: (any LogHasher)? = nil) throws(LetheError) {
        self.path = path
        self.logHasher = logHasher
        self.briefReaders = BriefReaders(path: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "lethe"
        configuration.prepareDatabase { db in
            // Only for a new, empty file (before GRDB turns on WAL mode); an existing database keeps
            // its page size. A disposal record's row (≈ 2.3 KB of JSON and CMS) filled most of a
            // 4 KiB page on its own: 16 KiB pages hold seven, a quarter fewer bytes to write.
            if try Int.fetchOne(db, sql: "PRAGMA page_count") == 0 {
                try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw SQLiteStore.map(error, path: path)
        }
        let migrator = Migrations.migrator
        do {
            let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                throw LetheError(
                    .incompatible,
                    "the database \(path) was written by a newer version of Lethe; upgrade lethe to use it (nothing was changed)"
                )
            }
            try migrator.migrate(pool)
        } catch {
            throw SQLiteStore.map(error, path: path)
        }
        if logHasher != nil { try completeLog() }
    }

    /// Writes the subtree hashes of events appended before the log kept them (or by a store
    /// opened without a hasher); a no-op on a complete log, checked with one indexed read.
    private func completeLog() throws(LetheError) {
        let complete = try read { (tx) throws(LetheError) in try (tx as! SQLiteTransaction).logIsComplete() }
        guard !complete else { return }
        try write { (tx) throws(LetheError) in try (tx as! SQLiteTransaction).rebuildLogNodes() }
    }

    public func read<T>(_ body: (any StoreReading) throws(LetheError) -> T) throws(LetheError) -> T {
        do {
            return try pool.read { db in try Self.run(body, SQLiteTransaction(db: db, logHasher: logHasher)) }
        } catch {
            throw Self.map(error, path: path)
        }
    }

    public func write<T>(dryRun: Bool, _ body: (any StoreWriting) throws(LetheError) -> T) throws(LetheError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try Self.run(body, SQLiteTransaction(db: db, logHasher: logHasher))
                    return dryRun ? .rollback : .commit
                }
                return result!
            }
        } catch {
            throw Self.map(error, path: path)
        }
    }

    public func read<T: Sendable>(
        _ body: @Sendable (any StoreReading) throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        do {
            return try await pool.read { [logHasher] db in
                try Self.run(body, SQLiteTransaction(db: db, logHasher: logHasher))
            }
        } catch {
            throw Self.map(error, path: path)
        }
    }

    public func briefRead<T: Sendable>(
        _ body: @Sendable (any StoreReading) throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        do {
            if let value = try briefReaders.read({ db in
                try Self.run(body, SQLiteTransaction(db: db, logHasher: logHasher))
            }) {
                return value
            }
        } catch {
            throw Self.map(error, path: path)
        }
        return try await read(body)
    }

    /// Runs `body` in a write transaction without blocking the calling task's thread. Writes that
    /// arrive while another commits share the next transaction (``WriteBatcher``: group commit),
    /// each in a savepoint of its own, and each returns only once that transaction has committed.
    /// A dry run has a transaction of its own, always rolled back.
    public func write<T: Sendable>(
        dryRun: Bool, _ body: @Sendable (any StoreWriting) throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        guard dryRun else { return try await groupWrite(body) }
        do {
            return try await pool.writeWithoutTransaction { [logHasher] db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try Self.run(body, SQLiteTransaction(db: db, logHasher: logHasher))
                    return dryRun ? .rollback : .commit
                }
                return result!
            }
        } catch {
            throw Self.map(error, path: path)
        }
    }

    /// One write of a group commit: queued, run in a savepoint of the next transaction, answered
    /// after that transaction commits (with the transaction's error when it does not).
    private func groupWrite<T: Sendable>(
        _ body: @Sendable (any StoreWriting) throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        let outcome = WriteOutcome<T>()
        let (logHasher, batcher) = (logHasher, batcher)
        do {
            return try await withoutActuallyEscaping(body) { body in
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                    batcher.enqueue(
                        WriteBatcher.Pending(
                            apply: { db in
                                do {
                                    var value: T?
                                    try db.inSavepoint {
                                        value = try Self.run(body, SQLiteTransaction(db: db, logHasher: logHasher))
                                        return .commit
                                    }
                                    outcome.result = value.map { .success($0) }
                                } catch {
                                    outcome.result = .failure(error)
                                }
                            },
                            answer: { failure in
                                if let failure {
                                    continuation.resume(throwing: failure)
                                } else if let result = outcome.result {
                                    continuation.resume(with: result)
                                } else {
                                    continuation.resume(throwing: LetheError(.internal, "a write was not run"))
                                }
                            }))
                    pool.asyncWriteWithoutTransaction { db in batcher.drain(db) }
                }
            }
        } catch {
            throw Self.map(error, path: path)
        }
    }

    /// Runs SQL directly: for tests and maintenance tools only, never for use cases.
    public func unsafeExecute(_ sql: String) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    private static func run<T, S>(_ body: (S) throws(LetheError) -> T, _ session: S) throws -> T {
        do {
            return try body(session)
        } catch {
            throw error as Error
        }
    }

    /// Turns a database error into one a user can act on.
    static func map(_ error: any Error, path: String) -> LetheError {
        if let error = error as? LetheError { return error }
        guard let error = error as? DatabaseError else {
            return LetheError(.internal, "unexpected error with the database \(path): \(error)")
        }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return LetheError(
                .locked,
                "the database \(path) is locked by another process; wait for it to finish and try again (nothing was changed)"
            )
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_NOTADB,
            .SQLITE_CORRUPT:
            return LetheError(.io, "cannot use the database \(path): \(error.message ?? "\(error.resultCode)")")
        case .SQLITE_CONSTRAINT:
            return LetheError(
                .conflict,
                "the database refused the change: \(error.message ?? "constraint failed") (nothing was changed)")
        default:
            return LetheError(.internal, "database error with \(path): \(error.message ?? "\(error.resultCode)")")
        }
    }
}

extension SQLiteStore {
    /// How many rows a table holds: for tests and diagnostics.
    public func countRows(_ table: String) throws -> Int {
        precondition(table.allSatisfy { $0.isLetter || $0 == "_" }, "table names are identifiers")
        return try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0 }
    }
}
