import Crypto
import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheStore

/// A large record (a report spooled while computed) is stored as pieces of `signed_record_piece`,
/// each written once, and reads back whole by every path; its pieces are as append-only as it.
@Suite struct RecordPiecesTests {
    /// A spliced record body — a head, a file without a name of two pieces and a bit, a tail —
    /// and the whole it stands for.
    static func splicedBody(in root: TemporaryDirectory) throws -> (SplicedBytes, [UInt8]) {
        let middle = (0..<(2 << 20) + 777).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 7) }
        let (body, whole) = try splicedRecordBody(middle, in: root)
        return (body.checking(sha256: Array(SHA256.hash(data: whole))), whole)
    }

    @Test func aSplicedRecordIsStoredInPiecesAndReadsWholeEveryWay() throws {
        let root = TemporaryDirectory()
        let path = root.file("db.sqlite")
        let store = try SQLiteStore(path: path)
        let (body, whole) = try Self.splicedBody(in: root)
        // When it is issued
        try issueSplicedRecord("R-1", body, in: store)

        // Then its row's body is empty and its bytes are pieces, numbered from 1
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT length(body) FROM signed_record") == 0)
            let pieces = try Row.fetchAll(
                db, sql: "SELECT piece, length(bytes) FROM signed_record_piece ORDER BY piece")
            #expect(pieces.map { $0[0] as Int } == Array(1...35))
            #expect(pieces.map { $0[1] as Int }.reduce(0, +) == whole.count)
            #expect(pieces.allSatisfy { ($0[1] as Int) <= SQLiteTransaction.recordPieceSize })
        }
        // And it reads back whole: alone, listed, in pieces, spooled, and by size
        let spool = root.file("spool")
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let read = try store.read { (tx) throws(LetheError) in
            var pieced: [UInt8] = []
            let found = try tx.forEachRecordBodyPiece(serial: "R-1") { (piece) throws(LetheError) in
                pieced.append(contentsOf: piece)
            }
            return (
                one: try tx.record(serial: "R-1")?.body, listed: try tx.records(kind: "report", jobID: nil, limit: 1),
                found: found, pieced: pieced, size: try tx.recordSize(serial: "R-1"),
                spooled: try tx.record(serial: "R-1", spoolingBodyOver: 1 << 20, in: spool)
            )
        }
        #expect(read.one == whole)
        #expect(read.listed.map(\.body) == [whole])
        #expect(read.found && read.pieced == whole)
        #expect(read.size == whole.count)
        let spooled = try #require(read.spooled?.splicedBody)
        #expect(try spooled.load() == whole)
    }

    /// A store holding one spliced record, R-1, and a queue of its own on the same file.
    static func storeWithOneRecord(in root: TemporaryDirectory) throws -> (SQLiteStore, DatabaseQueue) {
        let path = root.file("db.sqlite")
        let store = try SQLiteStore(path: path)
        try issueSplicedRecord("R-1", try Self.splicedBody(in: root).0, in: store)
        return (store, try DatabaseQueue(path: path))
    }

    @Test func anIssuedRecordCannotGainLoseOrChangeAPiece() throws {
        let root = TemporaryDirectory()
        let (_, queue) = try Self.storeWithOneRecord(in: root)
        // A piece added after it, changed or deleted is refused
        for sql in [
            "INSERT INTO signed_record_piece (serial, piece, bytes) VALUES ('R-1', 36, X'00')",
            "UPDATE signed_record_piece SET bytes = X'00' WHERE piece = 2",
            "DELETE FROM signed_record_piece WHERE piece = 35",
        ] {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.write { db in try db.execute(sql: sql) } }
        }
        // And a piece of no record is refused when its transaction commits
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO signed_record_piece (serial, piece, bytes) VALUES ('R-9', 1, X'00')")
            }
        }
        let pieces = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM signed_record_piece") }
        #expect(pieces == 35)
    }

    @Test func aRecordWithAPieceMissingIsNotReadAsWhole() throws {
        let root = TemporaryDirectory()
        let (store, queue) = try Self.storeWithOneRecord(in: root)
        // Given a piece deleted behind Lethe's back (its trigger dropped)
        try queue.write { db in
            try db.execute(
                sql: """
                    DROP TRIGGER signed_record_piece_is_append_only_delete;
                    DELETE FROM signed_record_piece WHERE piece = 3;
                    """)
        }
        // Then reading it fails, naming the piece missing
        #expect {
            try store.read { (tx) throws(LetheError) in _ = try tx.record(serial: "R-1") }
        } throws: { ($0 as? LetheError)?.message.contains("piece 3 is missing") == true }
    }
}
