import Foundation
import LetheCore
import LetheEvidence
import LetheStore
import Logging

/// The application layer: every use case the command-line tool and the HTTP service offer.
///
/// Each write use case is one store transaction that changes state and appends the events that
/// record the change; nothing changes without an event.
public struct LetheApp: Sendable {
    /// The persistence backend.
    public let store: any LetheStorage
    /// The clock; injected so that tests run at fixed times.
    public let clock: @Sendable () -> Date
    /// Where the installation lives, when it has a data directory.
    public let dataDirectory: DataDirectory?
    /// The logger; never given secrets, keys or subject identifiers.
    public let logger: Logger
    /// The verification engines `lethe verify --due` can run; shared by copies of this value.
    public let verifiers = VerifierRegistry()
    /// The database erasure engines `erasure run`, `store scan` and `erasure reapply` use, by
    /// store kind (SQLite is registered here); shared by copies of this value.
    public let executors = ErasureEngineRegistry()
    /// Keeps scheduler runs from overlapping; shared by copies of this value.
    let schedulerGate = RunGate()
    /// API tokens verified recently; shared by copies of this value, emptied by every user or
    /// token change.
    let tokenCache = TokenCache()
    /// Configuration (organisation, serial prefix …): environment and `config.json`; the
    /// command line may override keys before a use case runs.
    public var settings = Settings()

    /// Creates the application over a store.
    public init(
        store: any LetheStorage, dataDirectory: DataDirectory? = nil,
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "lethe")
    ) {
        self.store = store
        self.dataDirectory = dataDirectory
        self.clock = clock
        self.logger = logger
        executors.register(SQLiteErasureEngine())
        executors.register(PostgresErasureEngine())
        verifiers.register(
            MediaReadbackVerifier(store: store, reportDirectory: dataDirectory.map { $0.path + "/reports" }))
    }

    /// Opens the installation in a data directory, creating and migrating it on first use.
    ///
    /// - Parameter create: whether a missing installation is created (commands that write);
    ///   when false a missing one is a `notFound` error and nothing is created.
    public static func open(
        _ directory: DataDirectory, create: Bool = true, busyTimeout: TimeInterval = 5,
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "lethe"),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LetheError) -> LetheApp {
        try directory.prepare(create: create)
        // Every event the application appends becomes an evidence-log leaf in the same transaction.
        let store = try SQLiteStore(
            path: directory.databasePath, busyTimeout: busyTimeout, logHasher: SHA256LogHasher())
        var app = LetheApp(store: store, dataDirectory: directory, clock: clock, logger: logger)
        app.settings = try Settings.load(directory: directory, environment: environment)
        // A key file others can read is refused before any work starts (exit 77).
        try app.checkKeyFileModes()
        // The log key is created with the data directory, so every checkpoint is signed by it.
        _ = try app.logSigningKey()
        return app
    }

    /// The current time, truncated to the second as every record is.
    var now: Date { Date(timeIntervalSince1970: floor(clock().timeIntervalSince1970)) }

    /// The application's current time (the injected clock), for callers that judge what is overdue.
    public var currentTime: Date { now }
}

/// Checks the name of whoever performs a change.
enum ActorName {
    static func validate(_ actor: String) throws(LetheError) -> String {
        let trimmed = actor.trimmed
        guard !trimmed.isEmpty, trimmed.count <= 200 else {
            throw LetheError(.usage, "actor must be a name of 1 to 200 characters (who performs the change)")
        }
        return trimmed
    }
}
