import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheStore

/// Parts recorded before the subject became a column get it from their outcome, and the subjects
/// erased in a store are read from the column.
@Test func theSubjectColumnIsFilledFromThePartsRecordedBefore() throws {
    let root = TemporaryDirectory()
    let path = root.file("db.sqlite")
    let erased = String(repeating: "a", count: 64)
    let pending = String(repeating: "b", count: 64)
    // Given a database as the migrations before this one left it, with an erased part and a pending one,
    do {
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "backup-destruction-due")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO erasure_request (id, subject, reason, state, due_at, policy_version, requested_by, created_at)
                        VALUES (1, '\(erased)', 'withdrawal', 'open', '2026-02-01T00:00:00Z', 'v', 'dpo', '2026-01-01T00:00:00Z');
                    INSERT INTO erasure_part (id, request_id, store, action, state, outcome, verified_at, updated_at) VALUES
                        (1, 1, 'crm', 'execute', 'done', CAST('{"subject":"\(erased)"}' AS BLOB), '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z'),
                        (2, 1, 'crm', 'execute', 'pending', CAST('{"subject":"\(pending)"}' AS BLOB), NULL, '2026-01-02T00:00:00Z');
                    """)
        }
    }
    // when the store opens it (migrating),
    let store = try SQLiteStore(path: path)
    // then each part has its subject as a column, and only the erased one counts as erased.
    let columns = try DatabaseQueue(path: path).read { db in
        try String?.fetchAll(db, sql: "SELECT subject FROM erasure_part ORDER BY id")
    }
    #expect(columns == [erased, pending])
    #expect(try store.read { (tx) throws(LetheError) in try tx.erasedSubjects(store: "crm") } == [erased])
}
