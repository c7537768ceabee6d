import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheStore

/// The migration `asset-retired-at` dates each asset's last move to retired from its events, and a
/// state change writes the column from then on: a job's deadline no longer needs JSON in SQL.
@Test func retirementTimesAreTakenFromTheEventsThenWrittenWithEachStateChange() throws {
    let root = TemporaryDirectory()
    let path = root.file("db.sqlite")
    // Given a database as the previous migration left it: A retired twice (the last one counts),
    // B retired then lost, C imported as retired (no state-changed event), D in service.
    do {
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "backup-destruction-due")
        try queue.write { db in
            func event(_ seq: Int, _ tag: String, _ time: String, to state: String) -> String {
                let body =
                    #"{"actor":"it","asset":"\#(tag)","payload":{"to":"\#(state)"},"seq":\#(seq),"time":"\#(time)","type":"asset.state-changed","v":1}"#
                return "(\(seq), '\(time)', 'it', 'asset.state-changed', '\(tag)', CAST('\(body)' AS BLOB))"
            }
            try db.execute(
                sql: """
                    INSERT INTO asset (tag, media_type, classification, encryption, state, registered_at, updated_at) VALUES
                        ('A', 'hdd', 'low', 'none', 'retired', 't', 't'), ('B', 'hdd', 'low', 'none', 'lost', 't', 't'),
                        ('C', 'hdd', 'low', 'none', 'retired', 't', 't'), ('D', 'hdd', 'low', 'none', 'in-service', 't', 't');
                    INSERT INTO event (seq, recorded_at, actor, type, asset_tag, body) VALUES
                        \(event(1, "A", "2026-01-01T00:00:00Z", to: "retired")),
                        \(event(2, "A", "2026-01-02T00:00:00Z", to: "in-service")),
                        \(event(3, "A", "2026-01-03T00:00:00Z", to: "retired")),
                        \(event(4, "B", "2026-01-04T00:00:00Z", to: "retired")),
                        \(event(5, "B", "2026-01-05T00:00:00Z", to: "lost"));
                    """)
        }
    }
    // When the store opens (and migrates)
    let store = try SQLiteStore(path: path)
    func retiredAt(_ tag: String) throws -> String? {
        try DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT retired_at FROM asset WHERE tag = ?", arguments: [tag])
        }
    }
    // Then each asset has its last retirement time, or none
    #expect(try retiredAt("A") == "2026-01-03T00:00:00Z")
    #expect(try retiredAt("B") == "2026-01-04T00:00:00Z")
    #expect(try retiredAt("C") == nil)
    #expect(try retiredAt("D") == nil)
    // And a retirement through the store writes the column, which is what job planning reads
    let time = try RFC3339.parse("2026-02-01T00:00:00Z")
    try store.write { (tx) throws(LetheError) in
        try tx.setState(tag: "D", from: .inService, to: .retired, destination: nil, at: time)
    }
    #expect(try retiredAt("D") == "2026-02-01T00:00:00Z")
    let candidates = try store.read { (tx) throws(LetheError) in try tx.jobCandidates() }
    #expect(candidates.first { $0.tag == "D" }?.retiredAt == time)
    #expect(candidates.first { $0.tag == "A" }?.retiredAt == (try RFC3339.parse("2026-01-03T00:00:00Z")))
}
