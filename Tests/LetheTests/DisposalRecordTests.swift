import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheStore
import LetheTestSupport
import Testing

@Suite struct DisposalRecordTests {
    @Test func aVerifiedJobGetsASignedLoggedRecord() async throws {
        // Given a shredded SSD whose destruction was attested
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        #expect(job.state == .verified)
        // When its record is issued
        let summary = try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        // Then it has the next serial, names the log index of its own issuance event, and is checkpointed
        #expect(summary.serial == "ADS-2026-000001")
        #expect(summary.status == .valid && summary.job == job.id && summary.asset == "SSD-1")
        let record = try await fixture.stored(summary.serial)
        #expect(summary.logIndex == record.eventSeq - 1)
        let body = try CanonicalJSON.decode(record.body)
        #expect(body["log_index"]?.integerValue == record.eventSeq - 1)
        #expect(body["media"]?["property_number"] == "SSD-1")
        #expect(body["media"]?["serial_number"] == "S3Z9NB0K")
        #expect(body["sanitization"]?["method_type"] == "Destroy")
        #expect(body["sanitization"]?["method_used"] == "Destruct")
        #expect(body["sanitization"]?["tool"] == "ShredCo HD-400")
        #expect(body["person_performing"]?["name"] == "tech")
        #expect(body["validation"]?["name"] == "inspector")
        #expect(body["person_performing"]?["location"] == "Dock 4, Leeds")
        #expect(body["evidence"]?.arrayValue?.count == 2)
        #expect(try CanonicalJSON.encode(body) == record.body)
        let latest = try await fixture.app.store.read { (tx) throws(LetheError) in try tx.latestCheckpoint() }
        #expect(latest?.size == record.eventSeq)
        // And the exported bundle verifies
        let verification = try await fixture.exportAndVerify(record.serial)
        #expect(verification.checks.map(\.name) == ["record", "signature", "log entry", "checkpoint", "inclusion"])
        #expect(verification.passed, "\(verification.checks.filter { !$0.passed })")
        // A second record for the same job is refused
        await #expect(throws: LetheError.self) {
            try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        }
    }

    @Test func anUnverifiedJobIsRefusedAndNothingChanges() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob(verify: false)
        let before = try fixture.counts()
        let error = await #expect(throws: LetheError.self) {
            try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        }
        #expect(error?.code == .illegalTransition)
        #expect(error?.message.contains("only for a verified job") == true)
        #expect(try fixture.counts() == before)
    }

    /// A failure after the record was signed but before it was stored leaves neither a record,
    /// nor its event, nor a log entry, nor a checkpoint.
    @Test func aFailureBetweenSigningAndStoringLeavesNothing() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        try fixture.installation.rawSQL(
            "CREATE TRIGGER crash BEFORE INSERT ON signed_record BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        let before = try fixture.counts()
        let bodiesBefore = try await fixture.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
        await #expect(throws: LetheError.self) {
            try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        }
        #expect(try fixture.counts() == before)
        #expect(try await fixture.app.store.read { (tx) throws(LetheError) in try tx.eventCount() } == bodiesBefore)
        // And once the fault is gone, the record takes the first serial and the next log index
        try fixture.installation.rawSQL("DROP TRIGGER crash")
        let record = try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        #expect(record.serial == "ADS-2026-000001")
        #expect(record.logIndex == bodiesBefore)
        #expect(try await fixture.evidence.verifyLog(by: .evidenceOperator("auditor")).passed)
    }

    @Test func revocationIsAnEventAndAllowsANewRecord() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        let compliance = Principal.evidenceOperator("compliance")
        let record = try await fixture.evidence.issueDisposalRecord(job: job.id, by: compliance)
        let revocation = try await fixture.evidence.revoke(
            serial: record.serial, reason: "re-verification failed", by: .evidenceOperator("qa"))
        let last = try await fixture.app.store.read { (tx) throws(LetheError) in try tx.lastEvent() }
        #expect(last?.type == .recordRevoked)
        #expect(last?.actor == "qa")
        #expect(last?.seq == revocation.logIndex + 1)
        let details = try await fixture.evidence.record(serial: record.serial, by: compliance)
        #expect(details.summary.status == .revoked)
        #expect(details.summary.revocationReason == "re-verification failed")
        await #expect(throws: LetheError.self) {
            try await fixture.evidence.revoke(serial: record.serial, reason: "again", by: .evidenceOperator("qa"))
        }
        let second = try await fixture.evidence.issueDisposalRecord(job: job.id, by: compliance)
        #expect(second.serial == "ADS-2026-000002")
        #expect(
            try await fixture.evidence.list(by: compliance).map(\.serial) == ["ADS-2026-000002", "ADS-2026-000001"])
    }

    @Test func thePolicyCanAskForTheRecordOnVerification() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob(autoIssue: true)
        let records = try await fixture.evidence.list(job: job.id, by: .evidenceOperator("auditor"))
        #expect(records.map(\.serial) == ["ADS-2026-000001"])
        #expect(try fixture.policies(autoIssue: true).set.sanitization[0].issueRecord)
        // Without the key the policy version is what it was before the key existed.
        #expect(try fixture.policies(autoIssue: false).set.json["sanitization"]?.arrayValue?[0]["issue_record"] == nil)
    }

    @Test func withoutTheKeyNoRecordIsIssuedOnVerification() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        #expect(try await fixture.evidence.list(job: job.id, by: .evidenceOperator("auditor")).isEmpty)
    }

    @Test func aBatchIssuesEveryMissingRecordWithOneCheckpoint() async throws {
        let fixture = try EvidenceFixture()
        let first = try fixture.shreddedJob("SSD-1")
        _ = try fixture.shreddedJob("SSD-2")
        let compliance = Principal.evidenceOperator("compliance")
        try await fixture.evidence.issueDisposalRecord(job: first.id, by: compliance)
        let checkpointsBefore = try fixture.installation.count("log_checkpoint")
        let issued = try await fixture.evidence.issuePendingDisposalRecords(by: compliance)
        #expect(issued.map(\.serial) == ["ADS-2026-000002"])
        #expect(issued.first?.asset == "SSD-2")
        #expect(try fixture.installation.count("log_checkpoint") == checkpointsBefore + 1)
        #expect(try await fixture.evidence.issuePendingDisposalRecords(by: compliance).isEmpty)
        #expect(try await fixture.evidence.verifyLog(by: compliance).passed)
    }

    @Test func aLargerBatchIsSignedOnSeveralThreadsAndStaysInOrder() async throws {
        let fixture = try EvidenceFixture()
        let jobs = try (1...9).map { number in try fixture.shreddedJob("SSD-\(number)") }
        let compliance = Principal.evidenceOperator("compliance")
        let issued = try await fixture.evidence.issuePendingDisposalRecords(by: compliance)
        #expect(issued.map(\.serial) == (1...9).map { "ADS-2026-00000\($0)" })
        #expect(issued.map(\.job) == jobs.map(\.id))
        #expect(try await fixture.evidence.verifyLog(by: compliance).passed)
        let verification = try await fixture.exportAndVerify("ADS-2026-000007", into: "batch-bundle")
        #expect(verification.passed, "\(verification.checks.filter { !$0.passed })")
    }

    @Test func theHTMLPageEscapesWhatPeopleTyped() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        let record = try await fixture.evidence.issueDisposalRecord(
            job: job.id,
            details: DisposalRecordDetails(notes: "<script>alert(1)</script> & \"quotes\" \"\u{301}joined"),
            by: .evidenceOperator("compliance"))
        let bundle = try await fixture.evidence.bundle(serial: record.serial, by: .evidenceOperator("auditor"))
        let html = String(decoding: bundle.bundle.files[.html] ?? [], as: UTF8.self)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        // A quote a combining mark joins into one Character is escaped too (a browser reads it as a quote).
        #expect(html.contains("&quot;\u{301}joined"))
        #expect(Array(html.utf8).firstRange(of: Array("\"\u{301}".utf8)) == nil)
        #expect(!html.contains("<script>"))
        #expect(html.contains("Certificate of Sanitization"))
        #expect(html.contains(record.serial))
    }

    @Test func issuanceNeedsAnOrganisation() async throws {
        var fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        fixture.app.settings[Settings.organization] = nil
        let app = fixture.app
        let error = await #expect(throws: LetheError.self) {
            try await app.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("c"))
        }
        #expect(error?.message.contains("LETHE_ORGANIZATION") == true)
    }

    @Test func keysAreCreatedPrivate() throws {
        let fixture = try EvidenceFixture()
        _ = try fixture.app.issuerIdentity()
        for path in [fixture.installation.dataDirectory.logKeyPath, fixture.installation.dataDirectory.issuerKeyPath] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(path)")
        }
    }

    /// Issuing belongs to the verifier role, revoking to compliance; an auditor reads only. A
    /// refused principal changes nothing.
    @Test func onlyTheirRolesMayIssueAndRevoke() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        let before = try fixture.counts()
        for principal in [Principal.evidenceUser("audrey", .auditor), .evidenceUser("tom", .technician, .compliance)] {
            let error = await #expect(throws: LetheError.self) {
                try await fixture.evidence.issueDisposalRecord(job: job.id, by: principal)
            }
            #expect(error?.code == .forbidden)
            let batch = await #expect(throws: LetheError.self) {
                try await fixture.evidence.issuePendingDisposalRecords(by: principal)
            }
            #expect(batch?.code == .forbidden)
        }
        #expect(try fixture.counts() == before)
        let record = try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceUser("vera", .verifier))
        let issued = try fixture.counts()
        let last = try await fixture.app.store.read { (tx) throws(LetheError) in try tx.lastEvent() }
        #expect(last?.actor == "vera")
        for principal in [Principal.evidenceUser("vera", .verifier), .evidenceUser("audrey", .auditor)] {
            let error = await #expect(throws: LetheError.self) {
                try await fixture.evidence.revoke(serial: record.serial, reason: "wrong", by: principal)
            }
            #expect(error?.code == .forbidden)
        }
        #expect(try fixture.counts() == issued)
        // An auditor reads the record and its bundle
        let auditor = Principal.evidenceUser("audrey", .auditor)
        #expect(try await fixture.evidence.record(serial: record.serial, by: auditor).summary.status == .valid)
        #expect(try await fixture.evidence.list(by: auditor).count == 1)
        try await fixture.evidence.revoke(
            serial: record.serial, reason: "wrong", by: .evidenceUser("cora", .compliance))
    }
}
