import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// The erasure flow through the application layer alone, as any front end drives it: principals,
/// bytes instead of Lethe-side files, typed results. Only the customer's database is a path (the
/// medium Lethe erases in).
@Test func anErasureRunsFromRequestToSignedReportThroughTheServices() async throws {
    // Given an installation with an organisation, the CRM store and a processor,
    let fixture = try EvidenceFixture()
    let app = fixture.app
    let dpo = Principal.erasureTester("dpo", roles: [.compliance])
    let verifier = Principal.erasureTester("vera", roles: [.verifier])
    let auditor = Principal.erasureTester("audrey", roles: [.auditor])
    let crm = fixture.installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let applied = try await app.erasure.applyDataMap(yaml: crmMap(crm), fileName: "stores.yaml", by: dpo)
    #expect(applied.stores.map(\.change) == [.added, .added])
    let scanned = try await app.erasure.scanStore("crm", by: dpo)
    #expect(scanned.identitiesRead == 3)
    let imported = try await app.erasure.importHoldings(
        csv: .bytes(Data("identifier,store\nada@example.com,mailer\n".utf8)), fileName: "holdings.csv", by: dpo)
    #expect(imported.byStore == ["mailer": 1])

    // when the subject asks for erasure, the database part is run and the processor attests,
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: dpo)
    #expect(request.parts.map(\.action) == [.execute, .attest])
    let run = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: dpo)
    #expect(!run.failed && run.requestState == .open)
    let attested = try await app.erasure.attest(
        request.request.id, store: "mailer", notes: "mailer ticket 5521",
        evidence: AttestationEvidence(name: "/uploads/reply.eml", bytes: Data("deleted".utf8)), by: dpo)
    #expect(attested.part.outcome["evidence"]?["file"] == "reply.eml")

    // then the request is complete, its report says so and it was signed on completion;
    let details = try await app.erasure.details(request.request.id, by: auditor)
    #expect(details.request.state == .completed && details.parts.allSatisfy { $0.state == .done })
    let report = try await app.erasure.report(request.request.id, by: auditor)
    #expect(report.complete)
    #expect(try await app.erasure.recordSerials(request.request.id, by: auditor).count == 1)
    // a second signed record is refused while the first stands, and only a verifier may ask.
    await #expect(throws: LetheError.self) {
        _ = try await app.evidence.issueErasureRecord(request: request.request.id, by: dpo)
    }
    let refused = await #expect(throws: LetheError.self) {
        _ = try await app.evidence.issueErasureRecord(request: request.request.id, by: verifier)
    }
    #expect(refused?.code == .conflict)

    // The typed results encode the JSON the CLI prints.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = try JSONDecoder().decode(JSONValue.self, from: encoder.encode(run))
    #expect(json["parts"]?.arrayValue?.first?["state"] == "done")
    #expect(json["parts"]?.arrayValue?.first?["updated_at"]?.stringValue?.hasSuffix("Z") == true)
}
