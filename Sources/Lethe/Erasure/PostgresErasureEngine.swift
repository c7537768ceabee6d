import Foundation
import LetheCore
import LethePostgres
import LetheSanitize

/// PostgreSQL stores: the ``PostgresErasureExecutor``, the query check in a snapshot of its own
/// (a new connection after the commit), and the `VACUUM` the store declares. The server's files
/// are not Lethe's to read: the residue scan is empty, and what Lethe cannot reach is listed in
/// the outcome (``DatabaseErasure/unreached``) — see docs/data-map.md, "PostgreSQL".
public struct PostgresErasureEngine: DatabaseErasureEngine {
    /// Creates the engine.
    public init() {}

    /// Postgres stores with an erasure plan.
    public func canErase(_ store: DataStoreDeclaration) -> Bool {
        if case .postgres = store.kind { return store.erasure != nil }
        return false
    }

    /// The PostgreSQL executor.
    public func executor(hasher: SubjectHasher) -> any ErasureExecutor { PostgresErasureExecutor(hasher: hasher) }

    /// Erases in one transaction, vacuums as declared, then checks by query in a new snapshot.
    public func erase(
        identifier: String, store: DataStoreDeclaration, hasher: SubjectHasher, scanner: ResidueScanner
    ) throws(LetheError) -> DatabaseErasure {
        guard case .postgres = store.kind, let plan = store.erasure else {
            throw LetheError(
                .internal, "the PostgreSQL engine was given store \(store.name), a \(store.kind.word) store")
        }
        let executor = PostgresErasureExecutor(hasher: hasher)
        let result = try executor.erase(identifier: identifier, store: store)
        let subject = hasher.hash(identifier, normalization: plan.normalization)
        let check = try executor.verify(subjects: [subject], store: store)
        var erased = DatabaseErasure(result: result, remainingRows: check.remainingRows, residue: ResidueReport())
        erased.unreached = Self.unreached(store.vacuum)
        if store.residue.contains(where: { $0.kind == .replica }) {
            // After the commit and the VACUUM: a replica that replayed up to here has both.
            erased.walPosition = try executor.walPosition(store: store)
        }
        return erased
    }

    /// What keeps old row versions beyond Lethe's reach after an erasure in a PostgreSQL store.
    static func unreached(_ vacuum: DatabaseVacuum) -> [String] {
        var list = [
            "write-ahead log (pg_wal) until recycled after checkpoints",
            "WAL and base-backup archives (point-in-time recovery)",
            "physical replicas and their WAL", "logical dumps (pg_dump)",
        ]
        switch vacuum {
        case .plain: list.insert("free space inside heap and index pages until reused (vacuum: plain)", at: 0)
        case .none: list.insert("dead row versions until autovacuum (vacuum: none)", at: 0)
        case .full: list.insert("the table's old files' blocks on the server's disk (vacuum: full)", at: 0)
        }
        return list
    }
}

/// The query check for PostgreSQL stores, by the ``PostgresErasureExecutor``.
public struct PostgresErasureQueryVerifier: ErasureQueryVerifier {
    /// Creates the engine.
    public init() {}
    /// `postgres-query-check`.
    public var name: String { "postgres-query-check" }
    /// Postgres stores with an erasure plan.
    public func canVerify(_ store: DataStoreDeclaration) -> Bool {
        if case .postgres = store.kind { return store.erasure != nil }
        return false
    }
    /// Counts the identity rows whose keyed hash is one of `subjects`.
    public func verify(
        subjects: Set<SubjectHash>, store: DataStoreDeclaration, hasher: SubjectHasher
    ) throws(LetheError) -> ErasureVerification {
        try PostgresErasureExecutor(hasher: hasher).verify(subjects: subjects, store: store)
    }
}
