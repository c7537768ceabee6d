import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheServer

/// The console's data map and erasure pages: filing a request with the identifier typed once and
/// never shown again, following its parts, attesting a processor's part and running the database part.
@Suite struct ConsoleErasureTests {
    let server: TestServer
    let root = TemporaryDirectory("lethe-console-erasure")
    static let password = ConsoleTests.password
    /// The subject: it must never appear in a response.
    static let subject = "ada.lovelace@example.com"

    init() async throws {
        server = try await TestServer()
        try await server.prepareConsoleUsers(passwords: ["compliance", "auditor", "it-staff"])
        let local = try Principal.localOperator("operator")
        // A CRM database holding the subject, and a mailing processor told of them
        let crm = root.file("crm.sqlite")
        try Self.sqlite(
            crm,
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL);"
                + "INSERT INTO customers (email) VALUES ('\(Self.subject)'), ('grace@example.org');")
        let map = """
            version: 1
            stores:
              - name: crm
                kind: sqlite
                owner: sales
                connection: \(crm)
                categories: [user.contact.email]
                identity:
                  table: customers
                  column: email
                  key: id
                  erase: delete-row
              - name: mailer
                kind: processor
                owner: marketing
                contact: privacy@mailer.example
                categories: [user.contact.email]

            """
        _ = try await server.app.erasure.applyDataMap(yaml: map, fileName: "datamap.yaml", by: local)
        _ = try await server.app.erasure.scanStore("crm", by: local)
        _ = try await server.app.erasure.importHoldings(
            csv: .bytes(Data("identifier,store\n\(Self.subject),mailer\n".utf8)), fileName: "h.csv", by: local)
    }

    static func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    func application() -> some ApplicationProtocol { server.consoleApplication() }

    @Test func theDataPageShowsDeclaredResidueAndAReplicasAttestFormNamesItsBackup() async throws {
        // Given a postgres store (its server not reachable here) declaring a WAL archive and a replica,
        // holding the subject, and a request for it
        let local = try Principal.localOperator("operator")
        let map = """
            stores:
              - name: billing
                kind: postgres
                owner: finance
                connection: "postgresql://lethe@127.0.0.1:1/billing?connect_timeout=1"
                categories: [user.name]
                identity: {table: accounts, column: email, erase: delete-row}
                residue:
                  - {name: pitr, kind: wal-archive, location: "s3://billing-wal/primary", retention: P35D}
                  - {name: standby, kind: replica, location: "postgresql://billing-b/billing"}

            """
        _ = try await server.app.erasure.applyDataMap(yaml: map, fileName: "billing.yaml", by: local)
        _ = try await server.app.erasure.importHoldings(
            csv: .bytes(Data("identifier,store\n\(Self.subject),billing\n".utf8)), fileName: "h.csv", by: local)
        let request = try await server.app.erasure.request(
            identifier: Self.subject, reason: .withdrawal,
            policies: LoadedPolicies(
                directory: "/none", files: [], set: PolicySet(sanitization: []),
                version: String(repeating: "a", count: 64)),
            by: local)
        let replica = try #require(request.parts.first { $0.action == .attest && $0.backupID != nil })
        try await application().test(.router) { client in
            let officer = ConsoleBrowser(client: client)
            #expect(try await officer.signIn("compliance", Self.password).status == .seeOther)
            // Then the data page lists both as rolling backups with their retention and location
            let data = try await officer.get("/console/data").body
            #expect(data.contains("<td>rolling: wal-archive pitr</td><td>s3://billing-wal/primary</td>"))
            #expect(data.contains("<td>P35D</td>"))
            #expect(data.contains("<td>rolling: replica standby</td>"))
            // And the request page says when the archive's copy ages out, and the replica's form names its backup
            let page = try await officer.get("/console/erasure/\(request.request.id)").body
            #expect(page.contains("under the declared retention P35D"))
            #expect(page.contains(#"<input type="hidden" name="backup" value="\#(replica.backupID ?? 0)">"#))
        }
    }

    @Test func complianceFilesFollowsAttestsAndRunsARequestAndTheIdentifierIsNeverShown() async throws {
        let local = try Principal.localOperator("operator")
        try await application().test(.router) { client in
            var bodies: [String] = []
            let officer = ConsoleBrowser(client: client)
            #expect(try await officer.signIn("compliance", Self.password).status == .seeOther)
            // Given the data map shows both stores with their holdings counts
            let data = try await officer.get("/console/data").body
            #expect(data.contains("<th scope=\"row\">crm</th><td>sqlite</td><td>2</td>"))
            #expect(data.contains("<th scope=\"row\">mailer</th><td>processor</td><td>1</td>"))
            // And the erasure page offers the form, the identifier in a password-type field
            let list = try await officer.get("/console/erasure").body
            #expect(list.contains(#"name="identifier" type="password""#))
            // When the officer files a request
            let filed = try await officer.post(
                "/console/erasure", ["identifier": Self.subject, "reason": "withdrawal"])
            #expect(filed.status == .seeOther, "\(filed.body)")
            let location = try #require(filed.headers[.location])
            #expect(!location.contains("ada"))
            bodies.append(filed.body)
            // Then the request's page lists its database and processor parts, both pending
            let id = try #require(try await server.app.erasure.list(overdue: false, by: local).requests.first?.id)
            #expect(location == "/console/erasure/\(id)")
            let page = try await officer.get(location).body
            bodies.append(page)
            #expect(page.contains("<td>crm</td><td>execute</td><td>pending"))
            #expect(page.contains("<td>mailer</td><td>attest</td><td>pending"))
            #expect(page.contains(#"id="run-form""#))
            // When the run is given another identifier: refused, nothing erased
            let wrong = try await officer.post("/console/erasure/\(id)/run", ["identifier": "grace@example.org"])
            #expect(wrong.status == .unprocessableContent)
            bodies.append(wrong.body)
            // When the officer runs the database part with the identifier, and attests the processor's part
            let run = try await officer.post("/console/erasure/\(id)/run", ["identifier": Self.subject])
            #expect(run.status == .seeOther, "\(run.body)")
            let attested = try await officer.uploadForm(
                "/console/erasure/\(id)/attest", fields: ["store": "mailer", "notes": "mailer confirmed by e-mail"],
                files: ["evidence": ("confirmation.eml", "deleted")])
            #expect(attested.status == .seeOther, "\(attested.body)")
            // Then both parts are done and the request is completed
            let details = try await server.app.erasure.details(id, by: local)
            #expect(details.parts.allSatisfy { $0.state == .done })
            #expect(details.request.state == .completed)
            let done = try await officer.get("/console/erasure/\(id)").body
            bodies.append(done)
            #expect(done.contains("<dt>State</dt><dd>completed</dd>"))
            bodies.append(try await officer.get("/console/erasure").body)
            bodies.append(try await officer.get("/console/").body)
            // And the identifier appears in no response
            for body in bodies { #expect(!body.contains("ada.lovelace"), "\(body)") }
        }
    }

    @Test func anAuditorMayFollowButNotFileAndAFormWithoutCSRFFilesNothing() async throws {
        let local = try Principal.localOperator("operator")
        try await application().test(.router) { client in
            // Given an auditor: the list without the form
            let auditor = ConsoleBrowser(client: client)
            #expect(try await auditor.signIn("auditor", Self.password).status == .seeOther)
            #expect(!(try await auditor.get("/console/erasure").body.contains(#"id="erasure-form""#)))
            // When they post a request anyway: 403 without the identifier, nothing filed
            let forged = try await auditor.post(
                "/console/erasure", ["identifier": Self.subject, "reason": "withdrawal"])
            #expect(forged.status == .forbidden)
            #expect(!forged.body.contains("ada.lovelace"))
            #expect(try await server.app.erasure.list(overdue: false, by: local).requests.isEmpty)
            // When compliance posts without the session's CSRF token: refused, nothing filed
            let officer = ConsoleBrowser(client: client)
            #expect(try await officer.signIn("compliance", Self.password).status == .seeOther)
            let noToken = try await officer.post(
                "/console/erasure", ["identifier": Self.subject, "reason": "withdrawal"], csrf: "")
            #expect(noToken.status == .forbidden)
            #expect(!noToken.body.contains("ada.lovelace"))
            #expect(try await server.app.erasure.list(overdue: false, by: local).requests.isEmpty)
            // And an empty identifier is refused by the form, nothing filed
            let empty = try await officer.post("/console/erasure", ["identifier": " ", "reason": "withdrawal"])
            #expect(empty.status == .unprocessableContent)
            #expect(try await server.app.erasure.list(overdue: false, by: local).requests.isEmpty)
        }
    }
}
