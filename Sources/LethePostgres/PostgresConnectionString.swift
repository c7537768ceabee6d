import Foundation
import LetheCore
import NIOCore
import NIOSSL
import PostgresNIO

/// A store's PostgreSQL connection string, parsed: `postgresql://USER:PASSWORD@HOST:PORT/DATABASE?PARAMS`
/// (`postgres://` too), as libpq writes it.
///
/// Parameters: `sslmode` (`disable`, `allow`, `prefer` — the default —, `require`, `verify-ca`,
/// `verify-full`), `sslrootcert` (a PEM file of trusted roots for `verify-*`), `host` (a directory
/// holding the server's Unix socket, as in `postgresql:///crm?host=/run/postgresql`),
/// `connect_timeout` (seconds, default 10), `statement_timeout` and `lock_timeout` (milliseconds;
/// defaults 60,000 and 5,000, set on the session so that a long lock wait fails instead of hanging).
/// Any other parameter is refused, so a typo is not silently ignored.
///
/// The text (it holds the password) is never part of a message: an error names the store and the
/// part that is wrong, never the value.
public struct PostgresConnectionString: Sendable {
    /// Where to connect.
    public enum Endpoint: Sendable, Hashable {
        /// A TCP host and port.
        case tcp(host: String, port: Int)
        /// The server's Unix socket file.
        case unixSocket(path: String)
    }

    /// Where to connect.
    public var endpoint: Endpoint
    /// The user name.
    public var username: String
    /// The password, when the string has one.
    public var password: String?
    /// The database name (default: the user name, as libpq does).
    public var database: String
    /// The `sslmode`.
    public var sslMode: String
    /// A PEM file of trusted roots (`sslrootcert`), for `verify-ca` and `verify-full`.
    public var rootCertificate: String?
    /// How long to wait for the connection, in seconds.
    public var connectTimeout: Int64
    /// The session's `statement_timeout`, in milliseconds.
    public var statementTimeout: Int
    /// The session's `lock_timeout`, in milliseconds.
    public var lockTimeout: Int

    private static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
    private static let parameters = [
        "sslmode", "sslrootcert", "host", "port", "connect_timeout", "statement_timeout", "lock_timeout",
        "application_name",
    ]

    /// Parses `secret` for store `store` (named in errors; the secret never is).
    ///
    /// - Throws: `invalidInput` naming what is wrong.
    public init(_ secret: SecretText, store: String) throws(LetheError) {
        func bad(_ what: String) -> LetheError {
            LetheError(
                .invalidInput,
                "store '\(store)': the connection string \(what); write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require and apply the data map again"
            )
        }
        let text = secret.revealed
        guard text.hasPrefix("postgresql://") || text.hasPrefix("postgres://"),
            let components = URLComponents(string: text)
        else { throw bad("is not a postgresql:// URL") }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard Self.parameters.contains(item.name) else {
                throw bad(
                    "has the unknown parameter '\(item.name)' (known: \(Self.parameters.joined(separator: ", ")))")
            }
            query[item.name] = item.value ?? ""
        }
        guard let user = components.user.map({ $0.removingPercentEncoding ?? $0 }), !user.isEmpty else {
            throw bad("names no user")
        }
        username = user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        var port = components.port ?? 5432
        if let text = query["port"] {
            guard let value = Int(text), value > 0, value < 65536 else { throw bad("has a port that is not a number") }
            port = value
        }
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            endpoint = .unixSocket(path: socketDirectory + "/.s.PGSQL.\(port)")
        } else if let host = components.host.map({ $0.removingPercentEncoding ?? $0 }) ?? query["host"], !host.isEmpty {
            endpoint = .tcp(host: host, port: port)
        } else {
            throw bad("names no host")
        }
        sslMode = query["sslmode"] ?? "prefer"
        guard Self.sslModes.contains(sslMode) else {
            throw bad("has sslmode '\(sslMode)'; use one of \(Self.sslModes.joined(separator: ", "))")
        }
        rootCertificate = query["sslrootcert"]
        func number(_ name: String, default value: Int) throws(LetheError) -> Int {
            guard let text = query[name] else { return value }
            guard let parsed = Int(text), parsed > 0 else { throw bad("has a \(name) that is not a positive number") }
            return parsed
        }
        connectTimeout = Int64(try number("connect_timeout", default: 10))
        statementTimeout = try number("statement_timeout", default: 60_000)
        lockTimeout = try number("lock_timeout", default: 5_000)
    }

    /// Where the server is, for messages (host and port, or the socket; never the user or password).
    public var place: String {
        switch endpoint {
        case .tcp(let host, let port): "\(host):\(port)"
        case .unixSocket(let path): path
        }
    }

    /// The postgres-nio configuration: TLS per `sslmode` (`disable`: none; `allow` and `prefer`:
    /// TLS when the server offers it, unverified, as libpq; `require`: TLS, unverified; `verify-ca`:
    /// the chain checked against `sslrootcert` or the system roots; `verify-full`: and the host
    /// name), the connect timeout, and the statement and lock timeouts set at startup.
    func configuration(store: String) throws(LetheError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch endpoint {
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: username, password: password, database: database)
        case .tcp(let host, let port):
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database, tls: .disable)
            if sslMode != "disable" {
                var tls = TLSConfiguration.makeClientConfiguration()
                switch sslMode {
                case "verify-full": tls.certificateVerification = .fullVerification
                case "verify-ca": tls.certificateVerification = .noHostnameVerification
                default: tls.certificateVerification = .none
                }
                if let rootCertificate { tls.trustRoots = .file(rootCertificate) }
                let context: NIOSSLContext
                do {
                    context = try NIOSSLContext(configuration: tls)
                } catch {
                    throw LetheError(
                        .invalidInput,
                        "store '\(store)': the TLS settings could not be loaded (\(error)); check sslrootcert in the connection string"
                    )
                }
                configuration.tls = sslMode == "allow" || sslMode == "prefer" ? .prefer(context) : .require(context)
            }
        }
        configuration.options.connectTimeout = .seconds(connectTimeout)
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", String(statementTimeout)), ("lock_timeout", String(lockTimeout)),
            ("application_name", "lethe"),
        ]
        return configuration
    }
}
