import Foundation
import LetheCore
import LethePostgres
import LetheSanitize
import LetheTestSupport
import Testing

/// What stays in the table's heap file (read from the cluster's data directory at
/// `pg_relation_filepath`, after a `CHECKPOINT`) once Lethe has erased a subject, per `vacuum:`.
/// On a cluster of their own, one test at a time: a transaction open anywhere in the cluster (another
/// test's setup) would keep `VACUUM` from removing the erased row versions (see docs/data-map.md).
@Suite(.serialized, .enabled(if: PostgresCluster.quiet.available, Comment(rawValue: PostgresCluster.quiet.skipReason)))
struct PostgresHeapResidueTests {
    let executor = PostgresErasureExecutor(hasher: PostgresCRM.hasher)
    static let needle = Data("Ada.Lovelace@Example.com".utf8)

    /// The CRM with autovacuum off on its tables (so only Lethe's VACUUM runs), the subject
    /// deleted outright; `compactFirst` lays the rows out in id order (`CLUSTER`: the subject, row 7,
    /// mid-page; otherwise its row is the page's last, as the fixture's UPDATE wrote it).
    func erase(_ name: String, vacuum: DatabaseVacuum, compactFirst: Bool) async throws -> (PostgresCRM, Bool) {
        let crm = try PostgresCRM(name, cluster: .quiet)
        try crm.sql(
            "ALTER TABLE customers SET (autovacuum_enabled = false); ALTER TABLE tickets SET (autovacuum_enabled = false); ALTER TABLE orders SET (autovacuum_enabled = false)"
        )
        if compactFirst { try crm.sql("CLUSTER customers USING customers_pkey") }
        var plan = PostgresCRM.plan
        plan.identityErasure = .deleteRow
        plan.references = plan.references.map {
            TableReference(table: $0.table, column: $0.column, erasure: .deleteRow)
        }
        let store = crm.store(plan: plan, vacuum: vacuum)
        #expect(try crm.cluster.heapFile(database: crm.database, table: "customers").range(of: Self.needle) != nil)
        let executor = self.executor
        let result = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }
        #expect(result.subjectRows == 1)
        #expect(result.compactionProblem == nil)
        #expect(result.vacuumed == (vacuum != .none))
        let heap = try crm.cluster.heapFile(database: crm.database, table: "customers")
        return (crm, heap.range(of: Self.needle) != nil)
    }

    @Test func withoutTheVacuumTheErasedValueStaysInTheHeapFile() async throws {
        // Given vacuum: none, When the subject is erased, Then its e-mail is still in the file
        let (_, present) = try await erase("heap_none", vacuum: .none, compactFirst: true)
        #expect(present)
    }

    @Test func afterLethesPlainVacuumTheErasedValueIsGoneFromTheHeapFile() async throws {
        // Given the default vacuum: plain and the subject's row between others
        // When the subject is erased, Then its e-mail is no longer in the table's file
        let (_, present) = try await erase("heap_plain", vacuum: .plain, compactFirst: true)
        #expect(!present)
    }

    @Test func afterLethesFullVacuumTheErasedValueIsGoneEvenAsThePagesLastTuple() async throws {
        // Given vacuum: full and the subject's row the last one written to its page
        // When the subject is erased, Then the rewritten file does not hold its e-mail
        let (_, present) = try await erase("heap_full", vacuum: .full, compactFirst: false)
        #expect(!present)
    }

    @Test func aPlainVacuumLeavesThePagesLastTupleInFreeSpace() async throws {
        // The documented limit of vacuum: plain (docs/data-map.md): pruning compacts a page by
        // moving live tuples over the dead ones; the lowest tuple's bytes become free space and
        // are not overwritten until the page is written again.
        let (_, present) = try await erase("heap_plain_tail", vacuum: .plain, compactFirst: false)
        #expect(present)
    }

    @Test func aTransactionOpenElsewhereIsReportedNotHidden() async throws {
        // Given a write transaction open in another database of the cluster while Lethe erases
        let crm = try PostgresCRM("heap_horizon", cluster: .quiet)
        try crm.cluster.psql(database: "postgres", "CREATE TABLE IF NOT EXISTS elsewhere (n int)")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = [
            "-X", "-q", "-o", "/dev/null", "-h", "127.0.0.1", "-p", String(crm.cluster.port), "-U", "postgres", "-d",
            "postgres", "-c", "BEGIN; INSERT INTO elsewhere VALUES (1); SELECT pg_sleep(120); COMMIT;",
        ]
        // It holds its transaction until this test ends it (below): a fixed time could run out on a
        // loaded machine before the erasure looks, and the test would pass or fail by chance.
        holder.environment = ["PGPASSWORD": crm.cluster.password, "PGAPPNAME": "lethe-test-holder"]
        try holder.run()
        var open = false
        for _ in 0..<500 where !open {
            open =
                try crm.sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname = 'postgres'")
                == "1\n"
            if !open { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(open)
        var plan = PostgresCRM.plan
        plan.identityErasure = .deleteRow
        plan.references = plan.references.map {
            TableReference(table: $0.table, column: $0.column, erasure: .deleteRow)
        }
        let store = crm.store(plan: plan, vacuum: .full)
        let executor = self.executor

        // When the subject is erased, Then the erasure is committed but not called compacted, and
        // the result says why and what to do
        let result = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }
        _ = try crm.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lethe-test-holder'")
        holder.waitUntilExit()
        #expect(result.subjectRows == 1 && result.vacuumed)
        #expect(!result.compacted)
        #expect(result.compactionProblem?.contains("1 transaction(s) open since before the erasure committed") == true)
    }
}
