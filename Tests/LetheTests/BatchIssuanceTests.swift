import Foundation
import LetheCore
import LetheEvidence
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

@Suite struct BatchIssuanceTests {
    /// Given seven verified jobs, when they are issued in chunks of two (four chunks through the
    /// pipeline), then every record is in job order, names its own event's log index, carries
    /// exactly the fields the one-job path reads (set-based reads change nothing) and verifies.
    @Test func chunksOfTheBatchGiveTheSameRecordsAsTheOneJobPath() async throws {
        let fixture = try EvidenceFixture()
        let jobs = try (1...7).map { number in try fixture.shreddedJob("SSD-\(number)") }
        let issued = try await fixture.evidence.issuePendingDisposalRecords(
            details: DisposalRecordDetails(notes: "batch"), by: .evidenceOperator("compliance"), chunkSize: 2)
        #expect(issued.map(\.job) == jobs.map(\.id))
        #expect(issued.map(\.serial) == (1...7).map { "ADS-2026-00000\($0)" })
        let settings = fixture.app.settings
        for (summary, job) in zip(issued, jobs) {
            let record = try await fixture.stored(summary.serial)
            let body = try CanonicalJSON.decode(record.body)
            #expect(body["log_index"]?.integerValue == record.eventSeq - 1)
            #expect(body["serial"]?.stringValue == record.serial)
            // The same fields as the one-job path reads, one lookup at a time.
            let draft = try await fixture.app.store.read { (tx) throws(LetheError) in
                try LetheApp.disposalRecordDraft(
                    job: job, details: DisposalRecordDetails(notes: "batch"), organization: "Acme Data Services",
                    settings: settings, in: tx)
            }
            for (key, value) in draft.fields { #expect(body[key] == value, "\(key) of \(record.serial)") }
            #expect(body["evidence"]?.arrayValue?.count == 2)
        }
        #expect(try await fixture.evidence.verifyLog(by: .evidenceOperator("auditor")).passed)
        let verification = try await fixture.exportAndVerify("ADS-2026-000006")
        #expect(verification.passed, "\(verification.checks.filter { !$0.passed })")
    }

    /// Given a failure while the database thread writes the third chunk, then nothing of the batch
    /// is kept (no record, no event, no checkpoint), and the next batch takes the first serial.
    @Test func aFailureInALaterChunkLeavesNothing() async throws {
        let fixture = try EvidenceFixture()
        for number in 1...6 { _ = try fixture.shreddedJob("SSD-\(number)") }
        try fixture.installation.rawSQL(
            """
            CREATE TRIGGER crash BEFORE INSERT ON signed_record WHEN NEW.serial = 'ADS-2026-000005'
            BEGIN SELECT RAISE(ABORT, 'disk full'); END
            """)
        let before = try fixture.counts()
        let compliance = Principal.evidenceOperator("compliance")
        await #expect(throws: LetheError.self) {
            try await fixture.evidence.issuePendingDisposalRecords(
                details: DisposalRecordDetails(), by: compliance, chunkSize: 2)
        }
        #expect(try fixture.counts() == before)
        try fixture.installation.rawSQL("DROP TRIGGER crash")
        let issued = try await fixture.evidence.issuePendingDisposalRecords(
            details: DisposalRecordDetails(), by: compliance, chunkSize: 2)
        #expect(issued.map(\.serial) == (1...6).map { "ADS-2026-00000\($0)" })
        #expect(try await fixture.evidence.verifyLog(by: compliance).passed)
    }

    /// Given a verified job whose job.verified event is missing, the error raised on a signing
    /// thread fails the whole batch, and nothing is kept.
    @Test func aFailureOnASigningThreadLeavesNothing() async throws {
        let fixture = try EvidenceFixture()
        for number in 1...4 { _ = try fixture.shreddedJob("SSD-\(number)") }
        let unverified = try fixture.shreddedJob("SSD-5", verify: false)
        try fixture.installation.rawSQL(
            """
            UPDATE job SET state = 'verified', verified_by = 'inspector', verified_at = '2026-11-22T11:00:00Z'
            WHERE id = \(unverified.id)
            """)
        let before = try fixture.counts()
        let error = await #expect(throws: LetheError.self) {
            try await fixture.evidence.issuePendingDisposalRecords(
                details: DisposalRecordDetails(), by: .evidenceOperator("compliance"), chunkSize: 2)
        }
        #expect(error?.message.contains("job.verified event is missing") == true, "\(String(describing: error))")
        #expect(try fixture.counts() == before)
    }
}
