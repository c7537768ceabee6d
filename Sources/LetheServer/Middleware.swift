import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import Logging

/// Turns every error into an RFC 9457 problem, and logs server faults with the request id.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as LetheError {
            let problem = Problem(error)
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["error.code": "\(error.code.rawValue)"])
            }
            var headers: HTTPFields = [:]
            if error.code == .unauthenticated { headers[.wwwAuthenticate] = #"Bearer realm="lethe""# }
            return problem.response(headers: headers)
        } catch let error as any HTTPResponseError {
            let code: String =
                switch error.status {
                case .notFound: "not-found"
                case .contentTooLarge: "too-large"
                case .requestTimeout: "too-slow"
                case .methodNotAllowed: "method-not-allowed"
                case .tooManyRequests: "too-many-requests"
                case .badRequest: "usage"
                default: error.status.code < 500 ? "bad-request" : "internal"
                }
            let detail =
                switch error.status {
                case .notFound:
                    "there is no such route: \(request.method) \(request.uri.path); see /api/v1/openapi.json"
                case .contentTooLarge:
                    // A route's own cap says which (an import's, an upload's); else the server's.
                    (error as? HTTPError)?.body
                        ?? "the request body is larger than the server accepts (lethe serve --max-body)"
                case .badRequest:
                    "the request is not what this route takes (\((error as? HTTPError)?.body ?? "malformed")); see /api/v1/openapi.json"
                default: (error as? HTTPError)?.body ?? error.status.reasonPhrase
                }
            return Problem(status: error.status, code: code, detail: detail).response(
                headers: (error as? HTTPError)?.headers ?? [:])
        } catch is DecodingError {
            return Problem(
                status: .badRequest, code: "usage",
                detail: "the request body is not the JSON this route takes; see /api/v1/openapi.json"
            ).response()
        } catch {
            context.logger.error("request failed with an unexpected error")
            return Problem(
                status: .internalServerError, code: "internal", detail: "an unexpected error; see the server log"
            )
            .response()
        }
    }
}

/// Headers on every response: no sniffing, no framing, no referrer, and no caching of API data.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.xRequestID] = context.id
        return response
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xRequestID = Self("X-Request-ID")!
}

/// Authenticates every request it guards with `Authorization: Bearer TOKEN`: the principal goes
/// into the context, or the request ends with 401 (429 once a source has failed too often).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext
    let users: UserService
    let limiter: AuthFailureLimiter

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // A valid token is always served: with 256-bit secrets there is nothing to guess, and
        // behind a reverse proxy every client shares one address. Failures are what is limited:
        // past the limit a source's failed attempts get 429 instead of 401.
        guard let header = request.headers[.authorization], let token = Self.bearerToken(header) else {
            throw await failure(
                context,
                LetheError(.unauthenticated, "this request needs an API token: send 'Authorization: Bearer TOKEN'"))
        }
        let principal: Principal
        do {
            principal = try await users.authenticate(token: token)
        } catch {
            guard error.code == .unauthenticated else { throw error }
            throw await failure(context, error)
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer TOKEN` header (the scheme in any case, spaces and
    /// tabs around the token ignored), or nil for any other header. Read on every request, so
    /// without Foundation's string machinery.
    static func bearerToken(_ header: String) -> String? {
        let scheme = "bearer ".utf8
        let bytes = header.utf8
        // ASCII letters in either case; every other byte exactly.
        func matches(_ byte: UInt8, _ expected: UInt8) -> Bool {
            byte == expected || (expected >= 0x61 && expected <= 0x7A && byte == expected - 0x20)
        }
        guard bytes.count >= scheme.count, zip(bytes.prefix(scheme.count), scheme).allSatisfy(matches) else {
            return nil
        }
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        let rest = bytes.dropFirst(scheme.count)
        guard let first = rest.firstIndex(where: { !isBlank($0) }),
            let last = rest.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(Substring(header.utf8[first...last]))
    }
}

extension AuthenticationMiddleware {
    /// Records a failed authentication and returns what to answer: the error (401), or 429 with
    /// `Retry-After` once the source has failed too often in the last minute.
    func failure(_ context: Context, _ error: LetheError) async -> any Error {
        await limiter.recordFailure(context.source)
        guard let retry = await limiter.blockedFor(context.source) else { return error }
        var headers: HTTPFields = [:]
        headers[.retryAfter] = "\(retry)"
        return HTTPError(
            .tooManyRequests, headers: headers,
            message: "too many failed authentications from this address; try again in \(retry) seconds")
    }
}

/// Counts failed authentications per source address over a sliding minute.
actor AuthFailureLimiter {
    private let limit: Int
    private let window: TimeInterval = 60
    private let clock: @Sendable () -> Date
    private var failures: [String: [Date]] = [:]

    init(limit: Int, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.limit = limit
        self.clock = clock
    }

    /// Records one failure.
    func recordFailure(_ source: String) {
        let now = clock()
        var recent = failures[source, default: []].filter { now.timeIntervalSince($0) < window }
        recent.append(now)
        failures[source] = recent
        if failures.count > 10_000 {
            // Forget sources whose last failure is older than the window.
            failures = failures.filter { now.timeIntervalSince($0.value.last ?? .distantPast) < window }
        }
    }

    /// Seconds until the source may try again, or nil when it may now.
    func blockedFor(_ source: String) -> Int? {
        let now = clock()
        let recent = failures[source, default: []].filter { now.timeIntervalSince($0) < window }
        failures[source] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
    }
}
