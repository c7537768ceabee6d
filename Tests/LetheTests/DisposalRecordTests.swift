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
        let record = try fixture.app.issueDisposalRecord(jobID: job.id, actor: "compliance")
        // Then it has the next serial, names the log index of its own issuance event, and is checkpointed
        #expect(record.serial == "ADS-2026-000001")
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
        let directory = fixture.installation.root.file("bundle")
        try fixture.app.exportBundle(serial: record.serial, to: directory)
        let checks = try await LetheApp.verifyBundle(directory: directory, trustFile: nil, logKeyFile: nil)
        #expect(checks.map(\.name) == ["record", "signature", "log entry", "checkpoint", "inclusion"])
        #expect(checks.allSatisfy { $0.passed }, "\(checks.filter { !$0.passed })")
        // A second record for the same job is refused
        #expect(throws: LetheError.self) { try fixture.app.issueDisposalRecord(jobID: job.id, actor: "compliance") }
    }

    @Test func anUnverifiedJobIsRefusedAndNothingChanges() throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob(verify: false)
        let before = try fixture.counts()
        let error = #expect(throws: LetheError.self) {
            try fixture.app.issueDisposalRecord(jobID: job.id, actor: "compliance")
        }
        #expect(error?.code == .illegalTransition)
        #expect(error?.message.contains("only for a verified job") == true)
        #expect(try fixture.counts() == before)
    }

    /// A failure after the record was signed but before it was stored leaves neither a record,
    /// nor its event, nor a log entry, nor a checkpoint.
    @Test func aFailureBetweenSigningAndStoringLeavesNothing() throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        try fixture.installation.rawSQL(
            "CREATE TRIGGER crash BEFORE INSERT ON signed_record BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        let before = try fixture.counts()
        let bodiesBefore = try fixture.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
        #expect(throws: LetheError.self) { try fixture.app.issueDisposalRecord(jobID: job.id, actor: "compliance") }
        #expect(try fixture.counts() == before)
        #expect(try fixture.app.store.read { (tx) throws(LetheError) in try tx.eventCount() } == bodiesBefore)
        // And once the fault is gone, the record takes the first serial and the next log index
        try fixture.installation.rawSQL("DROP TRIGGER crash")
        let record = try fixture.app.issueDisposalRecord(jobID: job.id, actor: "compliance")
        #expect(record.serial == "ADS-2026-000001")
        #expect(record.eventSeq == bodiesBefore + 1)
        #expect(try fixture.app.verifyLog().passed)
    }

    @Test func revocationIsAnEventAndAllowsANewRecord() throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        let record = try fixture.app.issueDisposalRecord(jobID: job.id, actor: "compliance")
        let revocation = try fixture.app.revokeRecord(
            serial: record.serial, reason: "re-verification failed", actor: "qa")
        let last = try fixture.app.store.read { (tx) throws(LetheError) in try tx.lastEvent() }
        #expect(last?.type == .recordRevoked)
        #expect(last?.seq == revocation.eventSeq)
        #expect(try fixture.app.recordDetails(serial: record.serial).revocation?.reason == "re-verification failed")
        #expect(throws: LetheError.self) {
            try fixture.app.revokeRecord(serial: record.serial, reason: "again", actor: "qa")
        }
        let second = try fixture.app.issueDisposalRecord(jobID: job.id, actor: "compliance")
        #expect(second.serial == "ADS-2026-000002")
        #expect(try fixture.app.listRecords().map(\.record.serial) == ["ADS-2026-000002", "ADS-2026-000001"])
    }

    @Test func thePolicyCanAskForTheRecordOnVerification() throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob(autoIssue: true)
        let records = try fixture.app.listRecords(jobID: job.id)
        #expect(records.map(\.record.serial) == ["ADS-2026-000001"])
        #expect(try fixture.policies(autoIssue: true).set.sanitization[0].issueRecord)
        // Without the key the policy version is what it was before the key existed.
        #expect(try fixture.policies(autoIssue: false).set.json["sanitization"]?.arrayValue?[0]["issue_record"] == nil)
    }

    @Test func withoutTheKeyNoRecordIsIssuedOnVerification() throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        #expect(try fixture.app.listRecords(jobID: job.id).isEmpty)
    }

    @Test func aBatchIssuesEveryMissingRecordWithOneCheckpoint() throws {
        let fixture = try EvidenceFixture()
        let first = try fixture.shreddedJob("SSD-1")
        _ = try fixture.shreddedJob("SSD-2")
        try fixture.app.issueDisposalRecord(jobID: first.id, actor: "compliance")
        let checkpointsBefore = try fixture.installation.count("log_checkpoint")
        let issued = try fixture.app.issuePendingDisposalRecords(actor: "compliance")
        #expect(issued.map(\.serial) == ["ADS-2026-000002"])
        #expect(issued.first?.assetTag == "SSD-2")
        #expect(try fixture.installation.count("log_checkpoint") == checkpointsBefore + 1)
        #expect(try fixture.app.issuePendingDisposalRecords(actor: "compliance").isEmpty)
        #expect(try fixture.app.verifyLog().passed)
    }

    @Test func aLargerBatchIsSignedOnSeveralThreadsAndStaysInOrder() async throws {
        let fixture = try EvidenceFixture()
        let jobs = try (1...9).map { number in try fixture.shreddedJob("SSD-\(number)") }
        let issued = try fixture.app.issuePendingDisposalRecords(actor: "compliance")
        #expect(issued.map(\.serial) == (1...9).map { "ADS-2026-00000\($0)" })
        #expect(issued.map(\.jobID) == jobs.map(\.id))
        #expect(try fixture.app.verifyLog().passed)
        let directory = fixture.installation.root.file("batch-bundle")
        try fixture.app.exportBundle(serial: "ADS-2026-000007", to: directory)
        let checks = try await LetheApp.verifyBundle(directory: directory, trustFile: nil, logKeyFile: nil)
        #expect(checks.allSatisfy { $0.passed }, "\(checks.filter { !$0.passed })")
    }

    @Test func theHTMLPageEscapesWhatPeopleTyped() throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        let record = try fixture.app.issueDisposalRecord(
            jobID: job.id, details: DisposalRecordDetails(notes: "<script>alert(1)</script> & \"quotes\""),
            actor: "compliance")
        let bundle = try fixture.app.evidenceBundle(serial: record.serial)
        let html = String(decoding: bundle.files[.html] ?? [], as: UTF8.self)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("Certificate of Sanitization"))
        #expect(html.contains(record.serial))
    }

    @Test func issuanceNeedsAnOrganisation() throws {
        var fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        fixture.app.settings[Settings.organization] = nil
        let error = #expect(throws: LetheError.self) { try fixture.app.issueDisposalRecord(jobID: job.id, actor: "c") }
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
}
