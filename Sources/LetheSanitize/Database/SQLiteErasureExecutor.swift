import Crypto
import Foundation
import GRDB
import LetheCore

/// The ``ErasureExecutor`` for SQLite stores (`kind: sqlite`, `connection: /path/to/file`).
///
/// An erasure is one `IMMEDIATE` transaction with `PRAGMA secure_delete = ON` (deleted and
/// overwritten content is zeroed in the pages), then — unless ``Options/compact`` is off —
/// `PRAGMA wal_checkpoint(TRUNCATE)`, `VACUUM` and a second `wal_checkpoint(TRUNCATE)`, so neither
/// free pages, the write-ahead log nor a persisted rollback journal keep old content. Before any
/// change every table and column of the plan is checked against the schema (`PRAGMA table_info`);
/// on any failure the transaction rolls back and the file is as it was.
///
/// The subject is matched inside SQLite by the SQL function `lethe_subject_match(value)`, which
/// hashes each identity value with the ``SubjectHasher``; so the raw identifier is never an SQL
/// argument, and re-application after a restore needs only the hashes. Identifiers from the data
/// map are used only after they were found in the schema, and always quoted.
///
/// ```swift
/// let executor = SQLiteErasureExecutor(hasher: hasher)
/// let result = try executor.erase(identifier: request.email, store: crm)        // the request
/// let check = try executor.verify(subjects: [subject], store: crm)               // query check
/// let again = try executor.reapply(subjects: suppressed, store: crm)             // after a restore
/// let holdings: Set<SubjectHash> = try executor.scanIdentities(store: crm)       // lethe store scan
/// ```
///
/// Foreign keys are enforced while erasing: a table that refers to the identity rows with
/// `ON DELETE RESTRICT` and is missing from the plan's references makes the erasure fail (and
/// roll back) rather than leave rows behind.
public struct SQLiteErasureExecutor: ErasureExecutor {
    /// Tuning of the executor.
    public struct Options: Sendable, Hashable {
        /// How long to wait for another process's lock before failing with `locked`, in seconds.
        public var busyTimeout: Double
        /// Whether to `VACUUM` and truncate the write-ahead log after the erasure.
        public var compact: Bool

        /// Creates options: a 2-second busy timeout and compaction on, by default.
        public init(busyTimeout: Double = 2, compact: Bool = true) {
            self.busyTimeout = busyTimeout
            self.compact = compact
        }
    }

    /// The installation's subject hasher.
    public let hasher: SubjectHasher
    /// The options in force.
    public let options: Options

    /// Creates an executor.
    public init(hasher: SubjectHasher, options: Options = Options()) {
        self.hasher = hasher
        self.options = options
    }

    /// Hashes `identifier` with the store's normalisation and erases that subject; see ``reapply(subjects:store:)``.
    public func erase(identifier: String, store: DataStoreDeclaration) throws(LetheError) -> ErasureResult {
        let plan = try Self.target(store).plan
        return try reapply(subjects: [hasher.hash(identifier, normalization: plan.normalization)], store: store)
    }

    /// Erases every subject in `subjects` in one transaction, then compacts the file (see the type's documentation).
    public func reapply(subjects: Set<SubjectHash>, store: DataStoreDeclaration) throws(LetheError) -> ErasureResult {
        let (path, plan) = try Self.target(store)
        let started = ContinuousClock.now
        let queue = try open(path, store: store, readonly: false)
        let functions = SubjectFunctions(hasher: hasher, normalization: plan.normalization, subjects: subjects)
        return try Self.mapErrors(store: store, path: path) {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() ?? ""
                if mode == "persist" || mode == "truncate" {
                    // A persisted journal would keep the pre-erasure pages after commit.
                    try db.execute(sql: "PRAGMA journal_mode = DELETE")
                }
                functions.install(in: db)
                var outcomes: [TableOutcome] = []
                var subjectRows = 0
                try db.inTransaction(.immediate) {
                    let resolved = try ResolvedPlan(plan, store: store.name, db: db)
                    (subjectRows, outcomes) = try resolved.apply(db)
                    return .commit
                }
                // The erasure is committed: a compaction failure from here on is reported in the
                // result (retry with compact(store:)), never as "nothing was changed".
                var compacted = false
                var compactionProblem: String?
                if options.compact {
                    do {
                        compacted = try Self.compact(db)
                        if !compacted { compactionProblem = "a reader kept the write-ahead log busy" }
                    } catch {
                        compactionProblem = (error as? DatabaseError)?.message ?? "\(error)"
                    }
                }
                return ErasureResult(
                    store: store.name, subjectRows: subjectRows, tables: outcomes, compacted: compacted,
                    compactionProblem: compactionProblem, duration: Self.seconds(since: started))
            }
        }
    }

    /// Overwrites free pages and empties the write-ahead log of a store: `PRAGMA secure_delete = ON`,
    /// `wal_checkpoint(TRUNCATE)`, `VACUUM`, `wal_checkpoint(TRUNCATE)`. Run it again when an
    /// ``ErasureResult`` says `compacted == false`.
    ///
    /// - Returns: whether the write-ahead log could be emptied (false while a reader holds it).
    /// - Throws: `locked` when another process holds the database past the busy timeout.
    public func compact(store: DataStoreDeclaration) throws(LetheError) -> Bool {
        let path = try Self.target(store).path
        let queue = try open(path, store: store, readonly: false)
        return try Self.mapErrors(store: store, path: path) {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                return try Self.compact(db)
            }
        }
    }

    static func compact(_ db: Database) throws -> Bool {
        try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        try db.execute(sql: "VACUUM")
        return try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") == 0
    }

    /// Counts the identity rows that still hash to one of `subjects`, read-only.
    public func verify(
        subjects: Set<SubjectHash>, store: DataStoreDeclaration
    ) throws(LetheError) -> ErasureVerification {
        let (path, plan) = try Self.target(store)
        let queue = try open(path, store: store, readonly: true)
        let functions = SubjectFunctions(hasher: hasher, normalization: plan.normalization, subjects: subjects)
        return try Self.mapErrors(store: store, path: path) {
            try queue.read { db in
                functions.install(in: db)
                let resolved = try ResolvedPlan(plan, store: store.name, db: db)
                let remaining =
                    try Int.fetchOne(
                        db,
                        sql:
                            "SELECT count(*) FROM \(resolved.identityTable.quoted) WHERE lethe_subject_match(\(resolved.identityColumn.quoted))"
                    ) ?? 0
                return ErasureVerification(store: store.name, remainingRows: remaining, subjectsChecked: subjects.count)
            }
        }
    }

    // MARK: - Helpers

    static func target(_ store: DataStoreDeclaration) throws(LetheError) -> (path: String, plan: ErasurePlan) {
        guard case .sqlite(let path) = store.kind else {
            throw LetheError(
                .usage,
                "store '\(store.name)' is a \(store.kind.word) store; the SQLite executor handles sqlite stores only")
        }
        guard let plan = store.erasure else {
            throw LetheError(
                .invalidInput, "store '\(store.name)' declares no identity section; add one to the data map")
        }
        return (path, plan)
    }

    func open(_ path: String, store: DataStoreDeclaration, readonly: Bool) throws(LetheError) -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LetheError(
                .notFound,
                "store '\(store.name)': database file \(path) does not exist; check 'connection' in the data map")
        }
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.label = "lethe.erasure.\(store.name)"
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.translate(error, store: store, path: path)
        }
    }

    static func mapErrors<T>(
        store: DataStoreDeclaration, path: String, _ body: () throws -> T
    ) throws(LetheError) -> T {
        do {
            return try body()
        } catch {
            throw translate(error, store: store, path: path)
        }
    }

    static func translate(_ error: any Error, store: DataStoreDeclaration, path: String) -> LetheError {
        if let error = error as? LetheError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return LetheError(
                    .locked,
                    "store '\(store.name)': database \(path) is locked by another process; nothing was changed — retry when it is free"
                )
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return LetheError(
                    .invalidInput,
                    "store '\(store.name)': \(path) is not a usable SQLite database (\(error.message ?? "corrupt"))")
            case .SQLITE_CANTOPEN, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_PERM:
                return LetheError(
                    .io,
                    "store '\(store.name)': cannot read or write \(path) (\(error.message ?? "\(error.resultCode)")); check the file's permissions"
                )
            default:
                return LetheError(
                    .invalidInput,
                    "store '\(store.name)': the database refused the erasure (\(error.message ?? "\(error.resultCode)")); nothing was changed"
                )
            }
        }
        return LetheError(.internal, "store '\(store.name)': \(error)")
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
