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
    /// The address to count a request under. Addresses are compared in one spelling
    /// (``canonical(_:)``): a proxy given as `10.0.0.5` is the peer a
    /// dual-stack socket reports as `::ffff:10.0.0.5`.
    /// `trusted` holds the proxies in that spelling.
    static func resolve(peer: String, forwardedFor: [String], trusted: Set<String>) -> String {
        guard trusted.contains(canonical(peer)), !forwardedFor.isEmpty else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !trusted.contains(canonical(hop)) {
            // A hop that is not an address (a proxy's "unknown", garbage) ends what can be believed.
            return isIPAddress(hop) ? hop : peer
        }
        return peer
    }

    /// An address in one spelling: an IPv4 address that a dual-stack socket reports mapped into
    /// IPv6 (`::ffff:10.0.0.5`) as IPv4, an IPv6 address as `inet_ntop` writes it (a proxy given
    /// as `2001:DB8::1` is the peer `2001:db8::1`); anything else as it is.
    static func canonical(_ address: String) -> String {
        var v4 = in_addr()
        var v6 = in6_addr()
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if inet_pton(AF_INET, address, &v4) == 1, inet_ntop(AF_INET, &v4, &text, socklen_t(text.count)) != nil {
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        guard inet_ntop(AF_INET6, &v6, &text, socklen_t(text.count)) != nil else { return address }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
    /// The trusted proxies, spelt once as ``ClientAddress/canonical(_:)`` spells a peer.
    let trusted: Set<String>

    init(trusted: Set<String>) { self.trusted = Set(trusted.map(ClientAddress.canonical)) }

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
