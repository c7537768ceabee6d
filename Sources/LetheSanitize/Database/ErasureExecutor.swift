import LetheCore

/// Erases, re-applies, verifies and scans the subjects of one database store, whatever its engine.
///
/// ``SQLiteErasureExecutor`` is the first backend; `PostgresErasureExecutor` (target
/// `LethePostgres`) the second: the same four operations over postgres-nio, the subject matched by
/// hashing the streamed identity column client-side, one `REPEATABLE READ` transaction per
/// erasure and the store's `VACUUM` after it. A MySQL executor would be a third (docs/data-map.md).
///
/// Every operation leaves the store unchanged when it fails, and no operation takes, returns or
/// logs a raw identifier except ``erase(identifier:store:)``, which only hashes it in memory.
public protocol ErasureExecutor: Sendable {
    /// Erases one subject, named by its raw identifier (held only in memory, never written).
    ///
    /// Equivalent to ``reapply(subjects:store:)`` with the identifier's keyed hash.
    func erase(identifier: String, store: DataStoreDeclaration) throws(LetheError) -> ErasureResult

    /// Applies the store's erasure plan to every row whose identity hashes to one of `subjects`:
    /// the erasure itself, and its re-application after a backup of the store was restored.
    func reapply(subjects: Set<SubjectHash>, store: DataStoreDeclaration) throws(LetheError) -> ErasureResult

    /// The query check: how many identity rows still hash to one of `subjects` (0 passes).
    func verify(subjects: Set<SubjectHash>, store: DataStoreDeclaration) throws(LetheError) -> ErasureVerification

    /// Reads the identity column of every row and hands each value's keyed hash to `body`, streaming.
    ///
    /// - Returns: the number of non-null identities read.
    func scanIdentities(
        store: DataStoreDeclaration, _ body: (SubjectHash) throws(LetheError) -> Void
    ) throws(LetheError) -> Int
}

extension ErasureExecutor {
    /// The set of keyed hashes of every identity in the store (the holdings of `lethe store scan`).
    public func scanIdentities(store: DataStoreDeclaration) throws(LetheError) -> Set<SubjectHash> {
        var result: Set<SubjectHash> = []
        _ = try scanIdentities(store: store) { hash in result.insert(hash) }
        return result
    }
}

/// What an erasure (or its re-application) did to a store.
public struct ErasureResult: Sendable, Hashable {
    /// The store's name.
    public var store: String
    /// How many identity rows matched the subjects (0 means the store held nothing of them).
    public var subjectRows: Int
    /// What was done to each table, references first, the identity table last.
    public var tables: [TableOutcome]
    /// Whether the file's unused space holds no old content (freed pages zeroed by
    /// `secure_delete`, the file checked or compacted with `VACUUM`) and the write-ahead log was
    /// emptied; `false` when compaction was switched off or a reader kept the log busy.
    public var compacted: Bool
    /// Whether a `VACUUM` ran: only when the file held old content outside live records (see
    /// `vacuumReason`) or the options ask for it always.
    public var vacuumed: Bool = false
    /// Why the `VACUUM` ran (what the check of the file's unused space found), when it ran.
    public var vacuumReason: String?
    /// Why compaction did not complete, when it did not (the erasure itself is committed then;
    /// run ``SQLiteErasureExecutor/compact(store:)`` again later).
    public var compactionProblem: String?
    /// Wall-clock time of the whole operation, in seconds.
    public var duration: Double

    /// Creates a result.
    public init(
        store: String, subjectRows: Int, tables: [TableOutcome], compacted: Bool, compactionProblem: String? = nil,
        duration: Double
    ) {
        self.compactionProblem = compactionProblem
        self.store = store
        self.subjectRows = subjectRows
        self.tables = tables
        self.compacted = compacted
        self.duration = duration
    }
}

/// What an erasure did to one table.
public struct TableOutcome: Sendable, Hashable {
    /// The table.
    public var table: String
    /// `delete-row`, or the changed columns with their actions (`email=keyed-hash, name=set-null`).
    public var action: String
    /// Rows of the subject found in the table before the erasure.
    public var matchedRows: Int
    /// Rows deleted or updated.
    public var rowsAffected: Int
    /// All rows of the table before the erasure.
    public var totalRowsBefore: Int
    /// All rows of the table after the erasure.
    public var totalRowsAfter: Int

    /// Creates an outcome.
    public init(
        table: String, action: String, matchedRows: Int, rowsAffected: Int, totalRowsBefore: Int, totalRowsAfter: Int
    ) {
        self.table = table
        self.action = action
        self.matchedRows = matchedRows
        self.rowsAffected = rowsAffected
        self.totalRowsBefore = totalRowsBefore
        self.totalRowsAfter = totalRowsAfter
    }
}

/// The result of a query check.
public struct ErasureVerification: Sendable, Hashable {
    /// The store's name.
    public var store: String
    /// Identity rows that still hash to one of the subjects.
    public var remainingRows: Int
    /// How many subjects were checked.
    public var subjectsChecked: Int
    /// Whether no row remains.
    public var passed: Bool { remainingRows == 0 }

    /// Creates a verification result.
    public init(store: String, remainingRows: Int, subjectsChecked: Int) {
        self.store = store
        self.remainingRows = remainingRows
        self.subjectsChecked = subjectsChecked
    }
}
