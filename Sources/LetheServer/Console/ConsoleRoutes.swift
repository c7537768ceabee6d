import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import NIOCore

/// The web console under `/console`: server-rendered pages over the same use cases and
/// authorization table as the CLI and the API, signed in with a user name and password.
///
/// Mounted before the API's middleware, so its pages carry their own headers (a CSP that lets the
/// console load its own stylesheet and script, and nothing else) and render errors as pages.
public struct ConsoleRoutes: Sendable {
    let app: LetheApp
    let sessions: ConsoleSessions
    let backoff: SignInBackoff
    /// Whether cookies carry `Secure` (the service is reached over TLS, itself or behind a proxy).
    let secureCookies: Bool

    /// The session cookie's name.
    static let sessionCookie = "lethe_session"
    /// The cookie holding the sign-in form's CSRF token, before there is a session.
    static let signInCookie = "lethe_signin"
    /// The largest form body the console reads.
    static let maxFormBytes = 1 << 20

    /// Creates the console over an application; `secureCookies` when browsers reach it over TLS.
    public init(app: LetheApp, secureCookies: Bool) {
        self.init(app: app, secureCookies: secureCookies, sessions: ConsoleSessions(), backoff: SignInBackoff())
    }

    init(app: LetheApp, secureCookies: Bool, sessions: ConsoleSessions, backoff: SignInBackoff) {
        self.app = app
        self.secureCookies = secureCookies
        self.sessions = sessions
        self.backoff = backoff
    }

    /// Whether a route path is the console's (its pages, and `/` redirecting to them).
    public static func serves(_ path: String) -> Bool {
        path == "/" || path == "/console" || path.hasPrefix("/console/")
    }

    /// Adds the console's routes (and `/` redirecting to it) to the router.
    public func add(to router: Router<LetheRequestContext>) {
        // On the router, not the group: it also sees the paths under /console that no route
        // serves, and renders them as the console's 404 page rather than the API's JSON.
        router.add(middleware: ConsoleMiddleware(console: self))
        router.on("/", method: .get) { _, _ in Self.redirect("/console/") }
        let console = router.group("console")
        console.get("static/console.css") { _, _ in Self.asset(ConsoleTemplates.css, type: "text/css; charset=utf-8") }
        console.get("static/console.js") { _, _ in
            Self.asset(ConsoleTemplates.javascript, type: "text/javascript; charset=utf-8")
        }
        console.get("static/icon.svg") { _, _ in Self.asset(ConsoleTemplates.icon, type: "image/svg+xml") }
        console.get("signin") { request, _ in try await signInPage(request) }
        console.post("signin") { request, context in try await signIn(request, context: context) }
        console.post("signout") { request, context in try await signOut(request, context: context) }
        console.get("") { request, _ in try await page(request) { view in try await dashboard(view) } }
        console.get("assets") { request, _ in
            try await page(request) { view in try await assetList(request, view: view) }
        }
        console.post("assets") { request, context in
            try await form(request, context: context) { view, form in try await register(form, view: view) }
        }
        console.get("jobs") { request, _ in try await page(request) { view in try await jobList(request, view: view) } }
        console.get("jobs/:id") { request, context in
            try await page(request) { view in try await jobPage(context.parameters.text("id"), view: view) }
        }
        console.post("jobs/:id/:verb") { request, context in
            try await jobForm(request, context: context)
        }
        console.get("certificates") { request, _ in
            try await page(request) { view in try await certificateList(request, view: view) }
        }
        console.get("certificates/:serial/record.html") { request, context in
            try await page(request) { view in
                try await certificateHTML(
                    context.parameters.text("serial"), view: view, logger: context.logger, connection: context.channel)
            }
        }
        console.get("certificates/:serial/bundle") { request, context in
            try await page(request) { view in
                try await certificateBundle(
                    context.parameters.text("serial"), view: view, logger: context.logger, connection: context.channel)
            }
        }
        console.post("certificates/:serial/revoke") { request, context in
            try await form(request, context: context) { view, form in
                try await revokeCertificate(context.parameters.text("serial"), form: form, view: view)
            }
        }
        console.get("data") { request, _ in try await page(request) { view in try await dataMap(view: view) } }
        console.get("erasure") { request, _ in try await page(request) { view in try await erasureList(view: view) } }
        console.post("erasure") { request, context in
            try await form(request, context: context) { view, form in try await fileErasure(form, view: view) }
        }
        console.get("erasure/:id") { request, context in
            try await page(request) { view in try await erasurePage(context.parameters.text("id"), view: view) }
        }
        console.post("erasure/:id/:verb") { request, context in try await erasureForm(request, context: context) }
        console.get("users") { request, _ in try await page(request) { view in try await usersPage(view: view) } }
        console.post("users") { request, context in
            try await form(request, context: context) { view, form in try await addUser(form, view: view) }
        }
        console.post("users/:name/:verb") { request, context in
            try await form(request, context: context) { view, form in
                try await userAction(
                    context.parameters.text("name"), verb: context.parameters.text("verb"), form: form, view: view)
            }
        }
        console.post("tokens") { request, context in
            try await form(request, context: context) { view, form in try await addToken(form, view: view) }
        }
        console.post("tokens/:id/revoke") { request, context in
            try await form(request, context: context) { view, _ in
                try await revokeToken(context.parameters.text("id"), view: view)
            }
        }
        console.get("reports") { request, _ in try await page(request) { view in try await reportList(view: view) } }
        console.post("reports") { request, context in
            try await form(request, context: context) { view, form in try await generateReport(form, view: view) }
        }
        console.get("reports/:serial/:format") { request, context in
            try await page(request) { view in
                try await downloadReport(
                    context.parameters.text("serial"), format: context.parameters.text("format"), view: view,
                    logger: context.logger, connection: context.channel)
            }
        }
        console.post("assets/import") { request, context in try await importAssets(request, context: context) }
        console.post("assets/retire-selected") { request, context in
            try await form(request, context: context) { view, form in
                try await retireSelected(request, form: form, view: view)
            }
        }
        console.get("assets/:tag") { request, context in
            try await page(request) { view in try await assetPage(context.parameters.text("tag"), view: view) }
        }
        console.post("assets/:tag/:verb") { request, context in
            try await form(request, context: context) { view, form in
                try await lifecycleAction(
                    context.parameters.text("tag"), verb: context.parameters.text("verb"), form: form, view: view)
            }
        }
    }
}

/// What every page of a signed-in user renders with: who they are and their session's CSRF token.
struct ConsoleView: Sendable {
    let principal: Principal
    let csrf: String

    /// The layout's `user` section.
    var user: [String: Any] {
        [
            "name": principal.name, "roles": principal.roles.map(\.rawValue).sorted().joined(separator: ", "),
            "csrf": csrf, "admin": may(.manageUsers), "reports": may(.readReports),
        ]
    }

    /// Whether the user's roles allow an action (what the page offers; the use case checks again).
    func may(_ action: Action) -> Bool { Authorization.allows(principal, action) }
}

extension ConsoleRoutes {
    /// A rendered page inside the layout.
    static func html(
        _ template: String, _ values: [String: Any], title: String, view: ConsoleView?, notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        if let view { values["csrf"] = view.csrf }
        let body = ConsoleTemplates.library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let view { layout["user"] = view.user }
        if let notice { layout["notice"] = notice }
        let text = ConsoleTemplates.library.render(layout, withTemplate: "layout") ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 See Other: after a form, the browser fetches the next page with GET.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "private, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The signed-in user's session, or nil.
    func currentSession(_ request: Request) async -> (id: String, session: ConsoleSessions.Session)? {
        guard let id = request.cookies[Self.sessionCookie]?.value, !id.isEmpty,
            var session = await sessions.session(id)
        else { return nil }
        // The user as they are now: a user disabled anywhere (API, command line) loses the session
        // on their next request, and the roles are today's.
        guard let principal = try? await app.users.sessionPrincipal(name: session.principal.name) else {
            await sessions.end(id)
            return nil
        }
        session.principal = principal
        return (id, session)
    }

    /// A GET page for a signed-in user; others are sent to sign in.
    func page(
        _ request: Request, _ render: (ConsoleView) async throws -> Response
    ) async throws -> Response {
        guard let (_, session) = await currentSession(request) else { return Self.redirect("/console/signin") }
        return try await render(ConsoleView(principal: session.principal, csrf: session.csrfToken))
    }

    /// A form post of a signed-in user, its CSRF token checked (in constant time) before anything.
    func form(
        _ request: Request, context: LetheRequestContext,
        _ handle: (ConsoleView, ConsoleForm) async throws -> Response
    ) async throws -> Response {
        guard let (_, session) = await currentSession(request) else {
            throw LetheError(.unauthenticated, "your session has ended; sign in again")
        }
        let form = try await ConsoleForm(request, context: context)
        guard ConsoleSessions.constantTimeEqual(form["csrf"] ?? "", session.csrfToken) else {
            throw LetheError(.forbidden, "the form was not sent from this session's page (CSRF check); reload the page")
        }
        return try await handle(ConsoleView(principal: session.principal, csrf: session.csrfToken), form)
    }

    /// A cookie with the console's attributes: HttpOnly, SameSite=Strict, Secure under TLS.
    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/console", secure: secureCookies, httpOnly: true,
            sameSite: .strict)
    }
}

/// An `application/x-www-form-urlencoded` body, read whole up to ``ConsoleRoutes/maxFormBytes``.
struct ConsoleForm: Sendable {
    private var values: [String: String] = [:]
    private var repeated: [String: [String]] = [:]

    init(_ request: Request, context: LetheRequestContext) async throws {
        let buffer = try await request.body.collect(upTo: ConsoleRoutes.maxFormBytes)
        self.init(encoded: String(buffer: buffer))
    }

    init(encoded text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if values[key] == nil { values[key] = value }
            repeated[key, default: []].append(value)
        }
    }

    /// The value of a field; nil when absent.
    subscript(_ name: String) -> String? { values[name] }

    /// Every value of a field sent several times (ticked checkboxes), in order.
    func all(_ name: String) -> [String] { repeated[name] ?? [] }

    /// The value of a field, nil when absent or blank.
    func nonEmpty(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }
}
