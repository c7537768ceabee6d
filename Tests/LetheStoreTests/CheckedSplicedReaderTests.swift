import Crypto
import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct CheckedSplicedReaderTests {
    /// A head, an unnamed file of `fileCount` bytes and a tail, and the whole they make.
    private func spliced(fileCount: Int, in root: TemporaryDirectory) throws -> (SplicedBytes, [UInt8]) {
        let middle = (0..<fileCount).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let file = try SplicedBytes(spooling: middle, in: root.path).file
        let head = Array(#"{"content":"#.utf8)
        let tail = Array(#","kind":"report"}"#.utf8)
        return (SplicedBytes(head: head, file: file, tail: tail), head + middle + tail)
    }

    @Test func rangesReadAfterThePassAreTheWholesBytesWhereverTheyFall() throws {
        // Given a record of three blocks and a bit, checked against its digest
        let root = TemporaryDirectory()
        let (bytes, whole) = try spliced(fileCount: 3 * CheckedSplicedReader.blockSize + 5, in: root)
        let reader = CheckedSplicedReader(bytes.checking(sha256: Array(SHA256.hash(data: whole))))

        // When it is read by range before the pass in order, it refuses
        #expect(throws: LetheError.self) { _ = try reader.bytes(in: 0..<4) }

        // And the pass hands every byte in order
        var passed: [UInt8] = []
        try reader.forEachPiece { passed += $0 }
        #expect(passed == whole)

        // Then any range reads as the whole's: in the head, across it and the file, across a
        // block's end, across the file and the tail, in the tail, and all of it
        let block = CheckedSplicedReader.blockSize
        for range in [
            0..<4, 5..<40, (block - 3)..<(block + 3), (whole.count - 30)..<whole.count,
            (whole.count - 3)..<whole.count, 0..<whole.count, 7..<7, 0..<block, block..<(block + 1),
            (3 * block - 2)..<(3 * block + 2), (block - 1)..<block,
        ] {
            #expect(try reader.bytes(in: range) == Array(whole[range]), "\(range)")
        }
    }

    @Test func aFileChangedAfterThePassIsRefusedWhereItChanged() throws {
        // Given a record read in order once
        let root = TemporaryDirectory()
        let (bytes, whole) = try spliced(fileCount: 3 * CheckedSplicedReader.blockSize, in: root)
        let reader = CheckedSplicedReader(bytes.checking(sha256: Array(SHA256.hash(data: whole))))
        try reader.forEachPiece { _ in }

        // When a byte of its file changes in the second block
        let block = CheckedSplicedReader.blockSize
        var changed: UInt8 = whole[block + 10] ^ 0xFF
        #expect(pwrite(bytes.file.descriptor, &changed, 1, off_t(block + 10 - bytes.head.count)) == 1)

        // Then a range in that block is refused, and one in another block still reads
        #expect(throws: LetheError.self) { _ = try reader.bytes(in: (block + 5)..<(block + 20)) }
        #expect(throws: LetheError.self) { _ = try reader.bytes(in: (block - 5)..<(block + 1)) }
        #expect(try reader.bytes(in: 100..<200) == Array(whole[100..<200]))
    }

    @Test func bytesThatChangedAreReportedAsChangedBeforeTheyAreReportedAsNotJSON() throws {
        // Given bytes that are not JSON (the file's bytes are binary)
        let root = TemporaryDirectory()
        let (bytes, whole) = try spliced(fileCount: 3000, in: root)
        var wrong = Array(SHA256.hash(data: whole))

        // When they are read as JSON with their digest, the JSON is refused
        #expect {
            _ = try StreamedJSON(CheckedSplicedReader(bytes.checking(sha256: wrong))) { $0 == ["content"] }
        } throws: { ($0 as? LetheError)?.message.contains("not valid JSON") == true }

        // And with another digest (they changed), that is what is said
        wrong[0] ^= 1
        #expect {
            _ = try StreamedJSON(CheckedSplicedReader(bytes.checking(sha256: wrong))) { $0 == ["content"] }
        } throws: { ($0 as? LetheError)?.message.contains("spool file changed") == true }
    }

    @Test func aRecordThatIsNotStoredHasNoPieces() throws {
        let root = TemporaryDirectory()
        let store = try SQLiteStore(path: root.file("db.sqlite"))
        var pieces = 0
        let found = try store.read { (tx) throws(LetheError) in
            try tx.forEachRecordBodyPiece(serial: "R-404") { _ in pieces += 1 }
        }
        #expect(!found && pieces == 0)
    }

    @Test func aPassOverBytesWithoutTheirDigestThrows() throws {
        let root = TemporaryDirectory()
        let (bytes, whole) = try spliced(fileCount: 1000, in: root)
        var wrong = Array(SHA256.hash(data: whole))
        wrong[0] ^= 1
        let reader = CheckedSplicedReader(bytes.checking(sha256: wrong))
        #expect(throws: LetheError.self) { try reader.forEachPiece { _ in } }
        #expect(throws: LetheError.self) { _ = try reader.bytes(in: 0..<4) }
    }

    @Test func aLargeStoredRecordIsReadIntoAnUnnamedFileAndASmallOneIntoMemory() throws {
        // Given a stored record of 200,000 bytes
        let root = TemporaryDirectory()
        let store = try SQLiteStore(path: root.file("db.sqlite"))
        let body =
            Array(#"{"content":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 200_000)
            + Array(#""}"#.utf8)
        let time = try RFC3339.parse("2026-12-07T10:00:00Z")
        try store.write { (tx) throws(LetheError) in
            let event = try tx.append(
                EventDraft(type: "record.issued", assetTag: nil, payload: ["serial": "R-1"]), actor: "it", at: time)
            try tx.insert(
                StoredRecord(
                    serial: "R-1", kind: "report", jobID: nil, assetTag: nil, issuedAt: time, body: body,
                    signature: [0x30], eventSeq: event.seq))
        }
        let directory = root.file("spool")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        // When it is read with a threshold below its size, and with one above
        let (spooled, held) = try store.read { (tx) throws(LetheError) in
            (
                try tx.record(serial: "R-1", spoolingBodyOver: 100_000, in: directory),
                try tx.record(serial: "R-1", spoolingBodyOver: 300_000, in: directory)
            )
        }

        // Then the first is in a file without a name (nothing listed in the directory), with the
        // body's bytes and digest; the second in memory
        let spliced = try #require(spooled?.splicedBody)
        #expect(spooled?.body == [] && spooled?.signature == [0x30] && spooled?.serial == "R-1")
        #expect(try spliced.load() == body)
        #expect(spliced.sha256 == Array(SHA256.hash(data: body)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        #expect(held?.splicedBody == nil && held?.body == body)
    }
}
