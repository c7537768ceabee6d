import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheStore

/// The last verification run is found through its partial index, not by walking the log.
@Test func theLastVerificationRunIsFoundThroughItsIndex() throws {
    // Given a migrated database
    let root = TemporaryDirectory()
    let queue = try DatabaseQueue(path: root.file("db.sqlite"))
    try Migrations.migrator.migrate(queue)
    // When SQLite plans the status query as the store writes it
    let details = try queue.read { db in
        try Row.fetchAll(
            db,
            sql: "EXPLAIN QUERY PLAN SELECT body FROM event WHERE type = 'verification.run' ORDER BY seq DESC LIMIT 1"
        ).map { $0["detail"] as String }
    }
    // Then it reads the partial index, not the whole event table
    #expect(details.contains { $0.contains("event_verification_run") }, "\(details)")
}
