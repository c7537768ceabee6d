import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheServer
import Logging

/// `lethe serve`: the HTTP API.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Lethe as a service: the web console, the JSON API under /api/v1 and the scheduler.",
        discussion: """
            Serves the web console at / (sign in with a user's console password; docs/console.md) and the \
            JSON API under /api/v1 on 127.0.0.1:8080 by default ($LETHE_HOST, $LETHE_PORT). Every /api/v1 request needs \
            'Authorization: Bearer TOKEN' (see 'lethe user' and 'lethe token'); /healthz and /readyz are open. \
            On a data directory with no users, creates 'admin' and prints its API token and console password \
            once, on standard error. SIGTERM or Ctrl-C stops it after the requests in flight. A non-loopback \
            address needs TLS (--tls-cert and --tls-key) or --insecure-http, which says a TLS-terminating \
            reverse proxy sits in front. The scheduler runs schedule and due verifications as the \
            'scheduler' principal at start and then every --schedule-interval. /metrics serves \
            Prometheus metrics. See docs/api.md and docs/operations.md.
            """)

    @Option(help: "The address to listen on (default: $LETHE_HOST, else 127.0.0.1).") var host: String?
    @Option(help: "The port (default: $LETHE_PORT, else 8080; 0 picks a free one).") var port: Int?
    @Flag(help: "Serve plain HTTP on a non-loopback address, behind a TLS-terminating reverse proxy.")
    var insecureHTTP = false
    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "The IP address of a reverse proxy whose X-Forwarded-For names the client, for per-client limits; repeatable (default: $LETHE_TRUSTED_PROXIES, comma-separated).",
            valueName: "address"))
    var trustedProxies: [String] = []
    @Option(
        name: .customLong("tls-cert"), help: "PEM certificate chain to serve HTTPS with (default: $LETHE_TLS_CERT).")
    var tlsCert: String?
    @Option(
        name: .customLong("tls-key"),
        help: "PEM private key of the certificate, mode 0600 (default: $LETHE_TLS_KEY).")
    var tlsKey: String?
    @Option(
        name: .customLong("max-body"),
        help: "Largest request body, in bytes or with K/M/G (default: $LETHE_MAX_BODY, else 2M).")
    var maxBody: String?
    @Option(
        name: .customLong("schedule-interval"),
        help: "ISO 8601 duration between scheduler runs, or 0/off (default: $LETHE_SCHEDULE_INTERVAL, else PT1H).")
    var scheduleInterval: String?
    @Option(
        name: .customLong("idle-timeout"),
        help:
            "ISO 8601 duration a connection may go without completing a request head or body piece, no response being made, before it is closed (default: $LETHE_IDLE_TIMEOUT, else PT60S)."
    )
    var idleTimeout: String?
    @Option(
        name: .customLong("max-connections"),
        help:
            "Most connections open at once; more wait to be accepted (default: $LETHE_MAX_CONNECTIONS, else what the open-file limit leaves, at most 4096)."
    )
    var maxConnections: String?
    @Option(
        name: .customLong("max-connections-per-client"),
        help:
            "Most connections one client address may hold open; more are closed as they open. Trusted proxies are not limited (default: $LETHE_MAX_CONNECTIONS_PER_CLIENT, else 128, or a quarter of --max-connections if less)."
    )
    var maxConnectionsPerClient: String?
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Run request handlers on the network event loops, without thread switches (the default); --no-event-loop-executor runs them on Swift's own thread pool."
        ))
    var eventLoopExecutor = true
    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        // First, before the service makes any task: the handlers run on the event loops.
        let onEventLoops = eventLoopExecutor && LetheServer.runTasksOnEventLoops()
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "lethe.serve")
        logger.logLevel = environment["LETHE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        if eventLoopExecutor && !onEventLoops {
            logger.warning("request handlers run on Swift's thread pool: the event loops could not take it over")
        }
        // Before the configuration's defaults are read: the connections allowed follow the limit.
        LetheServer.raiseOpenFileLimit()
        let ready = Prepared()
        try await reporting { () async throws(LetheError) in
            let configuration = try serverConfiguration(environment)
            try configuration.validate()
            var app = try global.openApp(creating: true)
            // Records and reports name the organisation: without it every issuance would be refused.
            if let organization = issuer.organization { app.settings[Settings.organization] = organization }
            if let first = try await LetheServer.bootstrapAdmin(app: app, by: try write.principal()) {
                Output.standardError(
                    """
                    lethe: no users yet: created 'admin' (role admin). Shown once, keep them safe:
                      API token:        \(first.token)
                      console password: \(first.password)
                    Add people with: curl -H "Authorization: Bearer $TOKEN" …/api/v1/users, or 'lethe user add'.
                    """)
            }
            ready.set(app, configuration)
        }
        guard let (app, configuration) = ready.value else { return }
        let (address, scheme) = (configuration.host, configuration.servesTLS ? "https" : "http")
        do {
            try await LetheServer.run(app: app, configuration: configuration, logger: logger) { port in
                Output.standardError(
                    "lethe: serving \(scheme)://\(address):\(port)/ (the web console; the API under /api/v1) (Ctrl-C stops)"
                )
            }
        } catch let error as LetheError {
            try reporting { () throws(LetheError) in throw error }
        }
    }
}

extension Serve {
    /// The configuration: each flag, else its environment variable, else the default.
    func serverConfiguration(_ environment: [String: String]) throws(LetheError) -> ServerConfiguration {
        var configuration = ServerConfiguration(
            host: host ?? environment["LETHE_HOST"] ?? "127.0.0.1", port: try resolvedPort(environment),
            insecureHTTP: insecureHTTP)
        configuration.tlsCertificatePath = tlsCert ?? environment["LETHE_TLS_CERT"]
        configuration.tlsKeyPath = tlsKey ?? environment["LETHE_TLS_KEY"]
        if let text = maxBody ?? environment["LETHE_MAX_BODY"] {
            configuration.maxBodyBytes = try ServerConfiguration.parseSize(
                text, field: maxBody != nil ? "--max-body" : "LETHE_MAX_BODY")
        }
        if let text = scheduleInterval ?? environment["LETHE_SCHEDULE_INTERVAL"] {
            configuration.scheduleInterval = try ServerConfiguration.parseInterval(
                text, field: scheduleInterval != nil ? "--schedule-interval" : "LETHE_SCHEDULE_INTERVAL")
        }
        if let text = idleTimeout ?? environment["LETHE_IDLE_TIMEOUT"] {
            configuration.idleTimeout = try ServerConfiguration.parseIdleTimeout(
                text, field: idleTimeout != nil ? "--idle-timeout" : "LETHE_IDLE_TIMEOUT")
        }
        if let text = maxConnections ?? environment["LETHE_MAX_CONNECTIONS"] {
            configuration.maxConnections = try ServerConfiguration.parseCount(
                text, field: maxConnections != nil ? "--max-connections" : "LETHE_MAX_CONNECTIONS")
        }
        if let text = maxConnectionsPerClient ?? environment["LETHE_MAX_CONNECTIONS_PER_CLIENT"] {
            configuration.maxConnectionsPerClient = try ServerConfiguration.parseCount(
                text,
                field: maxConnectionsPerClient != nil
                    ? "--max-connections-per-client" : "LETHE_MAX_CONNECTIONS_PER_CLIENT")
        }
        let proxies =
            trustedProxies.isEmpty
            ? (environment["LETHE_TRUSTED_PROXIES"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            } : trustedProxies
        configuration.trustedProxies = Set(proxies.filter { !$0.isEmpty })
        return configuration
    }

    /// --port, else $LETHE_PORT, else 8080.
    func resolvedPort(_ environment: [String: String]) throws(LetheError) -> Int {
        if let port { return port }
        guard let text = environment["LETHE_PORT"] else { return 8080 }
        guard let value = Int(text) else { throw LetheError(.usage, "LETHE_PORT \(Quoted(text)) is not a port number") }
        return value
    }
}

/// What `serve` prepared before it starts listening, handed out of the error-reporting closure.
private final class Prepared: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (LetheApp, ServerConfiguration)?

    func set(_ app: LetheApp, _ configuration: ServerConfiguration) { lock.withLock { stored = (app, configuration) } }
    var value: (LetheApp, ServerConfiguration)? { lock.withLock { stored } }
}
