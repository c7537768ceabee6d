import Foundation
import Hummingbird
import Lethe
import LetheCore

extension ConsoleRoutes {
    /// The sign-in form, with a fresh CSRF token in a short-lived cookie (there is no session yet).
    func signInPage(_ request: Request, error: String? = nil, name: String = "") async throws -> Response {
        if await currentSession(request) != nil { return Self.redirect("/console/") }
        return signInForm(error: error, name: name, status: .ok)
    }

    func signInForm(error: String?, name: String, status: HTTPResponse.Status) -> Response {
        let token = ConsoleSessions.randomToken()
        var values: [String: Any] = ["csrf": token, "name": name]
        if let error { values["error"] = error }
        var response = Self.html("signin", values, title: "Sign in", view: nil, status: status)
        response.setCookie(cookie(Self.signInCookie, token, maxAge: 3600))
        return response
    }

    /// Checks a user name and password; a session on success, the form again with one message for
    /// every failure, and a growing wait after repeated failures from one address or for one name.
    func signIn(_ request: Request, context: LetheRequestContext) async throws -> Response {
        let form = try await ConsoleForm(request, context: context)
        let name = form["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard let expected = request.cookies[Self.signInCookie]?.value,
            ConsoleSessions.constantTimeEqual(form["csrf"] ?? "", expected)
        else {
            return signInForm(
                error: "The sign-in form had expired or came from another page; please try again.", name: name,
                status: .forbidden)
        }
        let keys = ["source:\(context.source)", "user:\(name.lowercased())"]
        if let wait = await backoff.wait(keys) {
            return signInForm(
                error: "Too many failed sign-ins. Try again in \(wait) seconds.", name: name, status: .tooManyRequests)
        }
        let principal: Principal
        switch await authenticate(name: name, password: form["password"] ?? "") {
        case .success(let signedIn): principal = signedIn
        case .failure(let error):
            guard error.code == .unauthenticated else { throw error }
            await backoff.fail(keys)
            return signInForm(error: "The user name or password is not right.", name: name, status: .unauthorized)
        }
        await backoff.succeed(keys)
        let (id, _) = await sessions.start(principal)
        var response = Self.redirect("/console/")
        response.setCookie(cookie(Self.sessionCookie, id))
        response.setCookie(cookie(Self.signInCookie, "", maxAge: 0))
        context.logger.info("console sign-in", metadata: ["principal": .string(principal.name)])
        return response
    }

    private func authenticate(name: String, password: String) async -> Result<Principal, LetheError> {
        do { return .success(try await app.users.authenticate(name: name, password: password)) } catch {
            return .failure(error)
        }
    }

    /// Ends the session (a form with the session's CSRF token, so no other site can sign you out).
    func signOut(_ request: Request, context: LetheRequestContext) async throws -> Response {
        guard let (id, session) = await currentSession(request) else { return Self.redirect("/console/signin") }
        let form = try await ConsoleForm(request, context: context)
        guard ConsoleSessions.constantTimeEqual(form["csrf"] ?? "", session.csrfToken) else {
            throw LetheError(.forbidden, "the form was not sent from this session's page (CSRF check); reload the page")
        }
        await sessions.end(id)
        var response = Self.redirect("/console/signin")
        response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
        return response
    }
}

/// The console's headers on every console response, and errors rendered as pages.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext
    let console: ConsoleRoutes

    /// Only the console's own stylesheet and script; no inline script, no framing, forms only to itself.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
        + "base-uri 'none'; frame-ancestors 'none'"

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard ConsoleRoutes.serves(request.uri.path) else { return try await next(request, context) }
        var response: Response
        do {
            response = try await next(request, context)
            // A path no console route serves reaches the router's not-found responder, inside the
            // API's middleware, and comes back as its JSON problem: show the console's page instead.
            if response.status == .notFound || response.status == .methodNotAllowed,
                response.headers[.contentType]?.hasPrefix("text/html") != true
            {
                response = await errorPage(HTTPError(response.status), request: request, context: context)
            }
        } catch {
            response = await errorPage(error, request: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.xRequestID] = context.id
        return response
    }

    func errorPage(_ error: any Error, request: Request, context: Context) async -> Response {
        let status: HTTPResponse.Status
        let message: String
        // Which field was wrong and why (an invalid registration's "a field is invalid" alone
        // left the user guessing; the API names them too).
        var problems: [String] = []
        switch error {
        case let error as LetheError:
            status = Problem.status(for: error.code)
            message = error.message
            problems = error.details
            if status.code >= 500 {
                context.logger.error("console request failed", metadata: ["error.code": "\(error.code.rawValue)"])
            }
        case let error as any HTTPResponseError:
            status = error.status
            message =
                status == .notFound
                ? "There is no such page." : status == .contentTooLarge ? "The form is too large." : status.reasonPhrase
        default:
            context.logger.error("console request failed with an unexpected error")
            status = .internalServerError
            message = "An unexpected error; see the server log."
        }
        let session = await console.currentSession(request)
        let view = session.map { ConsoleView(principal: $0.session.principal, csrf: $0.session.csrfToken) }
        let heading =
            switch status {
            case .forbidden: "Not allowed"
            case .unauthorized: "Signed out"
            case .notFound: "Not found"
            default: "Could not do that"
            }
        var values: [String: Any] = [
            "heading": heading, "message": message, "problems": problems, "hasProblems": !problems.isEmpty,
        ]
        switch status {
        case .forbidden:
            values["hint"] =
                view.map {
                    "You are signed in as \($0.principal.name) with the roles \($0.user["roles"] as? String ?? ""). Nothing was changed. If your work needs this, ask an administrator for the role, or ask a colleague who holds it."
                } ?? "Nothing was changed."
        case .notFound:
            values["hint"] =
                "The address may be mistyped, or the item may have been removed. Use the menu above to find it."
            values["notFound"] = true
        default: break
        }
        return ConsoleRoutes.html("error", values, title: heading, view: view, status: status)
    }
}
