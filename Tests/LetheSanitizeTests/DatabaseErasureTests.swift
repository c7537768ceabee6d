import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheSanitize

@Suite struct DatabaseErasureTests {
    let directory = TemporaryDirectory("lethe-erasure")
    let executor = SQLiteErasureExecutor(hasher: CRMFixture.hasher)

    @Test func allFourActionsInOneErasure() throws {
        // Given the CRM database and the example plan
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        let store = CRMFixture.store(path)
        let before = try CRMFixture.dump(path)

        // When the subject is erased by the identifier from the request
        let result = try executor.erase(identifier: CRMFixture.subject, store: store)

        // Then each table shows what was done
        #expect(result.subjectRows == 1)
        #expect(result.compacted)
        let byTable = Dictionary(uniqueKeysWithValues: result.tables.map { ($0.table, $0) })
        #expect(byTable["orders"]?.matchedRows == 3 && byTable["orders"]?.rowsAffected == 3)
        #expect(byTable["orders"]?.totalRowsBefore == 120 && byTable["orders"]?.totalRowsAfter == 120)
        #expect(byTable["tickets"]?.rowsAffected == 2)
        #expect(byTable["tickets"]?.totalRowsBefore == 40 && byTable["tickets"]?.totalRowsAfter == 38)
        #expect(byTable["customers"]?.action == "email=keyed-hash, name=set-null, phone=replace, notes=set-null")
        #expect(result.tables.last?.table == "customers")

        // And the rows hold what the actions say
        let queue = try DatabaseQueue(path: path)
        let row = try #require(try queue.read { try Row.fetchOne($0, sql: "SELECT * FROM customers WHERE id = 7") })
        let subjectHash = CRMFixture.hasher.hash(CRMFixture.subject, normalization: .lowercaseTrim)
        #expect(row["email"] as String? == subjectHash.hex)
        #expect(row["name"] as String? == nil)
        #expect(row["phone"] as String? == "erased")
        #expect(row["notes"] as String? == nil)
        let addresses = try queue.read {
            try String.fetchAll($0, sql: "SELECT shipping_address FROM orders WHERE customer_id = 7")
        }
        #expect(addresses == ["[erased]", "[erased]", "[erased]"])
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM tickets WHERE customer_id = 7") } == 0)

        // And every other customer's rows are untouched
        let after = try CRMFixture.dump(path)
        let changed = Set(before).subtracting(after)
        #expect(changed.count == 1 + 3 + 2)
        #expect(changed.allSatisfy { $0.contains("Ada.Lovelace") })

        // And the query check passes, and the result says nothing of the identifier
        #expect(try executor.verify(subjects: [subjectHash], store: store).passed)
        #expect(!"\(result)".lowercased().contains("lovelace"))
    }

    @Test func deleteRowOnIdentityAndReferences() throws {
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        let plan = ErasurePlan(
            identityTable: "customers", identityColumn: "email", keyColumn: "id", normalization: .lowercaseTrim,
            identityErasure: .deleteRow,
            references: [
                TableReference(table: "orders", column: "customer_id", erasure: .deleteRow),
                TableReference(table: "TICKETS", column: "Customer_ID", erasure: .deleteRow),
            ])
        let result = try executor.erase(
            identifier: "ADA.LOVELACE@example.com", store: CRMFixture.store(path, plan: plan))
        #expect(result.tables.map(\.rowsAffected) == [3, 2, 1])
        #expect(result.tables.map(\.totalRowsAfter) == [117, 38, 39])
    }

    @Test func aSubjectNotHeldChangesNothing() throws {
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        let before = try CRMFixture.dump(path)
        let result = try executor.erase(identifier: "nobody@example.net", store: CRMFixture.store(path))
        #expect(result.subjectRows == 0)
        #expect(result.tables.allSatisfy { $0.rowsAffected == 0 })
        #expect(try CRMFixture.dump(path) == before)
    }

    @Test func aMissingColumnIsNamedAndNothingChanges() throws {
        // Given a plan whose second reference names a column the table does not have
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        var plan = try #require(CRMFixture.store(path).erasure)
        plan.references.append(TableReference(table: "tickets", column: "client_id", erasure: .deleteRow))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        // When the erasure runs, then it fails naming the table and column
        let error = try #require(
            throws: LetheError.self,
            performing: {
                try executor.erase(identifier: CRMFixture.subject, store: CRMFixture.store(path, plan: plan))
            })
        #expect(error.code == .invalidInput)
        #expect(error.message.contains("table 'tickets' has no column 'client_id'"))
        #expect(error.message.contains("Nothing was changed"))
        // And the file is byte for byte what it was
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aFailureMidwayRollsBackEveryTable() throws {
        // Given a trigger that refuses to delete tickets, after orders were already updated
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(
                sql:
                    "CREATE TRIGGER keep_tickets BEFORE DELETE ON tickets BEGIN SELECT RAISE(ABORT, 'tickets are kept'); END"
            )
        }
        let before = try CRMFixture.dump(path)
        let error = try #require(
            throws: LetheError.self,
            performing: { try executor.erase(identifier: CRMFixture.subject, store: CRMFixture.store(path)) })
        #expect(error.message.contains("tickets are kept"))
        #expect(error.message.contains("nothing was changed"))
        #expect(try CRMFixture.dump(path) == before)
    }

    @Test func aLockedDatabaseFailsQuicklyWithLocked() throws {
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        let quick = SQLiteErasureExecutor(
            hasher: CRMFixture.hasher, options: .init(busyTimeout: 0.1, compact: true))
        let holder = try DatabaseQueue(path: path)
        var waited: TimeInterval = 0
        let error: LetheError? = try holder.writeWithoutTransaction { db -> LetheError? in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            defer { try? db.execute(sql: "ROLLBACK") }
            let started = Date()
            defer { waited = Date().timeIntervalSince(started) }
            do {
                _ = try quick.erase(identifier: CRMFixture.subject, store: CRMFixture.store(path))
                return nil
            } catch {
                return error as? LetheError
            }
        }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("crm.sqlite is locked") == true)
        // The 0.1 s given, not the default 2 s (the erasure alone is timed: room for a loaded machine)
        #expect(waited < 1.5, "waited \(waited) s")
    }

    @Test func aReaderHoldingTheLogLeavesTheErasureCommittedButNotCompacted() throws {
        // Given a WAL database with a reader inside a read transaction
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path, journalMode: "wal")
        let reader = try DatabaseQueue(path: path)
        let executor = SQLiteErasureExecutor(hasher: CRMFixture.hasher, options: .init(busyTimeout: 0.2))
        let subject = CRMFixture.hasher.hash(CRMFixture.subject, normalization: .lowercaseTrim)
        let result = try reader.read { db -> ErasureResult in
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM customers")
            // When the subject is erased meanwhile
            return try executor.erase(identifier: CRMFixture.subject, store: CRMFixture.store(path))
        }
        // Then the erasure is committed and the result says compaction must be run again
        #expect(result.subjectRows == 1)
        #expect(!result.compacted)
        #expect(result.compactionProblem != nil)
        #expect(try executor.verify(subjects: [subject], store: CRMFixture.store(path)).passed)
        // And once the reader is gone, compaction completes
        #expect(try executor.compact(store: CRMFixture.store(path)))
        let scanner = try ResidueScanner(identifiers: ["Ada.Lovelace@Example.com"])
        #expect(try scanner.scanDatabase(at: path).clean)
    }

    @Test func aStoreOfAnotherKindOrAMissingFileIsRefused() throws {
        var store = CRMFixture.store(directory.file("absent.sqlite"))
        #expect(
            throws: LetheError(
                .notFound,
                "store 'crm': database file \(directory.file("absent.sqlite")) does not exist; check 'connection' in the data map"
            )
        ) {
            try executor.erase(identifier: "x", store: store)
        }
        store.kind = .processor(contact: "privacy@example.com")
        let error = try #require(
            throws: LetheError.self, performing: { try executor.erase(identifier: "x", store: store) })
        #expect(error.code == .usage)
    }

    @Test func reapplyAfterRestoreNeedsOnlyHashes() throws {
        // Given an erased store and a copy of the file from before the erasure
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        try FileManager.default.copyItem(atPath: path, toPath: directory.file("backup-before-erasure.sqlite"))
        let store = CRMFixture.store(path)
        _ = try executor.erase(identifier: CRMFixture.subject, store: store)
        let erased = try CRMFixture.dump(path)
        let subject = CRMFixture.hasher.hash(CRMFixture.subject, normalization: .lowercaseTrim)

        // When the backup is restored, the subject is back
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: directory.file("backup-before-erasure.sqlite"), toPath: path)
        #expect(try executor.verify(subjects: [subject], store: store).remainingRows == 1)

        // Then re-applying by hash alone (from the suppression list) erases it again
        let other = CRMFixture.hasher.hash("someone-else@example.com", normalization: .lowercaseTrim)
        let result = try executor.reapply(subjects: [subject, other], store: store)
        #expect(result.subjectRows == 1)
        #expect(try executor.verify(subjects: [subject], store: store).passed)
        #expect(try CRMFixture.dump(path) == erased)
    }

    @Test func scanIdentitiesYieldsKeyedHashesOnly() throws {
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        let store = CRMFixture.store(path)
        let subject = CRMFixture.hasher.hash(CRMFixture.subject, normalization: .lowercaseTrim)
        let holdings: Set<SubjectHash> = try executor.scanIdentities(store: store)
        #expect(holdings.count == 40)
        #expect(holdings.contains(subject))
        #expect(holdings.contains(CRMFixture.hasher.hash("customer3@example.org", normalization: .exact)))
        _ = try executor.erase(identifier: CRMFixture.subject, store: store)
        let after: Set<SubjectHash> = try executor.scanIdentities(store: store)
        #expect(after.count == 40 && !after.contains(subject))
    }

    @Test func scanIdentitiesStreamsManyBatchesInTableOrder() throws {
        // Given 20,000 identities (several batches, each hashed on two threads), some with spaces and capitals
        let path = directory.file("many.sqlite")
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
            for id in 1...20_000 {
                let email: String? =
                    id % 1000 == 0 ? nil : (id % 7 == 0 ? " User\(id)@Example.org" : "user\(id)@example.org")
                try db.execute(sql: "INSERT INTO customers VALUES (?, ?)", arguments: [id, email])
            }
        }
        let store = DataStoreDeclaration(
            name: "many", kind: .sqlite(path: path), owner: "ops", categories: [],
            erasure: ErasurePlan(
                identityTable: "customers", identityColumn: "email", normalization: .lowercaseTrim,
                identityErasure: .deleteRow))
        // When scanned, then every non-null identity is hashed, in table order, as the hasher would
        var seen: [SubjectHash] = []
        let count = try executor.scanIdentities(store: store) { seen.append($0) }
        let expected = (1...20_000).filter { $0 % 1000 != 0 }.map {
            CRMFixture.hasher.hash("user\($0)@example.org", normalization: .exact)
        }
        #expect(count == 19_980)
        #expect(seen == expected)
    }

    @Test func theDocumentedExampleErasesTheFixture() throws {
        // Given docs/examples/crm-store.yaml pointed at the fixture database
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/examples/crm-store.yaml")
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        let text = try String(contentsOf: example, encoding: .utf8)
            .replacingOccurrences(of: "/var/lib/crm/crm.sqlite", with: path)
        let store = try #require(try DataMap.parse(yaml: text, file: "crm-store.yaml").store(named: "crm"))

        // When the subject is erased, then the plan of the example applies
        let result = try executor.erase(identifier: CRMFixture.subject, store: store)
        #expect(result.tables.map(\.table) == ["orders", "tickets", "customers"])
        #expect(result.tables.map(\.rowsAffected) == [3, 2, 1])
        let subject = CRMFixture.hasher.hash(CRMFixture.subject, normalization: .lowercaseTrim)
        #expect(try executor.verify(subjects: [subject], store: store).passed)
    }
}
