import Foundation
import LetheCore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// One connection to a store's server, opened from its connection string, with every error
/// translated into a ``LetheError`` that names the store and says what to do (never the
/// connection string, never a bound value).
struct PostgresSession {
    let connection: PostgresConnection
    let store: String
    let place: String
    let logger: Logger
    /// Where the connection was opened to (for ``openSibling()``).
    let target: PostgresConnectionString
    /// The connection string's `lock_timeout` and `statement_timeout`, in milliseconds.
    var lockTimeout = 5_000
    var statementTimeout = 60_000

    /// Opens a connection (TLS, timeouts as the connection string says).
    static func open(
        _ target: PostgresConnectionString, store: String, logger: Logger
    ) async throws(LetheError) -> PostgresSession {
        let configuration = try target.configuration(store: store)
        do {
            let connection = try await PostgresConnection.connect(
                configuration: configuration, id: 1, logger: logger)
            return PostgresSession(
                connection: connection, store: store, place: target.place, logger: logger, target: target,
                lockTimeout: target.lockTimeout, statementTimeout: target.statementTimeout)
        } catch {
            throw PostgresErrors.translate(error, store: store, place: target.place, table: nil)
        }
    }

    /// Runs `body` with a session and closes it whatever happens.
    static func with<T: Sendable>(
        _ target: PostgresConnectionString, store: String, logger: Logger,
        _ body: (PostgresSession) async throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        let session = try await open(target, store: store, logger: logger)
        do {
            let value = try await body(session)
            try? await session.connection.close()
            return value
        } catch {
            try? await session.connection.close()
            throw error
        }
    }

    /// Opens a second connection to the same server, as this one was opened (close it after use).
    func openSibling() async throws(LetheError) -> PostgresSession {
        try await Self.open(target, store: store, logger: logger)
    }

    /// Closes the connection (a failure to close is ignored: the server ends the session anyway).
    func close() async {
        try? await connection.close()
    }

    /// Runs a statement; `table` names the table in an error.
    func rows(
        _ sql: String, _ binds: PostgresBindings = PostgresBindings(), table: String? = nil
    )
        async throws(LetheError) -> PostgresRowSequence
    {
        do {
            return try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        } catch {
            throw PostgresErrors.translate(error, store: store, place: place, table: table)
        }
    }

    /// Runs a statement and reads every row's first column as text (NULL skipped).
    func texts(
        _ sql: String, _ binds: PostgresBindings = PostgresBindings(), table: String? = nil
    )
        async throws(LetheError) -> [String]
    {
        let sequence = try await rows(sql, binds, table: table)
        var result: [String] = []
        do {
            for try await row in sequence {
                var cells = row.makeIterator()
                if let cell = cells.next(), let bytes = cell.bytes {
                    result.append(String(buffer: bytes))
                }
            }
        } catch {
            throw PostgresErrors.translate(error, store: store, place: place, table: table)
        }
        return result
    }

    /// Runs a statement whose one row holds one integer (a count; bigint, sent in binary).
    func integer(
        _ sql: String, _ binds: PostgresBindings = PostgresBindings(), table: String? = nil
    )
        async throws(LetheError) -> Int
    {
        let sequence = try await rows(sql, binds, table: table)
        var value = 0
        do {
            for try await row in sequence { value = try row.decode(Int.self) }
        } catch {
            throw PostgresErrors.translate(error, store: store, place: place, table: table)
        }
        return value
    }

    /// Runs a statement that returns nothing wanted.
    func execute(
        _ sql: String, _ binds: PostgresBindings = PostgresBindings(), table: String? = nil
    )
        async throws(LetheError)
    {
        _ = try await texts(sql, binds, table: table)
    }
}

/// The translation of postgres-nio's errors into Lethe's.
enum PostgresErrors {
    static func translate(_ error: any Error, store: String, place: String, table: String?) -> LetheError {
        if let error = error as? LetheError { return error }
        let unchanged = "Nothing was changed"
        guard let error = error as? PSQLError else {
            return LetheError(
                .io,
                "store '\(store)': the PostgreSQL server at \(place) could not be used (\(type(of: error))); check that it is running, then run again. \(unchanged)"
            )
        }
        if let tls = tlsFailure(error, store: store, place: place) { return tls }
        guard error.code == .server, let info = error.serverInfo else {
            let reason: String
            if let underlying = error.underlying {
                reason = "\(underlying)"
            } else {
                reason = error.code.description
            }
            return LetheError(
                .io,
                "store '\(store)': cannot reach the PostgreSQL server at \(place) (\(reason)); check that it is running and the host and port in the connection string, then run again. \(unchanged)"
            )
        }
        let state = info[.sqlState] ?? "?"
        let message = info[.message] ?? "no message"
        let where_ = info[.tableName] ?? table
        let tableText = where_.map { " on table \($0)" } ?? ""
        switch state {
        case "28P01", "28000":
            return LetheError(
                .permission,
                "store '\(store)': the PostgreSQL server at \(place) refused the login (\(state): \(message)); put the right user and password in the connection string and run 'lethe store apply' again. \(unchanged)"
            )
        case "3D000":
            return LetheError(
                .notFound,
                "store '\(store)': \(message) on the server at \(place); fix the database name in the connection string. \(unchanged)"
            )
        case "55P03":
            return LetheError(
                .locked,
                "store '\(store)': a lock\(tableText) is held by another session and lock_timeout expired (\(state): \(message)); run the erasure again once that session ends. \(unchanged)"
            )
        case "57014":
            return LetheError(
                .locked,
                "store '\(store)': a statement\(tableText) took longer than statement_timeout (\(message)); run again when the server is less busy, or raise statement_timeout in the connection string. \(unchanged)"
            )
        case "23503":
            let constraint = info[.constraintName].map { " (constraint \($0))" } ?? ""
            return LetheError(
                .conflict,
                "store '\(store)': \(message)\(constraint); add the referring table to the store's references in the data map (or change the constraint), then run again. \(unchanged)"
            )
        case "40001", "40P01":
            return LetheError(
                .conflict,
                "store '\(store)': another session changed the same rows\(tableText) (\(state): \(message)); run the erasure again. \(unchanged)"
            )
        case "42P01", "42703":
            return LetheError(
                .invalidInput,
                "store '\(store)': the schema changed since the data map was applied (\(message)); fix the data map and run 'lethe store apply'. \(unchanged)"
            )
        default:
            return LetheError(
                .invalidInput,
                "store '\(store)': the server refused a statement\(tableText) (\(state): \(message)). \(unchanged)")
        }
    }
}

extension PostgresErrors {
    /// A TLS failure said in the connection string's terms: no TLS offered, a certificate not
    /// signed by a trusted root (`sslrootcert`), or not for the host name (`verify-full`).
    static func tlsFailure(_ error: PSQLError, store: String, place: String) -> LetheError? {
        let unchanged = "Nothing was changed"
        if error.code == .sslUnsupported {
            return LetheError(
                .io,
                "store '\(store)': the PostgreSQL server at \(place) does not offer TLS, which the connection string's sslmode requires; turn ssl on in the server (or lower sslmode), then run again. \(unchanged)"
            )
        }
        guard let underlying = error.underlying else { return nil }
        if let extra = underlying as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return LetheError(
                .permission,
                "store '\(store)': the PostgreSQL server at \(place) presented a certificate that is not for that host (sslmode=verify-full checks the name); connect by a host name the certificate lists, then run again. \(unchanged)"
            )
        }
        if underlying is NIOSSLError || underlying is BoringSSLError {
            return LetheError(
                .permission,
                "store '\(store)': TLS with the PostgreSQL server at \(place) failed: its certificate was not accepted (\(underlying)); with sslmode=verify-ca or verify-full, sslrootcert must be the PEM file of the CA that signed the server's certificate. \(unchanged)"
            )
        }
        return nil
    }
}

/// Runs async work from a blocking caller (the engines are called on a thread of their own
/// through the application layer's `OwnThread`): the work runs as a task, this thread waits.
/// Never call it from a Swift concurrency thread.
enum Blocking {
    private final class Slot<T: Sendable>: @unchecked Sendable {
        private let condition = NSCondition()
        private var value: Result<T, LetheError>?

        func put(_ result: Result<T, LetheError>) {
            condition.lock()
            value = result
            condition.signal()
            condition.unlock()
        }

        func take() -> Result<T, LetheError> {
            condition.lock()
            defer { condition.unlock() }
            while value == nil { condition.wait() }
            return value!
        }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws(LetheError) -> T) throws(LetheError) -> T {
        let slot = Slot<T>()
        let task = Task {
            do throws(LetheError) {
                slot.put(.success(try await body()))
            } catch {
                slot.put(.failure(error))
            }
        }
        let result = slot.take()
        _ = task
        return try result.get()
    }
}
