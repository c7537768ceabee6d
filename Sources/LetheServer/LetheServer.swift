import Foundation
import Hummingbird
import HummingbirdCore
import Lethe
import LetheCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Lethe's HTTP service: the JSON API under `/api/v1` over the same use cases and authorization
/// table as the CLI, with health checks. `lethe serve` runs it.
public enum LetheServer {
    /// Makes the event loops that do the service's network I/O also run Swift concurrency's
    /// global tasks, the request handlers among them: a request is read, handled and answered on
    /// one thread, without the two thread hand-offs (event loop to the concurrency pool and back)
    /// that otherwise cost more than a point read from SQLite (docs/benchmarks.md). Call it once,
    /// at the start of the process, before the service runs; later calls do nothing and return
    /// the first one's answer. Returns whether the event loops now run the tasks.
    ///
    /// Safe for Lethe because no request blocks its thread: long or blocking work (signing, scrypt,
    /// overwrites, engines, reports, imports) already runs on threads of its own (`OwnThread`) or
    /// on the store's queues, and no task waits on an event loop future synchronously.
    public static func runTasksOnEventLoops() -> Bool {
        TaskExecutorTakeover.once
    }

    /// The router: open health checks and metrics; everything under `/api/v1` needs a bearer token.
    public static func router(
        app: LetheApp, configuration: ServerConfiguration, metrics: ServiceMetrics = ServiceMetrics()
    ) -> Router<LetheRequestContext> {
        let router = Router(context: LetheRequestContext.self)
        router.add(middleware: ClientAddressMiddleware(trusted: configuration.trustedProxies))
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        // Before the console too: every body must keep a minimum rate once the idle timeout's
        // time has passed.
        router.add(middleware: BodyRateMiddleware(grace: configuration.bodyRateGrace ?? configuration.idleTimeout))
        // The web console first: the API's middleware below applies only to routes added after it.
        // Its cookies are Secure whenever a browser reaches it over TLS: served here, or by the
        // TLS-terminating proxy that --insecure-http declares.
        ConsoleRoutes(app: app, secureCookies: configuration.servesTLS || configuration.insecureHTTP).add(to: router)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: BodyLimitMiddleware(maxBytes: configuration.maxBodyBytes))
        // Health, readiness (with the migrations) and metrics.
        OperationsRoutes(app: app, metrics: metrics).add(to: router)
        OpenAPIRoutes().add(to: router)
        let api = router.group("api/v1")
            .add(
                middleware: AuthenticationMiddleware(
                    users: app.users, limiter: AuthFailureLimiter(limit: configuration.authFailuresPerMinute)))
        UserRoutes(users: app.users).add(to: api)
        AssetRoutes(app: app, maxImportBytes: AssetRoutes.defaultMaxImportBytes).add(to: api)
        JobRoutes(app: app).add(to: api)
        RecordRoutes(app: app).add(to: api)
        ReportRoutes(app: app).add(to: api)
        ErasureRoutes(app: app, maxHoldingsBytes: ErasureRoutes.defaultMaxHoldingsBytes).add(to: api)
        StatusRoutes(app: app).add(to: api)
        SchedulerRoutes(app: app).add(to: api)
        WebhookRoutes(app: app).add(to: api)
        return router
    }

    /// The application `lethe serve` runs: the router bound to the configured address, over TLS
    /// when a certificate is configured, with the webhook deliverer beside it, and the scheduler
    /// when an interval is set (both started once the server listens: ``AfterListening``). The scheduler reads the policies as the routes do (``ServerPolicies``)
    /// at each run; they must load now, so that a broken policy directory stops the start.
    public static func application(
        app: LetheApp, configuration: ServerConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(LetheError) -> some ApplicationProtocol {
        try application(
            app: app, configuration: configuration, logger: logger, clients: nil, onServerRunning: onServerRunning)
    }

    /// ``application(app:configuration:logger:onServerRunning:)`` counting connections per
    /// client in `clients` (made from the configuration when nil; tests read it).
    static func application(
        app: LetheApp, configuration: ServerConfiguration, logger: Logger, clients given: ClientConnections?,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(LetheError) -> some ApplicationProtocol {
        try configuration.validate()
        let policies = ServerPolicies(app: app)
        _ = try policies.load()
        let metrics = ServiceMetrics()
        var services: [any Service] = [WebhookDeliverer(app: app, metrics: metrics, logger: logger)]
        if let interval = configuration.scheduleInterval {
            services.append(
                SchedulerLoop(
                    app: app, interval: interval, logger: logger,
                    policies: { () throws(LetheError) in try policies.load() }))
        }
        let listening = ListeningSignal()
        // Resolved once: the default reads the open-file limit and the descriptors open now.
        let maxConnections = configuration.resolvedMaxConnections
        if configuration.maxConnections == nil, maxConnections < FileDescriptorLimit.fewConnections {
            logger.warning(
                "the limit on open files leaves few connections; raise it (ulimit -n, systemd's LimitNOFILE=) or give --max-connections",
                metadata: [
                    "files.limit": "\(FileDescriptorLimit.current())",
                    "connections.max": "\(maxConnections)",
                ])
        }
        let clients =
            given
            ?? ClientConnections(
                perClient: configuration.maxConnectionsPerClient(total: maxConnections),
                exempt: configuration.trustedProxies,
                logger: logger, metrics: metrics)
        return Application(
            router: router(app: app, configuration: configuration, metrics: metrics),
            server: try TLSFiles.serverBuilder(configuration, clients: clients),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "lethe",
                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
            services: [AfterListening(listening: listening, services: services)],
            onServerRunning: { channel in
                listening.give()
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
    }

    /// Raises the process's soft limit on open files to its hard limit, before the configuration
    /// is validated (the default ``ServerConfiguration/maxConnections`` follows it); returns the
    /// limit now in force.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int { FileDescriptorLimit.raiseToHard() }

    /// Runs the service until SIGTERM or SIGINT, then stops after the requests in flight and the
    /// scheduler run in progress. An address in use is a ``LetheError`` (`locked`) naming it.
    public static func run(
        app: LetheApp, configuration: ServerConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let application = try application(
            app: app, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
        do {
            try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw LetheError(
                .locked,
                "cannot listen on \(configuration.host):\(configuration.port): the address is in use (another 'lethe serve'?); choose another port with --port or $LETHE_PORT"
            )
        }
    }

    /// On a data directory with no users, creates `admin` (role admin) with a random console
    /// password and a first API token, and returns both to be shown once; nil when users exist.
    public static func bootstrapAdmin(
        app: LetheApp, by principal: Principal
    ) async throws(LetheError) -> (token: String, password: String)? {
        guard try await !app.users.hasUsers() else { return nil }
        let added = try await app.users.add(name: "admin", roles: [.admin], by: principal)
        let password = randomPassword()
        _ = try await app.users.setPassword(name: "admin", password: password, by: principal)
        return (added.token.secret, password)
    }

    /// 20 characters from an unambiguous alphabet (about 110 bits).
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

/// NIO's takeover of the global executor may be attempted only once per process.
private enum TaskExecutorTakeover {
    static let once = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}
