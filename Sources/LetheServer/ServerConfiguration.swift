import Foundation
import LetheCore

/// How `lethe serve` listens and what it accepts. Flag > environment variable > default, read
/// once at the edge (the CLI); the server only uses the values.
public struct ServerConfiguration: Sendable, Hashable {
    /// The address to bind (`LETHE_HOST`, default 127.0.0.1).
    public var host: String
    /// The port (`LETHE_PORT`, default 8080; 0 picks a free one).
    public var port: Int
    /// Serve plain HTTP on a non-loopback address on purpose (behind a TLS-terminating proxy).
    public var insecureHTTP: Bool
    /// From this many failed authentications from one source within a minute, its failures are
    /// answered 429 (default 10: the tenth failure is the first 429).
    public var authFailuresPerMinute: Int
    /// The PEM certificate chain to serve TLS with (`LETHE_TLS_CERT`); nil: plain HTTP.
    public var tlsCertificatePath: String?
    /// The PEM private key of the certificate (`LETHE_TLS_KEY`); it must not be readable by group or others.
    public var tlsKeyPath: String?
    /// The largest request body accepted, in bytes (`LETHE_MAX_BODY`, default 2 MiB); larger is 413.
    public var maxBodyBytes: Int
    /// How often the scheduler runs (`LETHE_SCHEDULE_INTERVAL`, default one hour); nil: never.
    public var scheduleInterval: Duration?
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed (`LETHE_TRUSTED_PROXIES`,
    /// comma-separated; default none): the client address that rate limits count is then the
    /// right-most address in that header that is not one of these.
    public var trustedProxies: Set<String> = []
    /// How long a connection may go without completing a request head or a piece of a body,
    /// while no response is being made, before it is closed (`LETHE_IDLE_TIMEOUT`, default one
    /// minute): a client that opens connections, or sends a request's head a byte at a time,
    /// cannot hold them open. A request being answered is never cut by it (a download has its
    /// own send deadline).
    public var idleTimeout: Duration = Self.defaultIdleTimeout
    /// The time a request body has before its rate is asked for (``BodyRateMiddleware``); nil:
    /// the idle timeout. Set apart only by tests, which need a long idle timeout beside a short
    /// grace on a loaded machine.
    var bodyRateGrace: Duration?
    /// The most connections open at once (`LETHE_MAX_CONNECTIONS`); nil: the room the limit on
    /// open files leaves (``FileDescriptorLimit``), at most 4,096. Beyond it, new connections
    /// wait to be accepted; the service never runs out of descriptors for its own files.
    public var maxConnections: Int?
    /// The most connections one client address may hold open at once
    /// (`LETHE_MAX_CONNECTIONS_PER_CLIENT`); nil: 128, or a quarter of ``resolvedMaxConnections``
    /// when that is less, so that one client never holds them all. More are closed as they open.
    /// Trusted proxies are not limited by it: they carry every client's connections.
    public var maxConnectionsPerClient: Int?

    /// The default request body limit: 2 MiB.
    public static let defaultMaxBodyBytes = 2 * 1024 * 1024
    /// The default idle timeout: one minute.
    public static let defaultIdleTimeout = Duration.seconds(60)
    /// The default connections per client: 128 (an office behind one NAT address, each browser
    /// holding six, stays well inside it).
    public static let defaultMaxConnectionsPerClient = 128

    /// The defaults: loopback, port 8080, plain HTTP, 2 MiB bodies, the scheduler hourly.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, insecureHTTP: Bool = false,
        authFailuresPerMinute: Int = 10, tlsCertificatePath: String? = nil, tlsKeyPath: String? = nil,
        maxBodyBytes: Int = Self.defaultMaxBodyBytes, scheduleInterval: Duration? = .seconds(3600)
    ) {
        self.host = host
        self.port = port
        self.insecureHTTP = insecureHTTP
        self.authFailuresPerMinute = authFailuresPerMinute
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.maxBodyBytes = maxBodyBytes
        self.scheduleInterval = scheduleInterval
    }

    /// Whether the host is a loopback address, which only this machine can reach.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Whether the service speaks TLS itself.
    public var servesTLS: Bool { tlsCertificatePath != nil }

    /// Refuses settings that would expose tokens and passwords: a non-loopback address in plain
    /// HTTP unless `insecureHTTP` says a TLS-terminating reverse proxy sits in front; a certificate
    /// without its key or the reverse, files that are not PEM, a key file group or others can
    /// read (`permission`); a port, body limit or interval out of range.
    public func validate() throws(LetheError) {
        guard (0...65_535).contains(port) else { throw LetheError(.usage, "--port must be 0 to 65535 (got \(port))") }
        guard (tlsCertificatePath == nil) == (tlsKeyPath == nil) else {
            throw LetheError(.usage, "TLS needs both --tls-cert and --tls-key (PEM files), or neither")
        }
        guard maxBodyBytes >= 1024 else {
            throw LetheError(.usage, "--max-body must be at least 1024 bytes (got \(maxBodyBytes))")
        }
        if let scheduleInterval, scheduleInterval <= .zero {
            throw LetheError(.usage, "--schedule-interval must be positive, or 0 or off to disable the scheduler")
        }
        guard idleTimeout >= .seconds(1), idleTimeout <= .seconds(24 * 3600) else {
            throw LetheError(.usage, "--idle-timeout must be from one second to one day (got \(idleTimeout))")
        }
        let room = FileDescriptorLimit.connectionRoom()
        if let maxConnections, !(1...room).contains(maxConnections) {
            throw LetheError(
                .usage,
                "--max-connections (LETHE_MAX_CONNECTIONS) must be from 1 to \(room) (got \(maxConnections)): the limit on open files is \(FileDescriptorLimit.current()); \(FileDescriptorLimit.openNow()) are open and \(FileDescriptorLimit.reserve()) more are kept for the service's own files; raise it with 'ulimit -n' or systemd's LimitNOFILE="
            )
        }
        if let maxConnectionsPerClient, maxConnectionsPerClient < 1 {
            throw LetheError(
                .usage,
                "--max-connections-per-client (LETHE_MAX_CONNECTIONS_PER_CLIENT) must be at least 1 (got \(maxConnectionsPerClient))"
            )
        }
        for proxy in trustedProxies where !ClientAddress.isIPAddress(proxy) {
            throw LetheError(
                .usage,
                "--trusted-proxy \(Quoted(proxy)) is not an IP address (give the proxy's address as it connects)")
        }
        if let tlsCertificatePath, let tlsKeyPath {
            // Readable PEM files, and a key no one else can read, before anything listens.
            _ = try TLSFiles.tlsConfiguration(certificatePath: tlsCertificatePath, keyPath: tlsKeyPath)
        }
        if !isLoopback, !insecureHTTP, !servesTLS {
            throw LetheError(
                .usage,
                "serving \(host) in plain HTTP would send API tokens and passwords in clear text over the network; keep the default 127.0.0.1, give --tls-cert and --tls-key, or put a TLS-terminating reverse proxy in front and give --insecure-http (see docs/operations.md)"
            )
        }
    }

    /// Parses a scheduler interval as the command line and environment give it: an ISO 8601
    /// duration (`PT1H`, `PT15M`, `P1D`), or `0` or `off` for no scheduler.
    public static func parseInterval(_ text: String, field: String) throws(LetheError) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "0" || trimmed == "off" { return nil }
        guard let duration = ISODuration.parse(trimmed) else {
            throw LetheError(
                .usage, "\(field) \(Quoted(text)) is not an ISO 8601 duration such as PT1H or PT15M (or 0 or off)")
        }
        let origin = Date(timeIntervalSince1970: 0)
        let seconds = duration.added(to: origin).timeIntervalSince(origin)
        guard seconds >= 1 else { throw LetheError(.usage, "\(field) \(Quoted(text)) must be at least one second") }
        return .seconds(Int64(seconds))
    }

    /// Parses an idle timeout as the command line and environment give it: an ISO 8601 duration
    /// of at least one second (`PT60S`, `PT5M`). There is no "off": a connection that never times
    /// out is one a client can hold forever.
    public static func parseIdleTimeout(_ text: String, field: String) throws(LetheError) -> Duration {
        // The scheduler's parser, whose "0 or off" this setting does not take.
        guard let duration = try? parseInterval(text, field: field) else {
            throw LetheError(
                .usage,
                "\(field) \(Quoted(text)) is not an ISO 8601 duration of whole seconds, at least one, such as PT60S or PT5M"
            )
        }
        return duration
    }

    /// The most connections open at once: ``maxConnections``, else the room the limit on open
    /// files leaves, at most 4,096.
    public var resolvedMaxConnections: Int {
        maxConnections ?? min(FileDescriptorLimit.defaultCeiling, FileDescriptorLimit.connectionRoom())
    }

    /// The most connections one client may hold: ``maxConnectionsPerClient``, else 128 or a
    /// quarter of ``resolvedMaxConnections``, whichever is less (at least one).
    public var resolvedMaxConnectionsPerClient: Int { maxConnectionsPerClient(total: resolvedMaxConnections) }

    /// ``resolvedMaxConnectionsPerClient`` for a total already resolved (which reads the
    /// process's open descriptors: the service resolves it once at start).
    func maxConnectionsPerClient(total: Int) -> Int {
        maxConnectionsPerClient ?? max(1, min(Self.defaultMaxConnectionsPerClient, total / 4))
    }

    /// Parses a count of connections as the command line and environment give it: a whole
    /// number, at least one.
    public static func parseCount(_ text: String, field: String) throws(LetheError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 1 else {
            throw LetheError(.usage, "\(field) \(Quoted(text)) is not a whole number of connections, at least 1")
        }
        return value
    }

    /// Parses a size in bytes with an optional `K`, `M` or `G` suffix (powers of 1024).
    public static func parseSize(_ text: String, field: String) throws(LetheError) -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let multipliers: [Character: Int] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024]
        var digits = Substring(trimmed)
        var multiplier = 1
        if let last = digits.last, let factor = multipliers[last] {
            multiplier = factor
            digits = digits.dropLast()
        }
        guard let value = Int(digits), value >= 0, value <= Int.max / multiplier else {
            throw LetheError(.usage, "\(field) \(Quoted(text)) is not a size in bytes such as 2097152, 512K or 8M")
        }
        return value * multiplier
    }
}
