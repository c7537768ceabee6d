import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheStore
import LetheTestSupport
import Testing

/// The customer's erasure report, issued as a signed record when every part is done.
@Suite struct ErasureRecordTests {
    /// An installation with an organisation, the CRM store scanned and the mailer holding Ada.
    private func fixture() async throws -> (EvidenceFixture, Int64) {
        let fixture = try EvidenceFixture()
        let app = fixture.app
        let crm = fixture.installation.root.file("crm.sqlite")
        try makeCRM(at: crm)
        _ = try await app.erasure.applyDataMap(
            file: fixture.installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo")
        ).stores
        _ = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
        _ = try await app.erasure.importHoldings(
            file: fixture.installation.root.write("holdings.csv", "identifier,store\nada@example.com,mailer\n"),
            by: .dataOfficer("dpo"))
        let request = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
        return (fixture, request.request.id)
    }

    @Test func aCompletedRequestGetsASignedRecordThatVerifiesOffline() async throws {
        // Given a request whose database part ran and whose processor attested
        let (fixture, id) = try await fixture()
        let app = fixture.app
        _ = try await app.erasure.run(id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts
        #expect(
            try await app.erasure.recordSerials(id, by: .dataOfficer("reader")).isEmpty,
            "an incomplete request must not be signed")
        // When the last part is done
        _ = try await app.erasure.attest(
            id, store: "mailer", notes: "mailer ticket 5521", evidence: nil, by: .dataOfficer("dpo")
        ).part
        // Then the report is issued as a signed erasure record on completion
        let serials = try await app.erasure.recordSerials(id, by: .dataOfficer("reader"))
        #expect(serials == ["ADS-2026-000001"])
        let serial = serials[0]
        let stored = try await app.store.read { (tx) throws(LetheError) in try tx.record(serial: serial) }
        let record = try #require(stored)
        #expect(record.kind == "erasure")
        let body = try CanonicalJSON.decode(record.body)
        #expect(body["record_type"] == "erasure")
        #expect(body["request"]?.integerValue == id)
        #expect(body["state"] == "completed")
        #expect(body["parts"]?.arrayValue?.count == 2)
        #expect(body["log_index"]?.integerValue == record.eventSeq - 1)
        #expect(body["report_type"] == nil && body["format"] == "lethe.record/1")
        // and it carries no raw identifier, only the keyed hash
        #expect(!String(decoding: record.body, as: UTF8.self).lowercased().contains("ada@example.com"))
        // And its exported bundle verifies, as a disposal record's does
        let directory = fixture.installation.root.file("bundle")
        try await app.evidence.bundle(serial: record.serial, by: .evidenceOperator("dpo")).bundle.write(
            directory: directory)
        let verification = try await EvidenceService.verifyBundle(EvidenceBundle.read(directory: directory))
        #expect(verification.passed, "\(verification.checks.filter { !$0.passed })")
        #expect(
            try String(contentsOfFile: directory + "/record.html", encoding: .utf8).contains("Erasure record"))
        // A second record is refused while the first stands, allowed after it is revoked
        await #expect(throws: LetheError.self) {
            try await app.evidence.issueErasureRecord(request: id, by: .dataOfficer("dpo"))
        }
        try await app.evidence.revoke(
            serial: record.serial, reason: "issued with the wrong SLA", by: .evidenceOperator("dpo"))
        let second = try await app.evidence.issueErasureRecord(request: id, by: .dataOfficer("dpo"))
        #expect(try await app.erasure.recordSerials(id, by: .dataOfficer("reader")) == [second.serial, record.serial])
    }

    @Test func anIncompleteRequestIsRefusedAndNothingChanges() async throws {
        let (fixture, id) = try await fixture()
        let before = try fixture.counts()
        do {
            _ = try await fixture.app.evidence.issueErasureRecord(request: id, by: .dataOfficer("dpo"))
            Issue.record("an open request was signed")
        } catch {
            #expect(error.code == .illegalTransition, "\(error)")
            #expect(error.message.contains("request \(id)"))
        }
        #expect(try fixture.counts() == before)
        await #expect(throws: LetheError.self) {
            try await fixture.app.evidence.issueErasureRecord(request: 999, by: .dataOfficer("dpo"))
        }
    }

    @Test func aRequestWithNothingToEraseIsSignedAtOnce() async throws {
        let fixture = try EvidenceFixture()
        let details = try await fixture.app.erasure.request(
            identifier: "nobody@example.com", reason: .other, policies: testPolicies, by: .dataOfficer("dpo"))
        #expect(details.request.state == .completed)
        let serials = try await fixture.app.erasure.recordSerials(details.request.id, by: .dataOfficer("reader"))
        #expect(serials.count == 1)
        let record = try #require(
            try await fixture.app.store.read { (tx) throws(LetheError) in try tx.record(serial: serials[0]) })
        #expect(try CanonicalJSON.decode(record.body)["parts"] == .array([]))
    }

    @Test func withoutAnOrganisationCompletionStandsAndTheRecordCanBeIssuedLater() async throws {
        // Given an installation with no organisation configured
        let installation = try TestInstallation()
        let details = try await installation.app.erasure.request(
            identifier: "nobody@example.com", reason: .other, policies: testPolicies, by: .dataOfficer("dpo"))
        // Then the request is completed but unsigned
        #expect(details.request.state == .completed)
        #expect(
            try await installation.app.erasure.recordSerials(details.request.id, by: .dataOfficer("reader")).isEmpty)
        // And once the organisation is set, it is issued by hand
        var app = installation.app
        app.settings[Settings.organization] = "Acme Data Services"
        let record = try await app.evidence.issueErasureRecord(request: details.request.id, by: .dataOfficer("dpo"))
        #expect(record.kind == "erasure")
    }
}
