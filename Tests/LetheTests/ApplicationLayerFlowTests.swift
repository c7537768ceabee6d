import Foundation
import LetheCore
import LetheEvidence
import LetheTestSupport
import Testing

@testable import Lethe

/// Issue 14's proof: the disposal flow runs through the application layer alone, as any front end
/// drives it — each step by a principal holding only the role it needs, typed results, bytes
/// instead of paths — and ends in a bundle that verifies. (The erasure flow: `ErasureFlowTests`.)
@Suite struct ApplicationLayerFlowTests {
    static func person(_ name: String, _ role: Role) throws -> Principal {
        try Principal(name: name, roles: [role], authentication: .apiToken)
    }

    @Test func aLaptopGoesFromRegistrationToAVerifiedSignedRecordThroughTheServicesAlone() async throws {
        let installation = try TestInstallation()
        var app = installation.app
        app.settings[Settings.organization] = "Acme Data Services"
        let policies = try LetheApp.loadPolicies(.embeddedDefault)
        let ivy = try Self.person("ivy", .itStaff)
        let dora = try Self.person("dora", .compliance)
        let tom = try Self.person("tom", .technician)
        let vera = try Self.person("vera", .verifier)
        let ann = try Self.person("ann", .auditor)

        // IT staff register and retire the laptop
        let registered = try await app.assets.register(
            AssetFields(tag: "LAP-1", serial: "5CD1234", mediaType: "laptop", classification: "moderate"), by: ivy)
        #expect(registered.asset.state == .inService)
        let retired = try await app.assets.retire("LAP-1", reason: "end of life", by: ivy)
        #expect(retired.assets.map(\.state) == [.retired])

        // Compliance schedules it under the embedded default policy
        let run = try await app.jobs.schedule(policies: policies, by: dora)
        let job = try #require(run.jobs.created.first)
        #expect(job.assetTag == "LAP-1" && job.plan.method == .purge)

        // A technician records the vendor's work, with the certificate's bytes (no path)
        let certificate = EvidenceContent(name: "vendor.pdf", bytes: Data("Certificate of sanitization LAP-1".utf8))
        let executed = try await app.jobs.record(
            job.id,
            JobWorkRecord(technique: .cryptoErase, tool: "Vendor wipe", toolVersion: "2.1", evidence: [certificate]),
            by: tom)
        #expect(executed.state == .executed && executed.executedBy == "tom")

        // The technician may not verify their own work; a verifier attests and issues the record
        do {
            _ = try await app.jobs.attest(job.id, Attestation(evidence: [certificate]), policies: policies, by: tom)
            Issue.record("the technician attested their own work")
        } catch {
            #expect(error.code == .forbidden)
        }
        _ = try await app.jobs.attest(job.id, Attestation(evidence: [certificate]), policies: policies, by: vera)
        let record = try await app.evidence.issueDisposalRecord(job: job.id, by: vera)
        #expect(record.job == job.id && record.asset == "LAP-1")

        // An auditor downloads the bundle's bytes, and they verify offline
        let bundle = try await app.evidence.bundle(serial: record.serial, by: ann)
        let verification = try await EvidenceService.verifyBundle(bundle.bundle)
        #expect(verification.passed, "\(verification)")
        // And every event names the principal who caused it
        let actors = try await app.assets.history("LAP-1", by: ann).events.map(\.actor)
        #expect(Set(actors).isSuperset(of: ["ivy", "dora", "tom", "vera"]))
        // The auditor could do none of the writes
        await #expect(throws: LetheError.self) { try await app.assets.retire("LAP-1", by: ann) }
        await #expect(throws: LetheError.self) { try await app.evidence.issueDisposalRecord(job: job.id, by: ann) }
    }
}
