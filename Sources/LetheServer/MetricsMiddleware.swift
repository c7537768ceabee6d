import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Counts and times every request by route pattern and status, and logs one line for it with
/// the request id, method, route pattern, status and duration: never the path or query (an
/// asset tag, a token pasted by mistake), never a header.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext
    let metrics: ServiceMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        var status: Int
        do {
            response = try await next(request, context)
            status = response.status.code
        } catch {
            status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, since: start)
            throw error
        }
        record(request, context, status: status, since: start)
        return response
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let nanoseconds =
            UInt64(elapsed.components.seconds) * 1_000_000_000
            + UInt64(elapsed.components.attoseconds / 1_000_000_000)
        // The matched route's pattern (`/api/v1/assets/{tag}`), never the path itself.
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(method: request.method.rawValue, route: route, status: status, nanoseconds: nanoseconds)
        context.logger.log(
            level: status >= 500 ? .error : .info, "request",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.route": "\(route)", "http.status": "\(status)",
                "http.duration_ms": "\(nanoseconds / 1_000_000)",
            ])
    }
}

/// Caps request bodies at the configured size: a declared `Content-Length` over it is 413 at
/// once, and decoding a body stops at it (the context's upload limit). CSV imports (`text/csv`)
/// are streamed by their routes under a cap of their own, and are left to it.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext
    let maxBytes: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let streamed = request.headers[.contentType]?.lowercased().hasPrefix("text/csv") ?? false
        if !streamed, let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes {
            throw HTTPError(.contentTooLarge)
        }
        var context = context
        context.maxUploadSize = maxBytes
        return try await next(request, context)
    }
}
