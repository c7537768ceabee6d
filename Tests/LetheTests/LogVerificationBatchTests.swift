import Foundation
import Lethe
import LetheCore
import LetheTestSupport
import Testing

/// `verifyLog` reads on one thread and hashes on another, in batches: a tampered row is named the
/// same wherever it falls in its batch. 20 entries in batches of 8 are batches 0 ..< 8, 8 ..< 16
/// and the partial 16 ..< 20; in each batch the reading thread hashes the first leaves and the
/// hashing thread the others.
@Suite struct LogVerificationBatchTests {
    static let batch = 8

    /// A log of 20 events with a checkpoint, verified intact, then changed by `sql` with the
    /// append-only triggers dropped; returns the report of every batch size.
    private static func tampered(_ sql: String) async throws -> [LogVerificationReport] {
        let fixture = try EvidenceFixture()
        for number in 1...20 {
            try fixture.app.registerAsset(
                AssetFields(tag: "HDD-\(number)", mediaType: "hdd", classification: "low"), actor: "it")
        }
        let auditor = Principal.evidenceUser("audrey", .auditor)
        try await fixture.evidence.checkpoint(by: auditor)
        for size in [1, 3, batch, 4096] {
            #expect(try await fixture.evidence.verifyLog(entriesPerBatch: size, by: auditor).passed)
        }
        try fixture.installation.rawSQL(
            """
            DROP TRIGGER event_is_append_only_update; DROP TRIGGER event_is_append_only_delete;
            DROP TRIGGER log_node_is_append_only_update;
            """ + sql)
        var reports: [LogVerificationReport] = []
        for size in [1, 3, batch, 4096] {
            reports.append(try await fixture.evidence.verifyLog(entriesPerBatch: size, by: auditor))
        }
        return reports
    }

    private static func edit(_ seq: Int) -> String {
        "UPDATE event SET body = CAST(replace(CAST(body AS TEXT), 'HDD-', 'HDD-X') AS BLOB) WHERE seq = \(seq)"
    }

    /// An edit in the middle of a batch (hashed by either thread), at both sides of a batch
    /// boundary, and in the last partial batch.
    @Test(arguments: [2, 6, 7, 8, 9, 17, 19])
    func anEditedEntryIsNamedWhereverItIs(index: Int) async throws {
        for report in try await Self.tampered(Self.edit(index + 1)) {
            #expect(report.firstBadEntry == Int64(index))
            #expect(
                report.problem
                    == "entry \(index) (event \(index + 1)) was changed: its bytes no longer match the leaf hash written with it"
            )
        }
    }

    /// Two edits: the first one is named.
    @Test func theFirstOfTwoEditsIsNamed() async throws {
        for report in try await Self.tampered(Self.edit(10) + "; " + Self.edit(4)) {
            #expect(report.firstBadEntry == 3)
        }
    }

    @Test(arguments: [7, 8, 16, 19])
    func aDeletedEntryIsNamedWhereverItIs(index: Int) async throws {
        for report in try await Self.tampered("DELETE FROM event WHERE seq = \(index + 1)") {
            #expect(report.firstBadEntry == Int64(index))
            #expect(
                report.problem?.contains("entry \(index) (event \(index + 1)) is missing") == true
                    || (index == 19 && report.problem?.contains("entries 19 ..< 20 were deleted") == true))
        }
    }

    /// Two rows swapped across a batch boundary, their leaf hashes with them.
    @Test func rowsSwappedAcrossABatchBoundaryAreNamed() async throws {
        let reports = try await Self.tampered(
            """
            UPDATE event SET seq = 1000 WHERE seq = 8; UPDATE event SET seq = 8 WHERE seq = 9;
            UPDATE event SET seq = 9 WHERE seq = 1000;
            """)
        for report in reports {
            #expect(report.firstBadEntry == 7)
            #expect(
                report.problem == "entry 7 (event 8) holds the body of another event: rows were reordered or replaced")
        }
    }

    /// A stored subtree hash rewritten: named by the entries it covers, after every entry checked.
    @Test func aChangedSubtreeHashIsNamed() async throws {
        for report in try await Self.tampered("UPDATE log_node SET hash = zeroblob(32) WHERE level = 4 AND idx = 0") {
            #expect(report.firstBadEntry == 0)
            #expect(report.problem == "the stored subtree hash over entries 0 ..< 16 does not match those entries")
        }
    }

    /// The intact log gives the same report whatever the batch size.
    @Test func theReportDoesNotDependOnTheBatchSize() async throws {
        let fixture = try EvidenceFixture()
        let auditor = Principal.evidenceUser("audrey", .auditor)
        for number in 1...37 {
            try fixture.app.registerAsset(
                AssetFields(tag: "HDD-\(number)", mediaType: "hdd", classification: "low"), actor: "it")
            if number == 5 || number == 16 || number == 30 { try await fixture.evidence.checkpoint(by: auditor) }
        }
        var reports: [LogVerificationReport] = []
        for size in [1, 2, 5, 16, 4096] {
            reports.append(try await fixture.evidence.verifyLog(entriesPerBatch: size, by: auditor))
        }
        for report in reports {
            #expect(report.passed)
            #expect(report.entries == 37 && report.checkpoints == 3)
            #expect(report.root == reports[0].root && report.root.count == 32)
        }
    }
}
