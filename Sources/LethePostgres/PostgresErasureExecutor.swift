import Foundation
import LetheCore
import LetheSanitize
import Logging
import NIOCore
import PostgresNIO

/// The ``ErasureExecutor`` for PostgreSQL stores (`kind: postgres`, `connection:` a
/// `postgresql://` URL, see ``PostgresConnectionString``), with postgres-nio.
///
/// An erasure is one `REPEATABLE READ` transaction: the plan's tables and columns are checked
/// against `information_schema`; the identity column is streamed (`SELECT ctid, identity`) and
/// each value hashed in batches as it arrives with the ``SubjectHasher``, so the raw identifier is
/// never an SQL argument and re-application needs only hashes; the matched rows' keys are read by
/// `ctid`; then each reference table in map order
/// (its rows found by the matched keys, bound as an array and cast to the column's type), the
/// identity rows last (by `ctid`, as read in the same snapshot). Identifiers come from the schema
/// and are always quoted; values are always bound. Any error — a foreign key the map did not
/// declare, `lock_timeout`, another session's change — rolls the transaction back: nothing is
/// half-erased and the run can be repeated. After the commit, the touched tables get the store's
/// `VACUUM` (``DatabaseVacuum``; a failure there is reported in the result, the erasure stays).
///
/// Every method blocks its thread on the server's I/O (the work runs as a task on postgres-nio's
/// event loops): call it from a thread of its own, as the application layer does.
public struct PostgresErasureExecutor: ErasureExecutor {
    /// The installation's subject hasher.
    public let hasher: SubjectHasher
    /// Where postgres-nio logs (never a connection string or a bound value; silent by default).
    public let logger: Logger

    /// Creates an executor.
    public init(
        hasher: SubjectHasher, logger: Logger = Logger(label: "lethe.postgres") { _ in SwiftLogNoOpLogHandler() }
    ) {
        self.hasher = hasher
        self.logger = logger
    }

    /// Hashes `identifier` with the store's normalisation and erases that subject; see
    /// ``reapply(subjects:store:)``. Unlike a re-application, it vacuums the plan's tables even when
    /// the subject's rows are already gone: a run repeated after a `VACUUM` was held back (or after
    /// a crash between the commit and the record) does the `VACUUM` it still owes.
    public func erase(identifier: String, store: DataStoreDeclaration) throws(LetheError) -> ErasureResult {
        let plan = try Self.target(store).plan
        return try run(
            subjects: [hasher.hash(identifier, normalization: plan.normalization)], store: store,
            vacuumWhenNothingFound: true)
    }

    /// Erases every subject in `subjects` in one transaction, then vacuums the touched tables as
    /// the store declares (see the type's documentation); when no subject is found nothing is
    /// written and nothing vacuumed.
    public func reapply(subjects: Set<SubjectHash>, store: DataStoreDeclaration) throws(LetheError) -> ErasureResult {
        try run(subjects: subjects, store: store, vacuumWhenNothingFound: false)
    }

    func run(
        subjects: Set<SubjectHash>, store: DataStoreDeclaration, vacuumWhenNothingFound: Bool
    ) throws(LetheError) -> ErasureResult {
        let (target, plan) = try Self.target(store)
        let values = hasher.values(normalization: plan.normalization)
        let exact = hasher.values(normalization: .exact)
        let logger = self.logger
        return try Blocking.run { () async throws(LetheError) -> ErasureResult in
            let started = ContinuousClock.now
            return try await PostgresSession.with(target, store: store.name, logger: logger) {
                (session) async throws(LetheError) -> ErasureResult in
                var committedAt = ""
                var planTables: [String] = []
                var result = try await Self.erase(
                    subjects, plan: plan, session: session, values: values, exact: exact, committedAt: &committedAt,
                    planTables: &planTables)
                if result.subjectRows > 0 {
                    await Self.vacuum(
                        store.vacuum, tables: result.tables.map(\.table), committedAt: committedAt, session: session,
                        into: &result)
                } else if vacuumWhenNothingFound {
                    await Self.vacuum(
                        store.vacuum, tables: planTables, committedAt: committedAt, session: session, into: &result)
                } else {
                    result.compacted = true
                }
                result.duration = Self.seconds(since: started)
                return result
            }
        }
    }

    /// The transaction: find, erase, commit; on any error, roll back and rethrow.
    static func erase(
        _ subjects: Set<SubjectHash>, plan erasurePlan: ErasurePlan, session: PostgresSession,
        values: SubjectHasher.ValueHasher, exact: SubjectHasher.ValueHasher, committedAt: inout String,
        planTables: inout [String]
    ) async throws(LetheError) -> ErasureResult {
        try await session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        do throws(LetheError) {
            // Also set at startup; repeated here so that no server-side default can override it.
            try await session.execute("SET LOCAL lock_timeout = \(session.lockTimeout)")
            try await session.execute("SET LOCAL statement_timeout = \(session.statementTimeout)")
            let plan = try await PostgresPlan.resolve(erasurePlan, session: session)
            let identity = plan.identityTable
            planTables = plan.references.map(\.table.name) + [identity.name]
            // Stream the identity column, hashing in batches as rows arrive; keep only the matches.
            var rowIDs: [String] = []
            _ = try await Self.hashRows(plan, rowIDs: true, session: session, values: values) { hash, rowID in
                if subjects.contains(hash) { rowIDs.append(rowID()) }
            }
            guard !rowIDs.isEmpty else {
                committedAt = try await session.texts("SELECT clock_timestamp()::text").first ?? ""
                try await session.execute("ROLLBACK")
                return ErasureResult(store: session.store, subjectRows: 0, tables: [], compacted: true, duration: 0)
            }
            // The matched rows' keys, read by ctid in the same snapshot.
            var keyBinds = PostgresBindings()
            keyBinds.append(rowIDs)
            let keys = try await session.texts(
                "SELECT \(plan.keyColumn.quoted)::text FROM \(identity.quoted) WHERE ctid = ANY($1::text[]::tid[])",
                keyBinds, table: identity.name)
            var outcomes: [TableOutcome] = []
            for step in plan.references {
                var binds = PostgresBindings()
                binds.append(keys)
                let found = try await session.texts(
                    "SELECT ctid::text FROM \(step.table.quoted) WHERE \(step.column.quoted) = ANY($1::text[]::\(step.column.type)[])",
                    binds, table: step.table.name)
                outcomes.append(
                    try await apply(
                        step.erasure, table: step.table, rows: found, identity: nil, session: session, values: values,
                        exact: exact))
            }
            outcomes.append(
                try await apply(
                    plan.identityErasure, table: identity, rows: rowIDs, identity: plan.identityColumn,
                    session: session, values: values, exact: exact))
            let committing = try await session.texts("SELECT clock_timestamp()::text").first ?? ""
            try await session.execute("COMMIT")
            committedAt = committing
            return ErasureResult(
                store: session.store, subjectRows: rowIDs.count, tables: outcomes, compacted: false, duration: 0)
        } catch {
            try? await session.execute("ROLLBACK")
            throw error
        }
    }

    /// Erases the rows `rows` (ctids read in this transaction) of `table` as `erasure` says.
    static func apply(
        _ erasure: PostgresPlan.Erasure, table: PostgresPlan.Table, rows: [String], identity: PostgresColumn?,
        session: PostgresSession, values: SubjectHasher.ValueHasher, exact: SubjectHasher.ValueHasher
    ) async throws(LetheError) -> TableOutcome {
        let before = try await session.integer("SELECT count(*) FROM \(table.quoted)", table: table.name)
        var affected = 0
        if !rows.isEmpty {
            switch erasure {
            case .deleteRow:
                var binds = PostgresBindings()
                binds.append(rows)
                affected = try await session.integer(
                    "WITH erased AS (DELETE FROM \(table.quoted) WHERE ctid = ANY($1::text[]::tid[]) RETURNING 1) SELECT count(*) FROM erased",
                    binds, table: table.name)
            case .columns(let list):
                let hashed = list.filter { if case .keyedHash = $0.1 { true } else { false } }.map(\.0)
                if hashed.isEmpty {
                    var binds = PostgresBindings()
                    binds.append(rows)
                    let assignments = Self.assignments(list, hashed: [], binds: &binds)
                    affected = try await session.integer(
                        "WITH erased AS (UPDATE \(table.quoted) SET \(assignments) WHERE ctid = ANY($1::text[]::tid[]) RETURNING 1) SELECT count(*) FROM erased",
                        binds, table: table.name)
                } else {
                    // Keyed hashes are computed here: each row's values read, hashed, written back.
                    for row in rows {
                        var read = PostgresBindings()
                        read.append(row)
                        let columns = hashed.map { "\($0.quoted)::text" }.joined(separator: ", ")
                        let sequence = try await session.rows(
                            "SELECT \(columns) FROM \(table.quoted) WHERE ctid = $1::text::tid", read, table: table.name
                        )
                        var current: [String?] = []
                        do {
                            for try await found in sequence {
                                for cell in found { current.append(cell.bytes.map { String(buffer: $0) }) }
                            }
                        } catch {
                            throw PostgresErrors.translate(
                                error, store: session.store, place: session.place, table: table.name)
                        }
                        guard current.count == hashed.count else { continue }
                        var binds = PostgresBindings()
                        binds.append(row)
                        let replacements = zip(hashed, current).map { column, value -> String? in
                            guard let value else { return nil }
                            let hasher = column == identity ? values : exact
                            return hasher.hash(value).hex
                        }
                        for replacement in replacements { binds.append(replacement) }
                        let assignments = Self.assignments(list, hashed: hashed, binds: &binds)
                        affected += try await session.integer(
                            "WITH erased AS (UPDATE \(table.quoted) SET \(assignments) WHERE ctid = $1::text::tid RETURNING 1) SELECT count(*) FROM erased",
                            binds, table: table.name)
                    }
                }
            }
        }
        let after: Int
        if case .deleteRow = erasure { after = before - affected } else { after = before }
        return TableOutcome(
            table: table.name, action: erasure.label, matchedRows: rows.count, rowsAffected: affected,
            totalRowsBefore: before, totalRowsAfter: after)
    }

    /// `SET` assignments; keyed-hash columns take the parameters after the row's (`$2`, `$3` …, in
    /// `hashed` order), replacement texts are appended to `binds`.
    static func assignments(
        _ list: [(PostgresColumn, ColumnErasureAction)], hashed: [PostgresColumn], binds: inout PostgresBindings
    ) -> String {
        var next = 2 + hashed.count
        return list.map { column, action -> String in
            switch action {
            case .setNull:
                return "\(column.quoted) = NULL"
            case .keyedHash:
                let index = 2 + (hashed.firstIndex(of: column) ?? 0)
                return "\(column.quoted) = $\(index)::text::\(column.type)"
            case .replace(let text):
                binds.append(text)
                defer { next += 1 }
                return "\(column.quoted) = $\(next)::text::\(column.type)"
            }
        }.joined(separator: ", ")
    }

    /// Vacuums the touched tables (outside any transaction) and records it; a failure is reported
    /// in `result.compactionProblem` (the erasure is committed: run `VACUUM` by hand). A transaction
    /// that was open before the erasure committed (a write anywhere in the cluster, or a snapshot in
    /// this database) keeps `VACUUM` from removing the old row versions: then the result says so.
    static func vacuum(
        _ mode: DatabaseVacuum, tables: [String], committedAt: String, session: PostgresSession,
        into result: inout ErasureResult
    ) async {
        let list = Array(Set(tables)).sorted().map(PostgresPlan.quote).joined(separator: ", ")
        switch mode {
        case .none:
            result.compacted = true
            result.vacuumReason = nil
            return
        case .plain, .full:
            do throws(LetheError) {
                try await session.execute(mode == .full ? "VACUUM (FULL) \(list)" : "VACUUM \(list)")
                result.vacuumed = true
                result.vacuumReason = mode == .full ? "vacuum: full" : "vacuum: plain"
                var binds = PostgresBindings()
                binds.append(committedAt)
                let older = try await session.integer(
                    """
                    SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND xact_start <= $1::timestamptz
                    AND (backend_xid IS NOT NULL OR (backend_xmin IS NOT NULL AND datname = current_database()))
                    """, binds)
                result.compacted = older == 0
                if older > 0 {
                    result.compactionProblem =
                        "\(older) transaction(s) open since before the erasure committed kept VACUUM from removing the erased row versions; once they end, run VACUUM\(mode == .full ? " (FULL)" : "") on \(list)"
                }
            } catch {
                result.compacted = false
                result.compactionProblem = error.message
            }
        }
    }

    /// Counts the identity rows that still hash to one of `subjects`, in a snapshot of its own;
    /// with no subjects, only checks the plan against the live schema.
    public func verify(
        subjects: Set<SubjectHash>, store: DataStoreDeclaration
    ) throws(LetheError) -> ErasureVerification {
        let (target, plan) = try Self.target(store)
        let values = hasher.values(normalization: plan.normalization)
        let logger = self.logger
        return try Blocking.run { () async throws(LetheError) -> ErasureVerification in
            try await PostgresSession.with(target, store: store.name, logger: logger) {
                (session) async throws(LetheError) -> ErasureVerification in
                let resolved = try await PostgresPlan.resolve(plan, session: session)
                var remaining = 0
                if !subjects.isEmpty {
                    _ = try await Self.hashSnapshot(resolved, session: session, values: values) { hash in
                        if subjects.contains(hash) { remaining += 1 }
                    }
                }
                return ErasureVerification(store: store.name, remainingRows: remaining, subjectsChecked: subjects.count)
            }
        }
    }

    /// Streams the identity column (`SELECT column::text`, rows as the server sends them), hashing
    /// batches of values on a second task while the next batch is read; the hashes are handed to
    /// `body` afterwards, in row order (32 bytes each are kept meanwhile, never the values).
    public func scanIdentities(
        store: DataStoreDeclaration, _ body: (SubjectHash) throws(LetheError) -> Void
    ) throws(LetheError) -> Int {
        let (target, plan) = try Self.target(store)
        let values = hasher.values(normalization: plan.normalization)
        let logger = self.logger
        let hashes = try Blocking.run { () async throws(LetheError) -> [SubjectHash] in
            try await PostgresSession.with(target, store: store.name, logger: logger) {
                (session) async throws(LetheError) -> [SubjectHash] in
                let resolved = try await PostgresPlan.resolve(plan, session: session)
                var hashes: [SubjectHash] = []
                _ = try await Self.hashSnapshot(resolved, session: session, values: values) { hash in
                    hashes.append(hash)
                }
                return hashes
            }
        }
        for hash in hashes { try body(hash) }
        return hashes.count
    }

    // MARK: - Helpers

    /// The server's current write-ahead-log position (`pg_current_wal_lsn()`, as text such as
    /// `0/3000148`), read on a connection of its own: taken after an erasure committed, a replica
    /// whose `pg_last_wal_replay_lsn()` is at or past it has replayed that erasure.
    public func walPosition(store: DataStoreDeclaration) throws(LetheError) -> String {
        let (target, _) = try Self.target(store)
        let logger = self.logger
        return try Blocking.run { () async throws(LetheError) -> String in
            try await PostgresSession.with(target, store: store.name, logger: logger) {
                (session) async throws(LetheError) -> String in
                guard let position = try await session.texts("SELECT pg_current_wal_lsn()::text").first else {
                    throw LetheError(.io, "store \(store.name): the server returned no WAL position")
                }
                return position
            }
        }
    }

    /// Runs `body` in a `REPEATABLE READ READ ONLY` transaction: one snapshot for every query of
    /// a chunked scan.
    static func readOnly(
        _ session: PostgresSession, _ body: () async throws(LetheError) -> Void
    ) async throws(LetheError) {
        try await session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do throws(LetheError) {
            try await body()
            try await session.execute("COMMIT")
        } catch {
            try? await session.execute("ROLLBACK")
            throw error
        }
    }

    static func target(
        _ store: DataStoreDeclaration
    ) throws(LetheError) -> (target: PostgresConnectionString, plan: ErasurePlan) {
        guard case .postgres(let connection) = store.kind else {
            throw LetheError(
                .usage,
                "store '\(store.name)' is a \(store.kind.word) store; the PostgreSQL executor handles postgres stores only"
            )
        }
        guard let plan = store.erasure else {
            throw LetheError(
                .invalidInput, "store '\(store.name)' declares no identity section; add one to the data map")
        }
        return (try PostgresConnectionString(connection, store: store.name), plan)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).secondsValue
    }
}
