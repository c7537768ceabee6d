import Foundation
import LetheCore
import LetheSanitize

/// Erases one subject in a kind of database store, end to end: the erasure itself, the query
/// check and a residue scan of whatever files hold the store's data. One registration per kind
/// (``SQLiteErasureEngine``, ``PostgresErasureEngine``) in ``ErasureEngineRegistry``; use cases never construct
/// an executor themselves.
///
/// Every method blocks on the store's I/O: use cases call them through ``OwnThread/run(_:_:)``.
public protocol DatabaseErasureEngine: Sendable {
    /// Whether it erases in this store (its kind, with an erasure plan).
    func canErase(_ store: DataStoreDeclaration) -> Bool
    /// The executor for the store's operations (scan, re-apply, query check), hashing with `hasher`.
    func executor(hasher: SubjectHasher) -> any ErasureExecutor
    /// Erases the subject named by `identifier` (held in memory only), checks by query that no
    /// identity row still matches, and scans the store's files for the identifier's bytes with
    /// `scanner`, compacting when old content remains.
    func erase(
        identifier: String, store: DataStoreDeclaration, hasher: SubjectHasher, scanner: ResidueScanner
    ) throws(LetheError) -> DatabaseErasure
}

/// What ``DatabaseErasureEngine/erase(identifier:store:hasher:scanner:)`` did and found.
public struct DatabaseErasure: Sendable, Hashable {
    /// The erasure (compaction included).
    public var result: ErasureResult
    /// Identity rows the query check still found.
    public var remainingRows: Int
    /// The residue scan after the erasure.
    public var residue: ResidueReport
    /// Places that may still hold old versions of the erased rows which the engine cannot reach
    /// (a server's write-ahead log, archives, replicas); empty when it reached every file.
    public var unreached: [String] = []
    /// The store's write-ahead-log position after the erasure (and its `VACUUM`), when the engine
    /// reads one: PostgreSQL stores that declare a replica (`pg_current_wal_lsn()`).
    public var walPosition: String?

    /// Creates an outcome.
    public init(result: ErasureResult, remainingRows: Int, residue: ResidueReport) {
        self.result = result
        self.remainingRows = remainingRows
        self.residue = residue
    }
}

/// The database erasure engines an application knows, in registration order: thread-safe, shared
/// by every copy of the ``LetheApp`` it belongs to. `LetheApp` registers the SQLite and PostgreSQL
/// engines; a MySQL engine would be one more registration.
public final class ErasureEngineRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var engines: [any DatabaseErasureEngine] = []

    /// Creates an empty registry.
    public init() {}

    /// Adds an engine; earlier registrations win when several accept a store.
    public func register(_ engine: any DatabaseErasureEngine) {
        lock.withLock { engines.append(engine) }
    }

    /// The first engine that erases in `store`, if any.
    public func engine(for store: DataStoreDeclaration) -> (any DatabaseErasureEngine)? {
        lock.withLock { engines }.first { $0.canErase(store) }
    }
}

/// SQLite stores: the ``SQLiteErasureExecutor``, and a residue scan of the database file, its
/// `-wal` and `-journal`.
public struct SQLiteErasureEngine: DatabaseErasureEngine {
    /// Creates the engine.
    public init() {}

    /// SQLite stores with an erasure plan.
    public func canErase(_ store: DataStoreDeclaration) -> Bool {
        if case .sqlite = store.kind { return store.erasure != nil }
        return false
    }

    /// The SQLite executor.
    public func executor(hasher: SubjectHasher) -> any ErasureExecutor { SQLiteErasureExecutor(hasher: hasher) }

    /// Erases, checks by query, scans the file, its `-wal` and `-journal`; a `VACUUM` and a second
    /// scan when the first found the identifier's bytes.
    public func erase(
        identifier: String, store: DataStoreDeclaration, hasher: SubjectHasher, scanner: ResidueScanner
    ) throws(LetheError) -> DatabaseErasure {
        guard case .sqlite(let path) = store.kind, let plan = store.erasure else {
            throw LetheError(.internal, "the SQLite engine was given store \(store.name), a \(store.kind.word) store")
        }
        let executor = SQLiteErasureExecutor(hasher: hasher)
        var result = try executor.erase(identifier: identifier, store: store)
        let subject = hasher.hash(identifier, normalization: plan.normalization)
        let check = try executor.verify(subjects: [subject], store: store)
        var residue = try scanner.scanDatabase(at: path)
        if !residue.clean {
            // Old content from before this run (say, a delete made without secure_delete) the
            // check of the file's free space did not catch: a VACUUM, then look again.
            result.compacted = try executor.compact(store: store)
            result.vacuumed = true
            result.vacuumReason = "the residue scan found the identifier's bytes"
            residue = try scanner.scanDatabase(at: path)
        }
        return DatabaseErasure(result: result, remainingRows: check.remainingRows, residue: residue)
    }
}
