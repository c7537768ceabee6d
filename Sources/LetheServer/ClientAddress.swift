import Foundation
import HTTPTypes
import Hummingbird

/// Which address a request comes from, when a reverse proxy sits in front.
///
/// Behind a TLS-terminating proxy every request arrives from the proxy's address, so per-source
/// limits (failed authentications, console sign-in backoff) would count every client together. A
/// proxy declared with `--trusted-proxy` is believed about the client: the client is the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy (addresses to its left were
/// written by the client and prove nothing). A request from any other peer keeps the peer's
/// address, whatever headers it sends.
enum ClientAddress {
    /// The address to count a request under.
    static func resolve(peer: String, forwardedFor: [String], trusted: Set<String>) -> String {
        guard trusted.contains(peer), !forwardedFor.isEmpty else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !trusted.contains(hop) {
            // A hop that is not an address (a proxy's "unknown", garbage) ends what can be believed.
            return isIPAddress(hop) ? hop : peer
        }
        return peer
    }

    /// Whether the text is an IPv4 or IPv6 address (no port, no zone).
    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// Sets the request's ``LetheRequestContext/source`` from `X-Forwarded-For` when the peer is a
/// trusted proxy (see ``ClientAddress``). With no trusted proxy it does nothing.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext
    let trusted: Set<String>

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !trusted.isEmpty else { return try await next(request, context) }
        var context = context
        context.source = ClientAddress.resolve(
            peer: context.source, forwardedFor: request.headers[values: .xForwardedFor], trusted: trusted)
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
