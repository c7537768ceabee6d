import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@_spi(Fuzzing) @testable import LetheSanitize

/// When the executor needs a `VACUUM` for freed pages to hold no old content, and when
/// `secure_delete` alone is enough.
@Suite struct VacuumDecisionTests {
    let directory = TemporaryDirectory("lethe-vacuum")

    private var scanner: ResidueScanner {
        get throws { try ResidueScanner(identifiers: [CRMFixture.subject], asciiCaseInsensitive: true) }
    }

    /// The fixture compacted (`VACUUM`): no old content anywhere outside its rows. (As created,
    /// its tables' root pages, split as rows were added, keep stale copies of their first rows.)
    private func compactFixture(at path: String, journalMode: String = "delete") throws {
        try CRMFixture.create(at: path, journalMode: journalMode)
        try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "VACUUM") }
    }

    /// The compacted fixture, plus an old export table holding the subject that was dropped without
    /// `secure_delete`: its pages are on the free list with the subject's bytes in them.
    private func fixtureWithOldFreePages(at path: String, journalMode: String) throws {
        try compactFixture(at: path, journalMode: journalMode)
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA secure_delete = OFF")
            try db.execute(sql: "CREATE TABLE old_export (line TEXT)")
            for index in 0..<200 {
                try db.execute(
                    sql: "INSERT INTO old_export VALUES (?)", arguments: ["\(index): \(CRMFixture.storedSubject)"])
            }
            try db.execute(sql: "DROP TABLE old_export")
            _ = try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        let free = try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA freelist_count") }
        #expect((free ?? 0) > 0, "the dropped table's pages are free")
    }

    @Test func aFreshFileIsCleanAndPlainDeletesAreNot() throws {
        // As created, a root page split into an interior page keeps its first rows' text.
        let created = directory.file("created.sqlite")
        try CRMFixture.create(at: created)
        #expect(SQLiteUnusedSpace.check(path: created).needsVacuum)
        let fresh = directory.file("fresh.sqlite")
        try compactFixture(at: fresh)
        #expect(SQLiteUnusedSpace.check(path: fresh) == .clean)

        // A plain delete of one row leaves its bytes in a free block of a live page.
        let deleted = directory.file("deleted.sqlite")
        try compactFixture(at: deleted)
        try DatabaseQueue(path: deleted).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA secure_delete = OFF")
            try db.execute(sql: "DELETE FROM tickets WHERE customer_id = 7")
        }
        #expect(SQLiteUnusedSpace.check(path: deleted).needsVacuum)

        // A dropped table leaves free pages with old content.
        let dropped = directory.file("dropped.sqlite")
        try fixtureWithOldFreePages(at: dropped, journalMode: "delete")
        guard case .dirty(let why) = SQLiteUnusedSpace.check(path: dropped) else {
            Issue.record("old free pages were not found")
            return
        }
        #expect(why.contains("free"))

        // The same delete with secure_delete on leaves nothing behind.
        let secure = directory.file("secure.sqlite")
        try compactFixture(at: secure)
        try DatabaseQueue(path: secure).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "DELETE FROM tickets WHERE customer_id = 7")
        }
        #expect(SQLiteUnusedSpace.check(path: secure) == .clean)
    }

    /// A table of 1,000 short rows, compacted, then its last row deleted (`secure_delete` as given):
    /// that row's cell is the first of its page's cell content, so freeing it grows the page's
    /// unallocated space.
    private func lastRowDeleted(at path: String, secureDelete: Bool) throws {
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
                    INSERT INTO customers SELECT i, 'customer' || i || '@example.com' FROM n;
                    VACUUM;
                    """)
            try db.execute(sql: "PRAGMA secure_delete = \(secureDelete ? "ON" : "OFF")")
            try db.execute(sql: "DELETE FROM customers WHERE id = 1000")
        }
    }

    @Test func aSecureDeleteAtTheTopOfAPageLeavesOnlyAFreeBlockHeader() throws {
        // SQLite zeroes the freed cell, then writes a free-block header (next block, size) at its
        // start even when the block joins the unallocated space: four bytes of page offsets, no row
        // content. The check accepts them; it needed a VACUUM of the whole file for them before.
        let secure = directory.file("top-secure.sqlite")
        try lastRowDeleted(at: secure, secureDelete: true)
        #expect(SQLiteUnusedSpace.check(path: secure) == .clean)

        // Without secure_delete the row's text stays there.
        let plain = directory.file("top-plain.sqlite")
        try lastRowDeleted(at: plain, secureDelete: false)
        guard case .dirty(let why) = SQLiteUnusedSpace.check(path: plain) else {
            Issue.record("the deleted row's text was not found")
            return
        }
        #expect(why.contains("unallocated"))
    }

    @Test func unallocatedSpaceMayHoldFreeBlockHeadersButNoText() {
        // One table leaf page (page 2 of a two-page UTF-8 file of 4 KiB pages) with one cell at
        // 4000; its unallocated space runs from 10 to 4000.
        func file(unallocated bytes: [(Int, [UInt8])]) -> [UInt8] {
            var file = [UInt8](repeating: 0, count: 8192)
            file.replaceSubrange(0..<16, with: Array("SQLite format 3\0".utf8))
            file[16] = 0x10  // page size 4096
            file[59] = 1  // UTF-8
            file[100] = 0x0D  // page 1: an empty table leaf
            file[105] = 0x10  // its content starts at 4096
            let page = 4096
            file[page] = 0x0D
            file[page + 4] = 1  // one cell
            file[page + 5] = 0x0F
            file[page + 6] = 0xA0  // content at 4000
            file[page + 8] = 0x0F
            file[page + 9] = 0xA0  // its pointer
            for (offset, value) in bytes {
                file.replaceSubrange(page + offset..<page + offset + value.count, with: value)
            }
            return file
        }
        func verdict(_ bytes: [(Int, [UInt8])]) -> SQLiteUnusedSpace.Verdict {
            file(unallocated: bytes).withUnsafeBytes { SQLiteUnusedSpace.check($0) }
        }
        #expect(verdict([]) == .clean)
        // Stale headers of freed cells: next block 0, sizes 30 and 46, each within the page.
        #expect(verdict([(1920, [0, 0, 0, 30]), (3954, [0, 0, 0, 46])]) == .clean)
        // Two text bytes in a row can be no header: row content.
        #expect(verdict([(1920, [0, 0, 0x61, 0x62])]).needsVacuum)
        #expect(verdict([(1920, [0x61, 0x62, 0x63, 0x64])]).needsVacuum)
        // UTF-16 text (a BLOB column in a UTF-8 file) alternates characters with zero bytes: it
        // must not pass as a chain of headers near the start of the page.
        for text in ["ada@x.io", "Ada Lovelace"] {
            let utf16 = Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            #expect(verdict([(12, utf16)]).needsVacuum, "\(text) as UTF-16LE")
            #expect(verdict([(12, [0] + utf16)]).needsVacuum, "\(text) as UTF-16BE")
        }
        // A "size" that runs past the cell content is no header either.
        #expect(verdict([(3990, [0, 0, 0, 30])]).needsVacuum)
    }

    /// The fixture's plan with every table's rows deleted (no row grows, so no page is rebalanced).
    private func deletingStore(_ path: String) -> DataStoreDeclaration {
        CRMFixture.store(
            path,
            plan: ErasurePlan(
                identityTable: "customers", identityColumn: "email", keyColumn: "id", normalization: .lowercaseTrim,
                identityErasure: .deleteRow,
                references: [
                    TableReference(table: "orders", column: "customer_id", erasure: .deleteRow),
                    TableReference(table: "tickets", column: "customer_id", erasure: .deleteRow),
                ]))
    }

    @Test(arguments: ["delete", "wal"])
    func withoutOldFreeSpaceTheErasureNeedsNoVacuum(journalMode: String) throws {
        let path = directory.file("plain-\(journalMode).sqlite")
        try compactFixture(at: path, journalMode: journalMode)
        let bystander = try DatabaseQueue(path: path)
        _ = try bystander.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customers") }
        let result = try SQLiteErasureExecutor(hasher: CRMFixture.hasher)
            .erase(identifier: CRMFixture.subject, store: deletingStore(path))
        #expect(result.subjectRows == 1)
        #expect(result.compacted)
        #expect(!result.vacuumed, "\(result.vacuumReason ?? "")")
        let report = try scanner.scanDatabase(at: path)
        #expect(report.clean, "residue at \(report.matches.map { "\($0.file)@\($0.offset)" })")
        _ = bystander
    }

    @Test(arguments: ["delete", "wal"])
    func oldFreePagesAreVacuumedAndWouldOtherwiseKeepTheSubject(journalMode: String) throws {
        // Without a VACUUM the old free pages keep the subject: that is what it is for.
        let kept = directory.file("never-\(journalMode).sqlite")
        try fixtureWithOldFreePages(at: kept, journalMode: journalMode)
        let never = try SQLiteErasureExecutor(hasher: CRMFixture.hasher, options: .init(vacuum: .never))
            .erase(identifier: CRMFixture.subject, store: deletingStore(kept))
        #expect(never.subjectRows == 1 && !never.vacuumed)
        #expect(try !scanner.scanDatabase(at: kept).clean)

        // With the default, the check of the file finds them and the executor vacuums.
        let path = directory.file("auto-\(journalMode).sqlite")
        try fixtureWithOldFreePages(at: path, journalMode: journalMode)
        let result = try SQLiteErasureExecutor(hasher: CRMFixture.hasher)
            .erase(identifier: CRMFixture.subject, store: deletingStore(path))
        #expect(result.subjectRows == 1)
        #expect(result.vacuumed)
        #expect(result.vacuumReason?.contains("free") == true, "\(result.vacuumReason ?? "")")
        #expect(result.compacted)
        let report = try scanner.scanDatabase(at: path)
        #expect(report.clean, "residue at \(report.matches.map { "\($0.file)@\($0.offset)" })")
        #expect(SQLiteUnusedSpace.check(path: path) == .clean)
    }

    @Test func aSubjectNotPresentChangesNothingAndTakesNoWriteLock() throws {
        let path = directory.file("absent.sqlite")
        try CRMFixture.create(at: path, journalMode: "wal")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // Another connection holds the write lock: a reapply that finds nothing does not need it.
        let holder = try DatabaseQueue(path: path)
        try holder.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            let result = try SQLiteErasureExecutor(hasher: CRMFixture.hasher, options: .init(busyTimeout: 0.1))
                .reapply(
                    subjects: [CRMFixture.hasher.hash("nobody@example.com", normalization: .lowercaseTrim)],
                    store: CRMFixture.store(path))
            #expect(result.subjectRows == 0 && !result.vacuumed)
            try db.execute(sql: "ROLLBACK")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aTableWithoutRowIDsIsStillErased() throws {
        let path = directory.file("without-rowid.sqlite")
        try DatabaseQueue(path: path).write { db in
            try db.execute(
                sql: """
                    CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL) WITHOUT ROWID;
                    INSERT INTO customers VALUES (1, 'a@example.com'), (7, ' Ada.Lovelace@Example.com');
                    """)
        }
        let store = CRMFixture.store(
            path,
            plan: ErasurePlan(
                identityTable: "customers", identityColumn: "email", keyColumn: "id", normalization: .lowercaseTrim,
                identityErasure: .deleteRow))
        let result = try SQLiteErasureExecutor(hasher: CRMFixture.hasher)
            .erase(identifier: CRMFixture.subject, store: store)
        #expect(result.subjectRows == 1)
        #expect(try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customers") } == 1)
    }
}
