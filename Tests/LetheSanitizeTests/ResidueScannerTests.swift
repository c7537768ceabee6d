import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheSanitize

@Suite struct ResidueScannerTests {
    let directory = TemporaryDirectory("lethe-residue")

    /// Every (offset, pattern) pair found by plain byte comparison.
    private func naive(_ haystack: [UInt8], _ patterns: [[UInt8]]) -> Set<[Int]> {
        var found: Set<[Int]> = []
        for (index, pattern) in patterns.enumerated() where pattern.count <= haystack.count {
            for start in 0...(haystack.count - pattern.count)
            where haystack[start..<(start + pattern.count)].elementsEqual(pattern) {
                found.insert([start, index])
            }
        }
        return found
    }

    @Test func findsTheSameMatchesAsAPlainSearchAcrossChunkBoundaries() throws {
        // Given random bytes over a small alphabet with many overlapping patterns
        var generator = SeededGenerator(seed: 20_261_205)
        let alphabet = Array("abcd@.".utf8)
        let haystack = (0..<50_000).map { _ in alphabet.randomElement(using: &generator)! }
        let patterns = (0..<60).map { _ in
            let length = Int.random(in: 2...7, using: &generator)
            return String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self)
        }
        let file = directory.file("random.bin")
        try Data(haystack).write(to: URL(fileURLWithPath: file))
        let scanner = try ResidueScanner(identifiers: patterns)

        // When scanned in 4 KiB chunks
        var found: Set<[Int]> = []
        let bytes = try scanner.scan(file: file, chunkSize: 4096) { found.insert([Int($0.offset), $0.patternIndex]) }

        // Then every match, including those straddling chunk boundaries, is found
        #expect(bytes == 50_000)
        #expect(found == naive(haystack, patterns.map { Array($0.utf8) }))
        #expect(!found.isEmpty)
    }

    @Test func singleBytePatternsDisableTheFilterButStillMatch() throws {
        let scanner = try ResidueScanner(identifiers: ["x", "xy"])
        #expect(scanner.countMatches(in: Array("axyx".utf8)) == 3)
    }

    @Test func findsUTF16FormsAndCaseVariantsAndReportsOffsetsAndIndexes() throws {
        var content = [UInt8](repeating: 0, count: 10_000)
        let utf16 = Array("bob@example.com".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        content.replaceSubrange(4090..<(4090 + utf16.count), with: utf16)
        let upper = Array("ALICE@EXAMPLE.COM".utf8)
        content.replaceSubrange(8000..<(8000 + upper.count), with: upper)
        let file = directory.file("mixed.bin")
        try Data(content).write(to: URL(fileURLWithPath: file))

        let scanner = try ResidueScanner(
            identifiers: ["alice@example.com", "bob@example.com"], encodings: [.utf8, .utf16LE, .utf16BE],
            asciiCaseInsensitive: true)
        let report = try scanner.scan(files: [file, directory.file("absent")], chunkSize: 4096)
        #expect(report.files.map(\.path) == [file])
        // UTF-16LE text after a zero byte is also UTF-16BE text shifted by one: both are reported.
        #expect(report.totalMatches == 3)
        #expect(report.matches.contains(ResidueMatch(file: file, offset: 4089, patternIndex: 1, encoding: .utf16BE)))
        #expect(report.matches.contains(ResidueMatch(file: file, offset: 4090, patternIndex: 1, encoding: .utf16LE)))
        #expect(report.matches.contains(ResidueMatch(file: file, offset: 8000, patternIndex: 0, encoding: .utf8)))
        #expect(!"\(report)".contains("example.com"))

        let strict = try ResidueScanner(identifiers: ["alice@example.com"])
        #expect(strict.countMatches(in: upper) == 0)
    }

    @Test func emptyIdentifiersAreRefused() {
        #expect(throws: LetheError.self) { try ResidueScanner(identifiers: []) }
        #expect(throws: LetheError.self) { try ResidueScanner(identifiers: ["a", ""]) }
    }

    @Test(arguments: ["delete", "wal", "persist"])
    func plainDeleteLeavesResidueTheExecutorLeavesNone(journalMode: String) throws {
        let scanner = try ResidueScanner(identifiers: [CRMFixture.storedSubject.trimmingCharacters(in: .whitespaces)])

        // Given a plain DELETE without secure_delete, its bytes remain in the file
        let plain = directory.file("plain-\(journalMode).sqlite")
        try CRMFixture.create(at: plain, journalMode: journalMode)
        try DatabaseQueue(path: plain).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA secure_delete = OFF")
            try db.inTransaction {
                try db.execute(sql: "DELETE FROM tickets WHERE customer_id = 7")
                try db.execute(sql: "DELETE FROM orders WHERE customer_id = 7")
                try db.execute(sql: "DELETE FROM customers WHERE id = 7")
                return .commit
            }
        }
        #expect(try !scanner.scanDatabase(at: plain).clean)

        // When the executor erases the subject from a fresh copy, with another connection kept open
        // (so the WAL, in WAL mode, is not removed at close)
        let erased = directory.file("erased-\(journalMode).sqlite")
        try CRMFixture.create(at: erased, journalMode: journalMode)
        let bystander = try DatabaseQueue(path: erased)
        _ = try bystander.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customers") }
        let executor = SQLiteErasureExecutor(hasher: CRMFixture.hasher)
        let result = try executor.erase(identifier: CRMFixture.subject, store: CRMFixture.store(erased))
        #expect(result.subjectRows == 1)

        // Then neither the main file, the -wal nor the -journal holds the identifier
        let report = try scanner.scanDatabase(at: erased)
        #expect(report.clean, "residue at \(report.matches.map { "\($0.file)@\($0.offset)" })")
        #expect(report.files.first?.path == erased)
        _ = bystander
    }

    @Test func theRawIdentifierIsNowhereInTheTestsOutputsButTheBackup() throws {
        // Given an erasure, a restore and a re-application, with every output written to the directory
        let path = directory.file("crm.sqlite")
        try CRMFixture.create(at: path)
        try FileManager.default.copyItem(atPath: path, toPath: directory.file("backup.sqlite"))
        let executor = SQLiteErasureExecutor(hasher: CRMFixture.hasher)
        let store = CRMFixture.store(path)
        let result = try executor.erase(identifier: CRMFixture.subject, store: store)
        let subject = CRMFixture.hasher.hash(CRMFixture.subject, normalization: .lowercaseTrim)
        let holdings: Set<SubjectHash> = try executor.scanIdentities(store: store)
        let verification = try executor.verify(subjects: [subject], store: store)
        let log = "\(result)\n\(holdings.sorted())\n\(verification)\n\(subject)\n"
        try Data(log.utf8).write(to: URL(fileURLWithPath: directory.file("outputs.txt")))

        // When every file in the directory is searched for the identifier in any case and encoding
        let scanner = try ResidueScanner(
            identifiers: [CRMFixture.subject], encodings: ResidueEncoding.allCases, asciiCaseInsensitive: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map(directory.file)
        let report = try scanner.scan(files: files)

        // Then it is found only in the pre-erasure backup
        #expect(report.files.count >= 3)
        #expect(Set(report.matches.map(\.file)) == [directory.file("backup.sqlite")])
    }
}
