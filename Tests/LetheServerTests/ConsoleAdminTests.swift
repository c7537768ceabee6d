import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheServer

/// The console's users and tokens page (administrators) and its reports page.
@Suite struct ConsoleAdminTests {
    let server: TestServer
    static let password = ConsoleTests.password

    init() async throws {
        server = try await TestServer()
        try await server.prepareConsoleUsers(
            adding: ["root": [.admin]], passwords: ["root", "compliance", "auditor", "it-staff"])
    }

    func application() -> some ApplicationProtocol { server.consoleApplication() }

    @Test func anAdministratorAddsAUserSeesTheTokenOnceSetsAPasswordRevokesAndDisables() async throws {
        let local = try Principal.localOperator("operator")
        try await application().test(.router) { client in
            let admin = ConsoleBrowser(client: client)
            #expect(try await admin.signIn("root", Self.password).status == .seeOther)
            #expect(try await admin.get("/console/").body.contains(#"<a href="/console/users">Users</a>"#))
            // When the administrator adds a technician
            let added = try await admin.post("/console/users", ["name": "tess", "role-technician": "on"])
            #expect(added.status == .ok)
            // Then the new token is shown this once, and works
            let secret = try #require(Self.value(of: "new-token", in: added.body))
            #expect(try await server.app.users.authenticate(token: secret).roles == [.technician])
            #expect(!(try await admin.get("/console/users").body.contains(secret)))
            // When they set tess's console password, tess can sign in
            #expect(
                try await admin.post("/console/users/tess/password", ["password": Self.password]).status == .seeOther)
            let tess = ConsoleBrowser(client: client)
            #expect(try await tess.signIn("tess", Self.password).status == .seeOther)
            // When they add a read-only token for tess and revoke it
            let token = try await admin.post("/console/tokens", ["user": "tess", "expires": "P30D", "read_only": "on"])
            let second = try #require(Self.value(of: "new-token", in: token.body))
            #expect(try await server.app.users.authenticate(token: second).readOnly)
            let tokens = try await server.app.users.listTokens(user: "tess", by: local)
            let newest = try #require(tokens.map(\.id).max())
            #expect(try await admin.post("/console/tokens/\(newest)/revoke", [:]).status == .seeOther)
            await #expect(throws: LetheError.self) { try await server.app.users.authenticate(token: second) }
            // When they disable tess: her first token stops working, and her console session ends
            #expect(try await tess.get("/console/").status == .ok)
            #expect(try await admin.post("/console/users/tess/disable", [:]).status == .seeOther)
            let signedOut = try await tess.get("/console/")
            #expect(signedOut.status == .seeOther)
            #expect(signedOut.headers[.location] == "/console/signin")
            await #expect(throws: LetheError.self) { try await server.app.users.authenticate(token: secret) }
            #expect(try await server.app.users.list(by: local).first { $0.name == "tess" }?.disabled == true)
        }
    }

    @Test func noOneButAnAdministratorSeesOrChangesUsers() async throws {
        let local = try Principal.localOperator("operator")
        try await application().test(.router) { client in
            let staff = ConsoleBrowser(client: client)
            #expect(try await staff.signIn("it-staff", Self.password).status == .seeOther)
            // Given IT staff: no Users link, and the page is a friendly 403
            #expect(!(try await staff.get("/console/").body.contains("/console/users")))
            let page = try await staff.get("/console/users")
            #expect(page.status == .forbidden)
            #expect(page.body.contains("<h1>Not allowed</h1>"))
            #expect(page.body.contains("Nothing was changed"))
            // When they post the forms anyway: 403, nothing changed
            #expect(
                try await staff.post("/console/users", ["name": "mallory", "role-admin": "on"]).status == .forbidden)
            #expect(try await staff.post("/console/tokens", ["user": "it-staff"]).status == .forbidden)
            #expect(try await staff.post("/console/users/auditor/disable", [:]).status == .forbidden)
            let users = try await server.app.users.list(by: local)
            #expect(!users.contains { $0.name == "mallory" })
            #expect(users.first { $0.name == "auditor" }?.disabled == false)
            #expect(try await server.app.users.listTokens(user: "it-staff", by: local).count == 1)
            // And an administrator's form without the session's CSRF token adds no one
            let admin = ConsoleBrowser(client: client)
            #expect(try await admin.signIn("root", Self.password).status == .seeOther)
            let noToken = try await admin.post("/console/users", ["name": "eve", "role-admin": "on"], csrf: "")
            #expect(noToken.status == .forbidden)
            #expect(!(try await server.app.users.list(by: local).contains { $0.name == "eve" }))
        }
    }

    @Test func complianceGeneratesADisposalReportAndEveryoneDownloadsItsRenderings() async throws {
        let local = try Principal.localOperator("operator")
        try await application().test(.router) { client in
            // Given an auditor: the list, no generate form, and a forged post generates nothing
            let auditor = ConsoleBrowser(client: client)
            #expect(try await auditor.signIn("auditor", Self.password).status == .seeOther)
            #expect(!(try await auditor.get("/console/reports").body.contains(#"id="report-form""#)))
            let forged = try await auditor.post("/console/reports", ["from": "2026-01-01", "to": "2026-03-31"])
            #expect(forged.status == .forbidden)
            #expect(try await server.app.reports.list(by: local).isEmpty)
            // When compliance generates the first quarter's disposal report
            let officer = ConsoleBrowser(client: client)
            #expect(try await officer.signIn("compliance", Self.password).status == .seeOther)
            #expect(try await officer.get("/console/reports").body.contains(#"id="report-form""#))
            let made = try await officer.post("/console/reports", ["from": "2026-01-01", "to": "2026-03-31"])
            #expect(made.status == .seeOther, "\(made.body)")
            let serial = try #require(try await server.app.reports.list(by: local).first?.serial)
            // Then the auditor sees it and downloads every rendering
            #expect(try await auditor.get("/console/reports").body.contains(serial))
            for (format, type) in [
                ("json", "application/json"), ("csv", "text/csv"), ("html", "text/html"), ("pdf", "application/pdf"),
            ] {
                let download = try await auditor.send(
                    .get, "/console/reports/\(serial)/\(format)", body: nil, contentType: nil)
                #expect(download.status == .ok, "\(format)")
                #expect(download.headers[.contentType]?.hasPrefix(type) == true, "\(format)")
                #expect(download.headers[.contentDisposition] == "attachment; filename=\"\(serial).\(format)\"")
                #expect(!download.body.isEmpty)
            }
            #expect(try await auditor.get("/console/reports/\(serial)/exe").status == .notFound)
        }
    }

    /// The `value` of the input with `id` in a page.
    static func value(of id: String, in body: String) -> String? {
        guard let start = body.range(of: #"id="\#(id)""#) else { return nil }
        guard let value = body[start.upperBound...].range(of: #"value=""#) else { return nil }
        return String(body[value.upperBound...].prefix { $0 != "\"" })
    }
}
