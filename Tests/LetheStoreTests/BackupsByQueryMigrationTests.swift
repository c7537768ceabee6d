import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheStore

/// A subject hash: 64 hex digits made of one repeated character.
private func subject(_ digit: Character) -> String { String(repeating: digit, count: 64) }

@Test func theMigrationKeepsEverySubjectTheBackupCopiesListed() throws {
    let root = TemporaryDirectory()
    let path = root.file("db.sqlite")
    // A database as the shipped erasure migration left it: copies of the holdings per backup.
    do {
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "erasure-data-map")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO data_store (name, kind, declaration, applied_at) VALUES
                        ('crm', 'sqlite', x'7b7d', '2026-01-01T00:00:00Z'),
                        ('mailer', 'processor', x'7b7d', '2026-01-01T00:00:00Z');
                    INSERT INTO holding (store, subject, source, recorded_at) VALUES
                        ('crm', '\(subject("1"))', 'scan', '2026-01-01T00:00:00Z'),
                        ('crm', '\(subject("2"))', 'scan', '2026-01-01T00:00:00Z'),
                        ('crm', '\(subject("3"))', 'scan', '2026-03-01T00:00:00Z'),
                        ('crm', '\(subject("5"))', 'scan', '2026-03-01T00:00:00Z'),
                        ('mailer', '\(subject("1"))', 'import', '2026-01-01T00:00:00Z');
                    INSERT INTO backup (id, store, file, created_at, registered_at) VALUES
                        (1, 'crm', 'b1', '2026-01-10T00:00:00Z', '2026-01-10T00:00:00Z'),
                        (2, 'crm', 'b2', '2026-02-10T00:00:00Z', '2026-02-10T00:00:00Z'),
                        (3, 'crm', 'b3', '2026-03-10T00:00:00Z', '2026-03-10T00:00:00Z');
                    -- 3 was erased and recorded again (its holding is dated later than the copies),
                    -- 4 was erased before backup 3 (its holding is gone).
                    INSERT INTO backup_subject (backup_id, subject) VALUES
                        (1, '\(subject("1"))'), (1, '\(subject("2"))'), (1, '\(subject("3"))'), (1, '\(subject("4"))'),
                        (2, '\(subject("1"))'), (2, '\(subject("2"))'), (2, '\(subject("3"))'), (2, '\(subject("4"))'),
                        (3, '\(subject("1"))'), (3, '\(subject("2"))'), (3, '\(subject("3"))'), (3, '\(subject("5"))');
                    """)
        }
    }
    let store = try SQLiteStore(path: path)
    #expect(throws: (any Error).self) { try store.countRows("backup_subject") }
    let found = try store.read { (tx) throws(LetheError) in
        (
            counts: try tx.backups(store: "crm").map(\.subjectCount),
            held: try ["1", "2", "3", "4", "5"].map { (digit) throws(LetheError) in
                try tx.backups(store: "crm", holding: subject(digit)).map(\.id)
            },
            holds: try ["1", "3", "4"].map { (digit) throws(LetheError) in
                try tx.holds(store: "crm", subject: subject(digit))
            },
            count: try tx.holdingCount(store: "crm"),
            mailer: try tx.backups(store: "mailer", holding: subject("1")).map(\.id)
        )
    }
    #expect(found.counts == [4, 4, 4])
    #expect(found.held[0] == [1, 2, 3])
    #expect(found.held[1] == [1, 2, 3])
    #expect(found.held[2] == [1, 2, 3], "a holding recorded again is dated back to the first copy listing it")
    #expect(found.held[3] == [1, 2], "a subject erased before the migration stays in the backups that listed it")
    #expect(found.held[4] == [3])
    #expect(found.holds == [true, true, false], "an erased subject is not held by the live store")
    #expect(found.count == 4)
    #expect(found.mailer.isEmpty)
}

@Test func aNewDatabaseHasNoCopyTableAndCountsTheBackupsSubjects() throws {
    let root = TemporaryDirectory()
    let store = try SQLiteStore(path: root.file("db.sqlite"))
    #expect(throws: (any Error).self) { try store.countRows("backup_subject") }
    let time = Date(timeIntervalSince1970: 1_795_338_000)
    let backup = try store.write { (tx) throws(LetheError) in
        try tx.save(RegisteredStore(name: "crm", kind: "sqlite", declaration: Array("{}".utf8), appliedAt: time))
        _ = try tx.insertHoldings(store: "crm", subjects: [subject("a"), subject("b")], source: "scan", at: time)
        try tx.eraseHolding(store: "crm", subject: subject("b"), at: time)
        return try tx.insert(BackupRecord(store: "crm", file: "f", createdAt: time, expiresAt: nil, registeredAt: time))
    }
    #expect(backup.subjectCount == 1)
    #expect(try store.read { (tx) throws(LetheError) in try tx.backup(id: backup.id)?.subjectCount } == 1)
}

@Test func backupsScheduledBeforeTheDueDateExistedAreDueSevenDaysAfterTheirExpiry() throws {
    let root = TemporaryDirectory()
    let path = root.file("db.sqlite")
    do {
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "holding-chunks")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO data_store (name, kind, declaration, applied_at) VALUES
                        ('crm', 'sqlite', x'7b7d', '2026-01-01T00:00:00Z');
                    INSERT INTO backup (id, store, file, created_at, expires_at, registered_at, destruction_scheduled_at)
                    VALUES
                        (1, 'crm', 'b1', '2026-01-10T00:00:00Z', '2026-02-14T06:30:00Z', '2026-01-10T00:00:00Z',
                            '2026-02-15T00:00:00Z'),
                        (2, 'crm', 'b2', '2026-03-10T00:00:00Z', '2026-04-14T00:00:00Z', '2026-03-10T00:00:00Z', NULL);
                    """)
        }
    }
    let store = try SQLiteStore(path: path)
    let due = try store.read { (tx) throws(LetheError) in try tx.backups(store: "crm").map(\.destructionDueAt) }
    #expect(due == [try RFC3339.parse("2026-02-21T06:30:00Z"), nil])
}
