import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import NIOCore
import Synchronization
import Testing

@testable import LetheServer

/// The web console through its router: sign-in, sessions, CSRF, roles and escaping.
@Suite struct ConsoleTests {
    let server: TestServer
    let clock = TestClock()

    init() async throws {
        server = try await TestServer()
        let local = try Principal.localOperator("operator")
        for role in [Role.itStaff, .auditor] {
            _ = try await server.app.users.setPassword(name: role.rawValue, password: Self.password, by: local)
        }
    }

    static let password = "correct horse battery staple"

    /// The console alone, with sessions on a clock the test moves.
    func application(idle: TimeInterval = 1800) -> some ApplicationProtocol {
        let router = Router(context: LetheRequestContext.self)
        let clock = clock
        ConsoleRoutes(
            app: server.app, secureCookies: true,
            sessions: ConsoleSessions(idleTimeout: idle, absoluteTimeout: 7200, clock: { clock.now }),
            backoff: SignInBackoff(freeAttempts: 2, clock: { clock.now })
        ).add(to: router)
        return Application(router: router)
    }

    @Test func theAssetListFiltersByTypeAndClassificationAndLinksOddTagsSafely() async throws {
        // Given a high SSD whose tag holds URL characters, a low SSD and a high laptop
        let local = try Principal.localOperator("operator")
        for (tag, type, classification) in [
            ("SSD/1#a", "ssd", "high"), ("SSD-2", "ssd", "low"), ("LAP-3", "laptop", "high"),
        ] {
            _ = try await server.app.assets.register(
                AssetFields(tag: tag, mediaType: type, classification: classification), by: local)
        }
        try await application().test(.router) { client in
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("it-staff", Self.password).status == .seeOther)
            // When filtering by type and classification
            let page = try await browser.get("/console/assets?type=ssd&classification=high").body
            // Then only the high SSD is listed, its link path-encoded, and both filters stay selected
            #expect(page.contains("1 matching assets."), "\(page)")
            #expect(page.contains(#"href="/console/assets/SSD%2F1%23a""#))
            #expect(!page.contains("SSD-2") && !page.contains("LAP-3"))
            #expect(page.contains(#"<option value="ssd" selected>"#))
            #expect(page.contains(#"<option value="high" selected>"#))
            // And an unknown classification is refused with its name
            let bad = try await browser.get("/console/assets?classification=secret")
            #expect(bad.body.contains("secret"))
        }
    }

    @Test func tickedAssetsAreRetiredTogetherOrNotAtAll() async throws {
        // Given three laptops in service (a drive attached to the first) and one already retired
        let local = try Principal.localOperator("operator")
        for tag in ["LAP-1", "LAP-2", "LAP-3", "LAP-4"] {
            _ = try await server.app.assets.register(
                AssetFields(tag: tag, mediaType: "laptop", classification: "low"), by: local)
        }
        _ = try await server.app.assets.register(
            AssetFields(tag: "SSD-1", mediaType: "ssd", classification: "low", parentTag: "LAP-1"), by: local)
        _ = try await server.app.assets.retire("LAP-4", by: local)
        try await application().test(.router) { client in
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("it-staff", Self.password).status == .seeOther)
            // Then the list offers a checkbox for each asset in service, none for the retired one
            let list = try await browser.get("/console/assets").body
            #expect(list.contains(#"id="bulk-retire-form""#))
            #expect(list.contains(#"value="LAP-1" id="select-"#) && !list.contains(#"value="LAP-4" id="select-"#))
            func retire(_ tags: [String], csrf: String? = nil) async throws -> ConsoleBrowser.Page {
                let fields = [("csrf", csrf ?? browser.csrf), ("reason", "end of lease")] + tags.map { ("tag", $0) }
                let body = fields.map {
                    "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics) ?? "")"
                }
                .joined(separator: "&")
                return try await browser.send(
                    .post, "/console/assets/retire-selected", body: ByteBuffer(string: body),
                    contentType: "application/x-www-form-urlencoded")
            }
            // When one of the ticked assets cannot be retired (LAP-4 is retired already)
            let refused = try await retire(["LAP-2", "LAP-4"])
            // Then nothing is retired and the page says which and why
            #expect(refused.body.contains("Nothing was retired"), "\(refused.body)")
            #expect(refused.body.contains("LAP-4"))
            #expect(try await server.app.assets.show("LAP-2", by: local).asset.state == .inService)
            // When the ticked assets can all be retired (the drive is ticked too, attached to LAP-1)
            let done = try await retire(["LAP-1", "LAP-2", "SSD-1"])
            #expect(done.status == .ok, "\(done.body)")
            #expect(done.body.contains("Retired 2 selected assets and 1 attached to them"), "\(done.body)")
            for tag in ["LAP-1", "LAP-2", "SSD-1"] {
                #expect(try await server.app.assets.show(tag, by: local).asset.state == .retired)
            }
            // And a post without the session's CSRF token changes nothing
            #expect(try await retire(["LAP-3"], csrf: "forged").status == .forbidden)
            #expect(try await server.app.assets.show("LAP-3", by: local).asset.state == .inService)
        }
    }

    @Test func aUserDisabledOutsideTheConsoleLosesTheirSessionOnTheNextRequest() async throws {
        try await application().test(.router) { client in
            // Given IT staff signed in to the console
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("it-staff", Self.password).status == .seeOther)
            #expect(try await browser.get("/console/").status == .ok)
            // When an admin disables them through the API's use case (not the console's Users page)
            _ = try await server.app.users.disable(name: "it-staff", by: try Principal.localOperator("operator"))
            // Then their next page sends them to sign in, and a form they post changes nothing
            let next = try await browser.get("/console/")
            #expect(next.status == .seeOther)
            #expect(next.headers[.location] == "/console/signin")
            let posted = try await browser.post(
                "/console/assets", ["tag": "LAP-8", "media_type": "laptop", "classification": "low"])
            #expect(posted.status != .seeOther)
            await #expect(throws: LetheError.self) {
                _ = try await server.app.assets.show("LAP-8", by: try Principal.localOperator("operator"))
            }
        }
    }

    @Test func aSignedInUserRegistersAndRetiresAnAssetAndSignsOut() async throws {
        try await application().test(.router) { client in
            // Given IT staff sign in
            let browser = ConsoleBrowser(client: client)
            let signedIn = try await browser.signIn("it-staff", Self.password)
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/console/")
            // Then the session cookie is HttpOnly, SameSite=Strict and Secure, and the page has the console's CSP
            let setCookie = signedIn.headers[values: .setCookie].first { $0.hasPrefix("lethe_session=") } ?? ""
            #expect(
                setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Secure"))
            let dashboard = try await browser.get("/console/")
            #expect(dashboard.status == .ok)
            #expect(dashboard.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(dashboard.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(dashboard.body.contains(#"<td data-state="retired">0</td>"#))
            // When they register an asset from the form and retire it
            let registered = try await browser.post(
                "/console/assets", ["tag": "LAP-7", "media_type": "laptop", "classification": "moderate"])
            #expect(registered.status == .seeOther, "\(registered.body)")
            let page = try await browser.get("/console/assets/LAP-7")
            #expect(page.body.contains(#"action="/console/assets/LAP-7/retire""#))
            // (a registration with a bad field says which field and why, as the API does)
            let refused = try await browser.post(
                "/console/assets", ["tag": "LAP-8", "media_type": "floppy", "classification": "moderate"])
            #expect(refused.status.code >= 400)
            #expect(refused.body.contains(#"<ul id="error-problems"><li>media_type"#), "\(refused.body)")
            let moved = try await browser.post(
                "/console/assets/LAP-7/move", ["to": "IT storage (bob)", "location": "Storage B", "seals": "S-1, S-2"])
            #expect(moved.status == .seeOther, "\(moved.body)")
            let custody = try await browser.get("/console/assets/LAP-7").body
            #expect(custody.contains("IT storage (bob)"))
            #expect(custody.contains("(recorded by it-staff)"), "\(custody)")
            let retired = try await browser.post("/console/assets/LAP-7/retire", ["reason": "end of lease"])
            #expect(retired.status == .seeOther)
            // Then the dashboard counts it as retired, and its page no longer offers retirement
            #expect(try await browser.get("/console/").body.contains(#"<td data-state="retired">1</td>"#))
            #expect(!(try await browser.get("/console/assets/LAP-7").body.contains("/retire\"")))
            // And after signing out the session no longer opens a page
            #expect(try await browser.post("/console/signout", [:]).status == .seeOther)
            let after = try await browser.get("/console/")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/console/signin")
        }
    }

    @Test func anAuditorSeesNoWriteActionAndAForgedPostIsRefusedWithNothingChanged() async throws {
        _ = try await server.app.assets.register(
            AssetFields(tag: "SRV-1", mediaType: "server", classification: "high"),
            by: try Principal.localOperator("operator"))
        try await application().test(.router) { client in
            // Given an auditor is signed in
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("auditor", Self.password).status == .seeOther)
            // Then neither the list nor the asset's page offers a write
            let list = try await browser.get("/console/assets")
            #expect(list.body.contains("SRV-1"))
            #expect(!list.body.contains("register-form"))
            let page = try await browser.get("/console/assets/SRV-1")
            #expect(page.body.contains("No lifecycle action is open to you"))
            // When the auditor posts the retire form anyway, with a valid CSRF token
            let forged = try await browser.post("/console/assets/SRV-1/retire", ["reason": "x"])
            // Then it is 403, explained, and the asset is unchanged
            #expect(forged.status == .forbidden)
            #expect(forged.body.contains("it-staff"))
            let asset = try await server.app.assets.show("SRV-1", by: try Principal.localOperator("operator"))
            #expect(asset.asset.state == .inService)
        }
    }

    @Test func aFormWithoutTheSessionsCSRFTokenIsRefused() async throws {
        try await application().test(.router) { client in
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("it-staff", Self.password).status == .seeOther)
            // When a form arrives with a wrong token, or none
            for token in ["wrong", ""] {
                let response = try await browser.post(
                    "/console/assets", ["tag": "LAP-9", "media_type": "laptop", "classification": "low"],
                    csrf: token)
                // Then it is refused and nothing is registered
                #expect(response.status == .forbidden)
                #expect(response.body.contains("CSRF"))
            }
            let page = try await browser.get("/console/assets/LAP-9")
            #expect(page.status == .notFound)
            // And a sign-in form without its cookie's token is refused before the password is checked
            let signIn = try await browser.send(
                .post, "/console/signin", form: ["name": "it-staff", "password": Self.password, "csrf": "forged"])
            #expect(signIn.status == .forbidden)
        }
    }

    @Test func sessionsExpireWhenIdleAndFailedSignInsBackOff() async throws {
        try await application(idle: 600).test(.router) { client in
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("it-staff", Self.password).status == .seeOther)
            // Given a session used five minutes ago is still live
            clock.advance(300)
            #expect(try await browser.get("/console/").status == .ok)
            // When it then goes unused past the idle timeout
            clock.advance(601)
            // Then it is gone: pages send the user to sign in, and forms are refused
            #expect(try await browser.get("/console/").headers[.location] == "/console/signin")
            #expect(try await browser.post("/console/assets", ["tag": "LAP-1"]).status == .unauthorized)
            // And a session kept busy still ends at the absolute limit (two hours here)
            #expect(try await browser.signIn("it-staff", Self.password).status == .seeOther)
            for _ in 1...13 {
                clock.advance(550)
                #expect(try await browser.get("/console/").status == .ok)
            }
            clock.advance(550)
            #expect(try await browser.get("/console/").headers[.location] == "/console/signin")
            // And after two wrong passwords a third attempt, even the right one, must wait
            let other = ConsoleBrowser(client: client)
            #expect(try await other.signIn("auditor", "wrong").status == .unauthorized)
            #expect(try await other.signIn("auditor", "wrong").status == .unauthorized)
            let blocked = try await other.signIn("auditor", Self.password)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.body.contains("Try again in"))
            clock.advance(2)
            #expect(try await other.signIn("auditor", Self.password).status == .seeOther)
        }
    }

    @Test func aCSVImportWithOneBadRowImportsNothingAndListsTheRow() async throws {
        try await application().test(.router) { client in
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("it-staff", Self.password).status == .seeOther)
            #expect(try await browser.get("/console/assets").body.contains("import-form"))
            // When a file with one bad row (line 3) is uploaded
            let bad = try await browser.upload(
                "/console/assets/import", fileName: "bad.csv",
                "asset_tag,media_type,classification\nD-1,ssd,high\nD-2,floppy,low\n")
            // Then nothing is imported and the page names the row, its line and column
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Nothing was imported"))
            #expect(bad.body.contains("line 3, column media_type"), "\(bad.body)")
            #expect(try await browser.get("/console/assets/D-1").status == .notFound)
            // And a good file registers every row
            let good = try await browser.upload(
                "/console/assets/import", fileName: "good.csv",
                "asset_tag,media_type,classification\nD-1,ssd,high\nD-2,hdd,low\n")
            #expect(good.status == .ok)
            #expect(good.body.contains("2 registered"))
            #expect(try await browser.get("/console/assets/D-2").status == .ok)
            // And an upload without the session's CSRF token is refused
            let forged = try await browser.upload(
                "/console/assets/import", fileName: "x.csv", "asset_tag,media_type,classification\nE-1,ssd,high\n",
                csrf: "forged")
            #expect(forged.status == .forbidden)
        }
    }

    @Test func theJobQueueOffersOnlyWhatTheRulesAllowAndExplainsARefusal() async throws {
        // Given a retired high-impact drive, scheduled by compliance: its job needs a second person
        let local = try Principal.localOperator("operator")
        let users = server.app.users
        _ = try await users.add(name: "manager", roles: [.compliance], by: local)
        for name in ["compliance", "manager", "technician"] {
            _ = try await users.setPassword(name: name, password: Self.password, by: local)
        }
        _ = try await server.app.assets.register(
            AssetFields(tag: "HDD-9", mediaType: "hdd", classification: "high", state: "retired"), by: local)
        let requester = try Principal(name: "compliance", roles: [.compliance], authentication: .consoleSession)
        _ = try await server.app.jobs.schedule(
            policies: try ServerPolicies(app: server.app).load(), by: requester)
        let id = try #require(try await server.app.jobs.list(JobFilter(), by: local).jobs.first?.job.id)
        try await application().test(.router) { client in
            // When the requester opens the queue
            let requesterBrowser = ConsoleBrowser(client: client)
            #expect(try await requesterBrowser.signIn("compliance", Self.password).status == .seeOther)
            let queue = try await requesterBrowser.get("/console/jobs")
            // Then no approve button, and the reason in words
            #expect(queue.body.contains("HDD-9"))
            #expect(!queue.body.contains("/console/jobs/\(id)/approve"))
            #expect(queue.body.contains("cannot also approve it (separation of duties)"))
            // And approving by a forged post is 403 with the job unchanged
            let forged = try await requesterBrowser.post("/console/jobs/\(id)/approve", [:])
            #expect(forged.status == .forbidden)
            #expect(try await server.app.jobs.show(id, by: local).job.approvedBy == nil)
            // When a second compliance officer approves, and a technician starts it
            let manager = ConsoleBrowser(client: client)
            #expect(try await manager.signIn("manager", Self.password).status == .seeOther)
            #expect(try await manager.get("/console/jobs").body.contains("/console/jobs/\(id)/approve"))
            #expect(try await manager.post("/console/jobs/\(id)/approve", [:]).status == .seeOther)
            let technician = ConsoleBrowser(client: client)
            #expect(try await technician.signIn("technician", Self.password).status == .seeOther)
            #expect(try await technician.get("/console/jobs").body.contains("/console/jobs/\(id)/start"))
            #expect(try await technician.post("/console/jobs/\(id)/start", [:]).status == .seeOther)
            // And the dashboard counts open jobs due soon and draws the weekly chart with its numbers
            let dashboard = try await technician.get("/console/").body
            #expect(dashboard.contains(#"id="due-soon""#))
            #expect(dashboard.contains(#"<svg class="chart""#))
            #expect(dashboard.contains("<th scope=\"col\">destroy</th>"))
            // Then the job is approved by the manager and in progress
            let job = try await server.app.jobs.show(id, by: local).job
            #expect(job.approvedBy == "manager")
            #expect(job.state == .inProgress)
        }
    }

    @Test func certificatesAreListedViewedDownloadedAndRevokedWithAReason() async throws {
        // Given a record issued through the API (the full service: API and console on one router)
        let local = try Principal.localOperator("operator")
        let users = server.app.users
        let both = try await users.add(name: "tv", roles: [.technician, .verifier], by: local).token.secret
        let approver = try await users.add(name: "manager", roles: [.compliance], by: local).token.secret
        _ = try await users.setPassword(name: "compliance", password: Self.password, by: local)
        try await server.application().test(.router) { client in
            _ = try await client.send(
                .post, "/api/v1/assets", token: server.token(.itStaff),
                json: ["tag": "HDD-9", "media_type": "hdd", "classification": "high", "state": "retired"])
            _ = try await client.send(.post, "/api/v1/schedule", token: server.token(.compliance))
            let listing = try await client.send(.get, "/api/v1/jobs?asset=HDD-9", token: server.token(.auditor))
            let id = try #require((listing.object["jobs"] as? [[String: Any]])?.first?["id"] as? Int)
            _ = try await client.send(.post, "/api/v1/jobs/\(id)/approve", token: approver)
            _ = try await client.send(.post, "/api/v1/jobs/\(id)/start", token: both)
            _ = try await client.send(
                .post, "/api/v1/jobs/\(id)/evidence?name=c.pdf&technique=shred&tool=Acme&tool_version=1", token: both,
                body: ByteBuffer(string: "certificate"), headers: [.contentType: "application/octet-stream"])
            _ = try await client.send(
                .post, "/api/v1/jobs/\(id)/attestations?name=c.pdf&notes=ok", token: server.token(.verifier),
                body: ByteBuffer(string: "certificate"))
            let issued = try await client.send(
                .post, "/api/v1/certificates", token: server.token(.verifier), json: ["job": id])
            let serial = try #require(issued.object["serial"] as? String, "\(issued.object)")
            // When an auditor opens the certificates
            let auditor = ConsoleBrowser(client: client)
            #expect(try await auditor.signIn("auditor", Self.password).status == .seeOther)
            let list = try await auditor.get("/console/certificates")
            // Then the record is listed with its view and bundle, and no revoke form
            #expect(list.body.contains(serial))
            #expect(!list.body.contains("/revoke"))
            // And a search by the asset's tag (any case) finds it, and one by other text does not
            #expect(try await auditor.get("/console/certificates?q=hdd-9").body.contains(serial))
            let none = try await auditor.get("/console/certificates?q=LAP-%25").body
            #expect(!none.contains(serial))
            #expect(none.contains("No record's serial or asset tag contains"))
            let html = try await auditor.get("/console/certificates/\(serial)/record.html")
            #expect(html.status == .ok)
            #expect(html.body.contains("HDD-9"))
            let bundle = try await auditor.send(
                .get, "/console/certificates/\(serial)/bundle", body: nil, contentType: nil)
            #expect(bundle.status == .ok)
            #expect(bundle.headers[.contentDisposition]?.contains("\(serial).tar.gz") == true)
            // And the asset's page lists its job and links its certificate
            let assetPage = try await auditor.get("/console/assets/HDD-9").body
            #expect(assetPage.contains(#"id="asset-jobs""#))
            #expect(assetPage.contains("/console/certificates/\(serial)/record.html"))
            // And the auditor's forged revocation is 403; compliance revokes it with a reason
            #expect(
                try await auditor.post("/console/certificates/\(serial)/revoke", ["reason": "x"]).status == .forbidden)
            let officer = ConsoleBrowser(client: client)
            #expect(try await officer.signIn("compliance", Self.password).status == .seeOther)
            #expect(try await officer.get("/console/certificates").body.contains("/revoke"))
            let revoked = try await officer.post(
                "/console/certificates/\(serial)/revoke", ["reason": "issued against the wrong serial"])
            #expect(revoked.status == .seeOther)
            #expect(try await officer.get("/console/certificates").body.contains("issued against the wrong serial"))
        }
    }

    @Test func everythingShownIsEscaped() async throws {
        try await application().test(.router) { client in
            let browser = ConsoleBrowser(client: client)
            #expect(try await browser.signIn("it-staff", Self.password).status == .seeOther)
            // Given an asset whose fields hold markup
            let registered = try await browser.post(
                "/console/assets",
                [
                    "tag": "ESC-1", "media_type": "laptop", "classification": "low",
                    // (A quote a combining mark joins into one Character is still a quote to a browser.)
                    "custodian": #"<script>alert("x")</script>"#, "location": "' onmouseover='x \"\u{301} autofocus",
                ])
            #expect(registered.status == .seeOther)
            // Then its page and the list show the text, never the markup
            for path in ["/console/assets/ESC-1", "/console/assets?q=ESC"] {
                let body = try await browser.get(path).body
                #expect(!body.contains("<script>alert"))
                #expect(body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
                #expect(!body.contains("' onmouseover"))
                #expect(Array(body.utf8).firstRange(of: Array("\"\u{301}".utf8)) == nil, "\(path)")
            }
            #expect(try await browser.get("/console/assets/ESC-1").body.contains("&quot;\u{301} autofocus"))
            // And a search term is echoed escaped
            let search = try await browser.get("/console/assets?q=%22%3E%3Cb%3E")
            #expect(search.body.contains(#"value="&quot;&gt;&lt;b&gt;""#))
        }
    }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// A browser of the console over the test client: keeps the cookies, and fills each form's CSRF
/// token from the last page it loaded.
final class ConsoleBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    private var cookies: [String: String] = [:]
    private(set) var csrf = ""

    init(client: any TestClientProtocol) { self.client = client }

    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
    }

    func signIn(_ name: String, _ password: String) async throws -> Page {
        _ = try await get("/console/signin")
        let response = try await send(
            .post, "/console/signin", form: ["name": name, "password": password, "csrf": csrf])
        // Signed in: load the dashboard, as a browser follows the redirect, for the session's CSRF token
        if response.status == .seeOther { _ = try await get("/console/") }
        return response
    }

    func get(_ path: String) async throws -> Page { try await send(.get, path, form: nil) }

    /// Posts a form with the CSRF token of the last page (or `csrf` when given).
    func post(_ path: String, _ form: [String: String], csrf: String? = nil) async throws -> Page {
        var form = form
        form["csrf"] = csrf ?? self.csrf
        return try await send(.post, path, form: form)
    }

    /// Uploads a file as the import form does (multipart/form-data), with the CSRF token of the last page.
    func upload(_ path: String, fileName: String, _ text: String, csrf: String? = nil) async throws -> Page {
        let boundary = "----lethe-test-\(UUID().uuidString)"
        let body =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf ?? self.csrf)\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\n"
            + "Content-Type: text/csv\r\n\r\n\(text)\r\n--\(boundary)--\r\n"
        return try await send(
            .post, path, body: ByteBuffer(string: body), contentType: "multipart/form-data; boundary=\(boundary)")
    }

    /// Sends a file-upload form (multipart/form-data): its text fields (the CSRF token of the last
    /// page unless `csrf` is given, or none when `csrf` is empty) and its files by field name.
    func uploadForm(
        _ path: String, fields: [String: String], files: [String: (name: String, bytes: String)], csrf: String? = nil
    ) async throws -> Page {
        try await uploadForm(
            path, fields: fields, binaryFiles: files.mapValues { ($0.name, Array($0.bytes.utf8)) }, csrf: csrf)
    }

    /// ``uploadForm(_:fields:files:csrf:)`` with files given as bytes.
    func uploadForm(
        _ path: String, fields: [String: String], binaryFiles files: [String: (name: String, bytes: [UInt8])],
        csrf: String? = nil
    ) async throws -> Page {
        let boundary = "----lethe-test-\(UUID().uuidString)"
        var fields = fields
        let token = csrf ?? self.csrf
        if !token.isEmpty { fields["csrf"] = token }
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, file) in files.sorted(by: { $0.key < $1.key }) {
            body += Array(
                ("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(file.name)\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try await send(
            .post, path, body: ByteBuffer(bytes: body), contentType: "multipart/form-data; boundary=\(boundary)")
    }

    func send(_ method: HTTPRequest.Method, _ path: String, form: [String: String]?) async throws -> Page {
        var body: ByteBuffer?
        if let form {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            body = ByteBuffer(
                string: form.map {
                    "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
                }.joined(separator: "&"))
        }
        return try await send(
            method, path, body: body, contentType: form == nil ? nil : "application/x-www-form-urlencoded")
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, body: ByteBuffer?, contentType: String?
    ) async throws -> Page {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: "; ")
        }
        if let contentType { headers[.contentType] = contentType }
        let page = try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
        for header in page.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            cookies[String(pair[0])] = pair[1].isEmpty ? nil : String(pair[1])
        }
        if let range = page.body.range(of: #"name="csrf" value=""#) {
            csrf = String(page.body[range.upperBound...].prefix { $0 != "\"" })
        }
        return page
    }
}
