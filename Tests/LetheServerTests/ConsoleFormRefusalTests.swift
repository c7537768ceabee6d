import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheServer

/// Every form the console added for jobs, erasure, users and reports: posted by a role without its
/// action it is 403, and posted by a role with it but without the session's CSRF token it is
/// refused too; neither leaves an event in the evidence log (every change leaves one).
@Suite struct ConsoleFormRefusalTests {
    let server: TestServer
    static let password = ConsoleTests.password

    init() async throws {
        server = try await TestServer()
        try await server.prepareConsoleUsers(
            adding: ["tv": [.technician, .verifier], "root": [.admin]],
            passwords: ["tv", "verifier", "auditor", "compliance", "technician", "root"])
    }

    func application() -> some ApplicationProtocol { server.consoleApplication() }

    /// Approved high-impact jobs for `tags`, scheduled.
    func jobs(_ tags: [String]) async throws -> [String: Int64] {
        let local = try Principal.localOperator("operator")
        for tag in tags {
            _ = try await server.app.assets.register(
                AssetFields(tag: tag, mediaType: "hdd", classification: "high", state: "retired"), by: local)
        }
        let requester = try Principal(name: "compliance", roles: [.compliance], authentication: .consoleSession)
        _ = try await server.app.jobs.schedule(policies: try ServerPolicies(app: server.app).load(), by: requester)
        var ids: [String: Int64] = [:]
        for status in try await server.app.jobs.list(JobFilter(), by: local).jobs {
            try await server.app.jobs.approve(
                status.job.id, by: try Principal(name: "manager", roles: [.compliance], authentication: .consoleSession)
            )
            ids[status.job.assetTag] = status.job.id
        }
        return ids
    }

    @Test func everyNewFormIsRefusedWithoutItsRoleOrTheCSRFTokenAndChangesNothing() async throws {
        // Given a scheduled job, an executed one and a verified one without a certificate
        let local = try Principal.localOperator("operator")
        let ids = try await jobs(["HDD-51", "HDD-52", "HDD-53"])
        let (open, executed, verified) = (ids["HDD-51"]!, ids["HDD-52"]!, ids["HDD-53"]!)
        let tv = try Principal(name: "tv", roles: [.technician, .verifier], authentication: .consoleSession)
        let verifier = try Principal(name: "verifier", roles: [.verifier], authentication: .consoleSession)
        let work = JobWorkRecord(technique: .shred, tool: "Acme", toolVersion: "1")
        for id in [executed, verified] { try await server.app.jobs.record(id, work, by: tv) }
        try await server.app.jobs.attest(
            verified, Attestation(evidence: [EvidenceContent(name: "c.pdf", bytes: Data("c".utf8))]),
            policies: try ServerPolicies(app: server.app).load(), by: verifier)
        // And an erasure request with a processor's part, a user and a token to act on
        _ = try await server.app.erasure.applyDataMap(
            yaml:
                "stores:\n  - name: mailer\n    kind: processor\n    owner: m\n    contact: a@b\n    categories: []\n",
            fileName: "stores.yaml", by: local)
        _ = try await server.app.erasure.importHoldings(
            csv: .bytes(Data("identifier,store\nada@example.com,mailer\n".utf8)), fileName: "h.csv", by: local)
        let request = try await server.app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: try ServerPolicies(app: server.app).load(),
            by: local
        ).request.id
        let token = try #require(try await server.app.users.listTokens(user: "it-staff", by: local).first?.id)
        let file = ["evidence": (name: "e.pdf", bytes: "evidence")]
        // The forms: path, fields, files (nil: a plain form), and a user whose roles allow it
        let forms:
            [(path: String, fields: [String: String], files: [String: (name: String, bytes: String)]?, user: String)] =
                [
                    (
                        "/console/jobs/\(open)/record", ["technique": "shred", "tool": "A", "tool_version": "1"], file,
                        "tv"
                    ),
                    ("/console/jobs/\(open)/nwipe", [:], ["log": ("nwipe.log", "log")], "technician"),
                    ("/console/jobs/\(open)/cancel", ["reason": "not needed"], nil, "compliance"),
                    ("/console/jobs/\(executed)/attest", ["notes": "ok"], file, "verifier"),
                    ("/console/jobs/\(verified)/issue", [:], nil, "verifier"),
                    (
                        "/console/erasure", ["identifier": "grace@example.org", "reason": "withdrawal"], nil,
                        "compliance"
                    ),
                    ("/console/erasure/\(request)/run", ["identifier": "ada@example.com"], nil, "compliance"),
                    ("/console/erasure/\(request)/attest", ["store": "mailer", "notes": "done"], file, "compliance"),
                    ("/console/users", ["name": "mallory", "role-admin": "on"], nil, "root"),
                    ("/console/users/it-staff/password", ["password": Self.password], nil, "root"),
                    ("/console/users/it-staff/disable", [:], nil, "root"),
                    ("/console/tokens", ["user": "it-staff"], nil, "root"),
                    ("/console/tokens/\(token)/revoke", [:], nil, "root"),
                    ("/console/reports", ["from": "2026-01-01", "to": "2026-03-31"], nil, "compliance"),
                ]
        try await application().test(.router) { client in
            var browsers: [String: ConsoleBrowser] = [:]
            for name in Set(forms.map(\.user) + ["auditor"]) {
                let browser = ConsoleBrowser(client: client)
                #expect(try await browser.signIn(name, Self.password).status == .seeOther)
                browsers[name] = browser
            }
            let before = try server.installation.count("event")
            for form in forms {
                for (browser, csrf, why) in [
                    (browsers["auditor"]!, nil as String?, "an auditor"), (browsers[form.user]!, "", "without CSRF"),
                ] {
                    // When the form is posted
                    let page =
                        if let files = form.files {
                            try await browser.uploadForm(form.path, fields: form.fields, files: files, csrf: csrf)
                        } else {
                            try await browser.post(form.path, form.fields, csrf: csrf)
                        }
                    // Then it is refused, and nothing is written
                    #expect(page.status == .forbidden, "\(form.path) by \(why): \(page.status)")
                    #expect(try server.installation.count("event") == before, "\(form.path) by \(why)")
                }
            }
            // And the allowed role with the token succeeds: the verifier issues the certificate
            let issued = try await browsers["verifier"]!.post("/console/jobs/\(verified)/issue", [:])
            #expect(issued.status == .seeOther, "\(issued.body)")
            #expect(try await server.app.evidence.list(job: verified, by: local).count == 1)
        }
    }
}
