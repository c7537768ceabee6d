import Crypto
import Foundation
import GRDB
import LetheCore

/// The ``ErasureExecutor`` for SQLite stores (`kind: sqlite`, `connection: /path/to/file`).
///
/// An erasure is one transaction with `PRAGMA secure_delete = ON` (deleted and overwritten
/// content and freed pages are zeroed), then — unless ``Options/compact`` is off —
/// `PRAGMA wal_checkpoint(TRUNCATE)`, and a `VACUUM` (and a second checkpoint) when the file may
/// still hold old content outside its live records (``SQLiteUnusedSpace``: free pages, free
/// blocks or unallocated space not zero, typically left by earlier deletes in a restored file);
/// so neither free pages, the write-ahead log nor a persisted rollback journal keep old content.
/// Before any change every table and column of the plan is checked against the schema
/// (`PRAGMA table_info`); on any failure the transaction rolls back and the file is as it was.
///
/// The subject is matched by hashing each identity value with the ``SubjectHasher`` as it is
/// read (the rows found are then erased by row id; a table without row ids is matched inside
/// SQLite by the SQL function `lethe_subject_match(value)`), so the raw identifier is never an
/// SQL argument, and re-application after a restore needs only the hashes. Identifiers from the
/// data map are used only after they were found in the schema, and always quoted.
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
        /// When an erasure runs `VACUUM`.
        public enum Vacuum: String, Sendable, Hashable {
            /// When the file's unused space may hold old content: a check of the file after the
            /// erasure (``SQLiteUnusedSpace``) finds non-zero free pages, free blocks or
            /// unallocated space, or pages it cannot read. The default.
            case whenNeeded
            /// After every erasure that changed something.
            case always
            /// Never: for measurements and tests only (old content already in free space stays).
            case never
        }

        /// How long to wait for another process's lock before failing with `locked`, in seconds.
        public var busyTimeout: Double
        /// Whether to empty the write-ahead log (and vacuum as `vacuum` says) after the erasure.
        public var compact: Bool
        /// When to `VACUUM` after an erasure.
        public var vacuum: Vacuum

        /// Creates options: a 2-second busy timeout, compaction on and a `VACUUM` when needed, by default.
        public init(busyTimeout: Double = 2, compact: Bool = true, vacuum: Vacuum = .whenNeeded) {
            self.busyTimeout = busyTimeout
            self.compact = compact
            self.vacuum = vacuum
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
    ///
    /// The identity column is read once, hashing as it goes (as ``scanIdentities(store:_:)``
    /// does), inside a deferred transaction: when no subject is there nothing is written and no
    /// lock is taken beyond reading. Otherwise the rows found are erased by row id in the same
    /// transaction (its first write takes the write lock; should another connection have written
    /// since the read began, SQLite refuses and everything is redone in an immediate transaction).
    /// Then the write-ahead log is checkpointed and truncated, and a `VACUUM` runs only when the
    /// file's unused space may still hold old content (``Options/Vacuum/whenNeeded``).
    public func reapply(subjects: Set<SubjectHash>, store: DataStoreDeclaration) throws(LetheError) -> ErasureResult {
        let (path, plan) = try Self.target(store)
        let started = ContinuousClock.now
        let queue = try open(path, store: store, readonly: false)
        let functions = SubjectFunctions(hasher: hasher, normalization: plan.normalization, subjects: subjects)
        let keyed = functions.base
        return try Self.mapErrors(store: store, path: path) {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() ?? ""
                // A persisted journal would keep the pre-erasure pages after commit: switched to
                // DELETE, outside a transaction, once there is something to erase.
                let persistentJournal = mode == "persist" || mode == "truncate"
                functions.install(in: db)

                /// One pass: find the rows, and erase them when `write`. Nil: nothing to erase.
                func pass(_ kind: Database.TransactionKind, write: Bool) throws -> (Int, [TableOutcome])? {
                    var applied: (Int, [TableOutcome])?
                    var found = false
                    try db.inTransaction(kind) {
                        let resolved = try ResolvedPlan(plan, store: store.name, db: db)
                        let rows = try Self.matchingRowIDs(
                            db, plan: resolved, subjects: subjects, keyed: keyed, normalization: plan.normalization)
                        found = rows.map { !$0.isEmpty } ?? true
                        guard found, write else { return .commit }
                        applied = try resolved.apply(db, identityRows: rows, alias: try resolved.rowIDAlias(db))
                        return .commit
                    }
                    if !found { return nil }
                    return applied ?? (-1, [])
                }
                var outcome: (Int, [TableOutcome])?
                do {
                    outcome = try pass(.deferred, write: !persistentJournal)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && !db.isInsideTransaction {
                    outcome = (-1, [])  // another connection wrote since this read began: redo below
                }
                guard var (subjectRows, outcomes) = outcome else {
                    return ErasureResult(
                        store: store.name, subjectRows: 0, tables: [], compacted: true,
                        duration: Self.seconds(since: started))
                }
                if subjectRows < 0 {
                    if persistentJournal { try db.execute(sql: "PRAGMA journal_mode = DELETE") }
                    guard let again = try pass(.immediate, write: true) else {
                        return ErasureResult(
                            store: store.name, subjectRows: 0, tables: [], compacted: true,
                            duration: Self.seconds(since: started))
                    }
                    (subjectRows, outcomes) = again
                }
                // The erasure is committed: a compaction failure from here on is reported in the
                // result (retry with compact(store:)), never as "nothing was changed".
                var result = ErasureResult(
                    store: store.name, subjectRows: subjectRows, tables: outcomes, compacted: false, duration: 0)
                if options.compact {
                    do {
                        try Self.compact(db, path: path, vacuum: options.vacuum, into: &result)
                    } catch {
                        result.compactionProblem = (error as? DatabaseError)?.message ?? "\(error)"
                    }
                }
                result.duration = Self.seconds(since: started)
                return result
            }
        }
    }

    /// Overwrites free pages and empties the write-ahead log of a store: `PRAGMA secure_delete = ON`,
    /// `wal_checkpoint(TRUNCATE)`, `VACUUM`, `wal_checkpoint(TRUNCATE)`. Run it again when an
    /// ``ErasureResult`` says `compacted == false`, or to clear old content a residue scan found.
    ///
    /// - Returns: whether the write-ahead log could be emptied (false while a reader holds it).
    /// - Throws: `locked` when another process holds the database past the busy timeout.
    public func compact(store: DataStoreDeclaration) throws(LetheError) -> Bool {
        let path = try Self.target(store).path
        let queue = try open(path, store: store, readonly: false)
        return try Self.mapErrors(store: store, path: path) {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                var result = ErasureResult(store: store.name, subjectRows: 0, tables: [], compacted: false, duration: 0)
                try Self.compact(db, path: path, vacuum: .always, into: &result)
                return result.compacted
            }
        }
    }

    /// Empties the write-ahead log into the file, then vacuums as `vacuum` says (for `whenNeeded`:
    /// when ``SQLiteUnusedSpace`` does not find the file's unused space clean), and records what
    /// it did in `result`.
    static func compact(_ db: Database, path: String, vacuum: Options.Vacuum, into result: inout ErasureResult) throws {
        let emptied = try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") == 0
        var reason: String?
        switch vacuum {
        case .always: reason = "always"
        case .never: reason = nil
        case .whenNeeded:
            if !emptied {
                reason = "the write-ahead log could not be emptied, so the file could not be checked"
            } else {
                // A read transaction keeps any checkpoint from rewriting the file while it is read.
                try db.inTransaction(.deferred) {
                    _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                    switch SQLiteUnusedSpace.check(path: path) {
                    case .clean: reason = nil
                    case .dirty(let why), .inconclusive(let why): reason = why
                    }
                    return .commit
                }
            }
        }
        if let reason {
            try db.execute(sql: "VACUUM")
            result.vacuumed = true
            result.vacuumReason = reason
            result.compacted = try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") == 0
        } else {
            result.compacted = emptied
        }
        if !result.compacted { result.compactionProblem = "a reader kept the write-ahead log busy" }
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
        (ContinuousClock.now - start).secondsValue
    }
}
