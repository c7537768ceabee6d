import Crypto
import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheStore

/// The migration `signed-record-body-last` rebuilds `signed_record` with its body last, so that
/// a large record is stored without SQLite copying it; the rows, the tables that reference
/// them and the append-only triggers stay as they were.
@Suite struct RecordBodyLastMigrationTests {
    @Test func recordsKeepTheirBytesAndTheTableStaysAppendOnly() throws {
        let root = TemporaryDirectory()
        let path = root.file("db.sqlite")
        // Given a database as the previous migration left it, with a record and its revocation
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: "backup-rolling")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO event (seq, recorded_at, actor, type, body) VALUES
                            (1, 't', 'it', 'record.issued', CAST('{}' AS BLOB)),
                            (2, 't', 'it', 'record.revoked', CAST('{}' AS BLOB));
                        INSERT INTO signed_record (serial, kind, issued_at, body, signature, event_seq)
                            VALUES ('ADS-1', 'disposal', 't', CAST('{"a":1}' AS BLOB), X'3082', 1);
                        INSERT INTO record_revocation (serial, reason, revoked_at, event_seq)
                            VALUES ('ADS-1', 'wrong serial', 't', 2);
                        """)
            }
        }

        // When the store opens (and migrates)
        _ = try SQLiteStore(path: path)

        // Then the body is the last column, the record reads as before, and its revocation holds
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let columns = try db.columns(in: "signed_record").map(\.name)
            #expect(columns.last == "body" && columns.count == 8)
            let row = try #require(try Row.fetchOne(db, sql: "SELECT body, signature FROM signed_record"))
            #expect(row["body"] as Data == Data(#"{"a":1}"#.utf8) && row["signature"] as Data == Data([0x30, 0x82]))
            #expect(try db.foreignKeyViolations().map { _ in 1 }.isEmpty)
            #expect(try String.fetchOne(db, sql: "SELECT reason FROM record_revocation") == "wrong serial")
        }
        // And the table refuses changes and deletions as before
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "UPDATE signed_record SET kind = 'report'") }
        }
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "DELETE FROM signed_record") }
        }
    }

    @Test func aLargeRecordIsStoredAndReadWholeThroughIncrementalBlobIO() throws {
        let root = TemporaryDirectory()
        let store = try SQLiteStore(path: root.file("db.sqlite"))
        // Given a record body of several chunks, not a multiple of the chunk size, a small one, and
        // one on each side of the size above which a body is written and read in pieces
        let large = (0..<(3 << 20) + 12_345).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let small = Array(#"{"small":true}"#.utf8)
        let bodies = [large, small, Array(large.prefix(65_536)), Array(large.suffix(65_537))]
        let time = try RFC3339.parse("2026-12-06T10:00:00Z")

        // When both are stored
        try store.write { (tx) throws(LetheError) in
            for (index, body) in bodies.enumerated() {
                let event = try tx.append(
                    EventDraft(type: "record.issued", assetTag: nil, payload: ["serial": .string("R-\(index)")]),
                    actor: "it", at: time)
                try tx.insert(
                    StoredRecord(
                        serial: "R-\(index)", kind: "report", jobID: nil, assetTag: nil, issuedAt: time, body: body,
                        signature: [0x30], eventSeq: event.seq))
            }
        }

        // Then each reads back byte for byte, alone and in a list
        let (one, listed) = try store.read { (tx) throws(LetheError) in
            (
                try bodies.indices.map { (index) throws(LetheError) in try tx.record(serial: "R-\(index)")?.body },
                try tx.records(kind: "report", jobID: nil, limit: nil).reversed().map(\.body)
            )
        }
        #expect(one == bodies)
        #expect(listed == bodies)
    }

    @Test func aSplicedRecordIsStoredPieceByPieceOnlyWithTheDigestItWasSignedWith() throws {
        let root = TemporaryDirectory()
        let store = try SQLiteStore(path: root.file("db.sqlite"))
        // Given the bytes of a file without a name (two pieces and a bit) between a head and a tail
        let middle = (0..<(2 << 20) + 777).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let (plain, whole) = try splicedRecordBody(middle, in: root)
        let digest = Array(SHA256.hash(data: whole))
        let insert = { (serial: String, body: SplicedBytes) throws(LetheError) in
            try issueSplicedRecord(serial, body, in: store, at: "2026-12-06T10:00:00Z")
        }

        // When it is stored checked against its own digest, and against another
        try insert("R-1", plain.checking(sha256: digest))
        var wrong = digest
        wrong[0] ^= 1
        #expect(throws: LetheError.self) { try insert("R-2", plain.checking(sha256: wrong)) }

        // Then the first reads back as the whole, and loads and writes as it; the second left
        // nothing: no record and no event
        let (first, second, events) = try store.read { (tx) throws(LetheError) in
            (try tx.record(serial: "R-1")?.body, try tx.record(serial: "R-2"), try tx.eventCount())
        }
        #expect(first == whole)
        #expect(second == nil && events == 1)
        #expect(plain.count == whole.count)
        #expect(try plain.load() == whole)
        let path = root.file("written")
        let out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        try plain.checking(sha256: digest).write(to: out, name: path)
        close(out)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == whole)
        // And every other read checks the digest too: one that differs is refused
        #expect(try plain.checking(sha256: digest).load() == whole)
        #expect(try plain.digests() == (whole: digest, file: Array(SHA256.hash(data: middle))))
        #expect(throws: LetheError.self) { try plain.checking(sha256: wrong).load() }
        let refused = open(root.file("refused"), O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(throws: LetheError.self) { try plain.checking(sha256: wrong).write(to: refused, name: "refused") }
        close(refused)
    }
}
