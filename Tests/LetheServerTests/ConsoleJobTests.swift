import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheServer

/// The console's job page: recording work with its evidence, attesting under separation of
/// duties, cancelling with a reason, and the verification report.
@Suite struct ConsoleJobTests {
    let server: TestServer
    static let password = ConsoleTests.password

    init() async throws {
        server = try await TestServer()
        try await server.prepareConsoleUsers(
            adding: ["tv": [.technician, .verifier], "manager": [.compliance]],
            passwords: ["tv", "verifier", "auditor", "compliance", "technician"])
    }

    func application() -> some ApplicationProtocol { server.consoleApplication() }

    /// A retired drive with an approved, scheduled job (its rule separates duties); the job's number.
    func approvedJob(_ tag: String) async throws -> Int64 {
        let local = try Principal.localOperator("operator")
        _ = try await server.app.assets.register(
            AssetFields(tag: tag, mediaType: "hdd", classification: "high", state: "retired"), by: local)
        let requester = try Principal(name: "compliance", roles: [.compliance], authentication: .consoleSession)
        _ = try await server.app.jobs.schedule(policies: try ServerPolicies(app: server.app).load(), by: requester)
        let job = try #require(
            try await server.app.jobs.list(JobFilter(assetTag: tag), by: local).jobs.first?.job)
        if job.plan.secondPerson {
            let manager = try Principal(name: "manager", roles: [.compliance], authentication: .consoleSession)
            try await server.app.jobs.approve(job.id, by: manager)
        }
        return job.id
    }

    @Test func aTechnicianRecordsWithEvidenceCannotAttestTheirOwnWorkAndAVerifierAttests() async throws {
        let id = try await approvedJob("HDD-21")
        let local = try Principal.localOperator("operator")
        try await application().test(.router) { client in
            // Given a technician who is also a verifier opens the job
            let tv = ConsoleBrowser(client: client)
            #expect(try await tv.signIn("tv", Self.password).status == .seeOther)
            let page = try await tv.get("/console/jobs/\(id)")
            #expect(page.status == .ok)
            #expect(page.body.contains(#"id="record-form""#))
            #expect(!page.body.contains(#"id="attest-form""#))
            // When a record is posted without the session's CSRF token, nothing changes
            let forged = try await tv.uploadForm(
                "/console/jobs/\(id)/record", fields: ["technique": "shred", "tool": "Acme", "tool_version": "1"],
                files: [:], csrf: "wrong")
            #expect(forged.status == .forbidden)
            #expect(try await server.app.jobs.show(id, by: local).job.state == .scheduled)
            // When they record the work with the vendor's certificate as evidence
            let recorded = try await tv.uploadForm(
                "/console/jobs/\(id)/record",
                fields: ["technique": "shred", "tool": "Acme Shredding", "tool_version": "form 7"],
                files: ["evidence": ("certificate.pdf", "certificate of destruction")])
            #expect(recorded.status == .seeOther, "\(recorded.body)")
            // Then the job is executed with the evidence's digest, shown on its page
            let executed = try await server.app.jobs.show(id, by: local)
            #expect(executed.job.state == .executed)
            #expect(executed.evidence.map(\.fileName) == ["certificate.pdf"])
            let after = try await tv.get("/console/jobs/\(id)").body
            #expect(after.contains(executed.evidence[0].sha256))
            // And the same person is told in words that they cannot attest, and offered no form
            #expect(after.contains("executed job \(id) and cannot also verify it (separation of duties)"))
            #expect(!after.contains(#"id="attest-form""#))
            // And their attestation posted anyway is refused with the reason, the job unchanged
            let own = try await tv.uploadForm(
                "/console/jobs/\(id)/attest", fields: ["notes": "looks fine"],
                files: ["evidence": ("photo.jpg", "photo")])
            #expect(own.status == .forbidden)
            #expect(own.body.contains("separation of duties"))
            #expect(try await server.app.jobs.show(id, by: local).job.state == .executed)
            // When a verifier attests with the inspected certificate
            let verifier = ConsoleBrowser(client: client)
            #expect(try await verifier.signIn("verifier", Self.password).status == .seeOther)
            #expect(try await verifier.get("/console/jobs/\(id)").body.contains(#"id="attest-form""#))
            let attested = try await verifier.uploadForm(
                "/console/jobs/\(id)/attest", fields: ["notes": "certificate matches the serial", "passed": "yes"],
                files: ["evidence": ("certificate.pdf", "certificate of destruction")])
            #expect(attested.status == .seeOther, "\(attested.body)")
            // Then the job is verified and its page shows the verification report
            #expect(try await server.app.jobs.show(id, by: local).job.state == .verified)
            let report = try await verifier.get("/console/jobs/\(id)").body
            #expect(report.contains(#"id="job-verification""#))
            #expect(report.contains("certificate matches the serial"))
        }
    }

    @Test func anAuditorSeesNoJobFormAndCannotCancelButComplianceCancelsWithAReason() async throws {
        let id = try await approvedJob("HDD-22")
        let local = try Principal.localOperator("operator")
        try await application().test(.router) { client in
            // Given an auditor on the job's page: no form at all
            let auditor = ConsoleBrowser(client: client)
            #expect(try await auditor.signIn("auditor", Self.password).status == .seeOther)
            let page = try await auditor.get("/console/jobs/\(id)").body
            for form in ["record-form", "attest-form", "cancel-form"] { #expect(!page.contains(#"id="\#(form)""#)) }
            // When they post a cancellation and a record anyway: 403, nothing changed
            let cancel = try await auditor.post("/console/jobs/\(id)/cancel", ["reason": "x"])
            #expect(cancel.status == .forbidden)
            #expect(cancel.body.contains("Nothing was changed"))
            let record = try await auditor.uploadForm(
                "/console/jobs/\(id)/record", fields: ["technique": "shred", "tool": "A", "tool_version": "1"],
                files: [:])
            #expect(record.status == .forbidden)
            #expect(try await server.app.jobs.show(id, by: local).job.state == .scheduled)
            // When compliance cancels it with a reason
            let officer = ConsoleBrowser(client: client)
            #expect(try await officer.signIn("compliance", Self.password).status == .seeOther)
            #expect(try await officer.get("/console/jobs/\(id)").body.contains(#"id="cancel-form""#))
            let cancelled = try await officer.post("/console/jobs/\(id)/cancel", ["reason": "the drive was re-used"])
            #expect(cancelled.status == .seeOther)
            // Then the job is cancelled with the reason, shown on its page
            let job = try await server.app.jobs.show(id, by: local).job
            #expect(job.state == .cancelled)
            #expect(job.reason == "the drive was re-used")
            #expect(try await officer.get("/console/jobs/\(id)").body.contains("the drive was re-used"))
        }
    }

    @Test func aTechnicianUploadsTheDrivesNwipeLogAndAnotherDrivesLogIsRefused() async throws {
        // Given two retired low-impact drives: one is the drive of the fixture's nwipe log
        let local = try Principal.localOperator("operator")
        for (tag, serial) in [("HDD-31", "30d8048b7f"), ("HDD-32", "WD-WCC4E1234567")] {
            _ = try await server.app.assets.register(
                AssetFields(
                    tag: tag, serial: serial, mediaType: "hdd", capacity: "32MiB", classification: "low",
                    state: "retired"), by: local)
        }
        _ = try await server.app.jobs.schedule(policies: try ServerPolicies(app: server.app).load(), by: local)
        let jobs = try await server.app.jobs.list(JobFilter(), by: local).jobs.map(\.job)
        let own = try #require(jobs.first { $0.assetTag == "HDD-31" }?.id)
        let other = try #require(jobs.first { $0.assetTag == "HDD-32" }?.id)
        let log = Array(
            try Data(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("LetheSanitizeTests/Fixtures/nwipe/verified-zero.log")))
        try await application().test(.router) { client in
            let technician = ConsoleBrowser(client: client)
            #expect(try await technician.signIn("technician", Self.password).status == .seeOther)
            #expect(try await technician.get("/console/jobs/\(own)").body.contains(#"id="nwipe-form""#))
            // When the technician uploads the log on the other drive's job: refused, nothing recorded
            let refused = try await technician.uploadForm(
                "/console/jobs/\(other)/nwipe", fields: [:], binaryFiles: ["log": ("nwipe.log", log)])
            #expect(refused.status.code >= 400)
            #expect(refused.body.contains("30d8048b7f"))
            #expect(try await server.app.jobs.show(other, by: local).job.state == .scheduled)
            // When they upload it on its own drive's job
            let uploaded = try await technician.uploadForm(
                "/console/jobs/\(own)/nwipe", fields: [:], binaryFiles: ["log": ("nwipe.log", log)])
            #expect(uploaded.status == .seeOther, "\(uploaded.body)")
            // Then the overwrite is recorded by technician with the log as its evidence
            let details = try await server.app.jobs.show(own, by: local)
            #expect(details.job.state != .scheduled)
            #expect(details.job.executedBy == "technician")
            #expect(details.evidence.contains { $0.fileName == "nwipe.log" && $0.sizeBytes == Int64(log.count) })
        }
    }

    @Test func anEvidenceFileOverTheCapIsRefusedWithNothingRecorded() async throws {
        let id = try await approvedJob("HDD-23")
        let local = try Principal.localOperator("operator")
        try await application().test(.router) { client in
            let tv = ConsoleBrowser(client: client)
            #expect(try await tv.signIn("tv", Self.password).status == .seeOther)
            _ = try await tv.get("/console/jobs/\(id)")
            // When the evidence is one byte over the console's cap
            let big = String(repeating: "x", count: ConsoleRoutes.maxEvidenceBytes + 1)
            let response = try await tv.uploadForm(
                "/console/jobs/\(id)/record", fields: ["technique": "shred", "tool": "A", "tool_version": "1"],
                files: ["evidence": ("big.bin", big)])
            // Then 413, and the job is unchanged
            #expect(response.status == .contentTooLarge)
            #expect(try await server.app.jobs.show(id, by: local).job.state == .scheduled)
        }
    }

    @Test func unknownConsolePathsGetTheConsolesNotFoundPage() async throws {
        try await server.application().test(.router) { client in
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("auditor", Self.password).status == .seeOther)
            for path in ["/console/no-such-page", "/console/assets/X/extra/deeper", "/console/jobs/99999"] {
                let page = try await browser.get(path)
                #expect(page.status == .notFound, "\(path)")
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true, "\(path)")
                #expect(page.headers[.contentSecurityPolicy] == ConsoleMiddleware.contentSecurityPolicy)
                #expect(page.body.contains("<h1>Not found</h1>"), "\(path)")
                #expect(page.body.contains(#"<nav aria-label="Main">"#), "\(path)")
            }
            // And the API's unknown paths stay JSON problems
            let api = try await browser.get("/api/v1/no-such-route")
            #expect(api.status == .notFound)
            #expect(api.headers[.contentType]?.contains("json") == true)
        }
    }
}
