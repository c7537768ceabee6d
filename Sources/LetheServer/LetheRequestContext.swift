import Hummingbird
import LetheCore
import NIOCore

/// The context of every request: who made it (once authenticated) and from where.
public struct LetheRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated principal; nil before authentication and on the open routes.
    public var principal: Principal?
    /// The client's address without its port, for rate limits (never logged with a token): the
    /// peer's, or the one a trusted reverse proxy forwarded (``ClientAddressMiddleware``).
    public internal(set) var source: String
    /// The largest body a route collects or decodes (`--max-body`; set by the body-limit middleware).
    public var maxUploadSize: Int = ServerConfiguration.defaultMaxBodyBytes
    /// The request's connection: a download that the client stops taking closes it.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        self.source = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The principal, or `unauthenticated` when the route was reached without one (a bug: every
    /// API route sits behind ``AuthenticationMiddleware``).
    public func requirePrincipal() throws(LetheError) -> Principal {
        guard let principal else { throw LetheError(.unauthenticated, "this request needs an API token") }
        return principal
    }
}
