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

    /// Opens (creating if needed) and migrates the database at `path`.
    ///
    /// - Parameter busyTimeout: how long a write waits for another process's lock before failing
    ///   with a `locked` error.
    /// - Throws: `incompatible` when the file was migrated by a newer Lethe; `locked` or `io` when it
    ///   cannot be opened.
    public init(path: String, busyTimeout: TimeInterval = 5) throws(LetheError) {
        self.path = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "lethe"
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
    }

    public func read<T>(_ body: (any StoreReading) throws(LetheError) -> T) throws(LetheError) -> T {
        do {
            return try pool.read { db in try Self.run(body, SQLiteTransaction(db: db)) }
        } catch {
            throw Self.map(error, path: path)
        }
    }

    public func write<T>(dryRun: Bool, _ body: (any StoreWriting) throws(LetheError) -> T) throws(LetheError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try Self.run(body, SQLiteTransaction(db: db))
                    return dryRun ? .rollback : .commit
                }
                return result!
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
