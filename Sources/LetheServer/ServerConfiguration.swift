import Foundation
import LetheCore

/// How `lethe serve` listens and what it accepts. Flag > environment variable > default, read
/// once at the edge (the CLI); the server only uses the values.
public struct ServerConfiguration: Sendable, Hashable {
    /// The address to bind (`LETHE_HOST`, default 127.0.0.1).
    public var host: String
    /// The port (`LETHE_PORT`, default 8080; 0 picks a free one).
    public var port: Int
    /// Serve plain HTTP on a non-loopback address on purpose (behind a TLS-terminating proxy).
    public var insecureHTTP: Bool
    /// Failed authentications one source may make per minute before it gets 429 (default 10).
    public var authFailuresPerMinute: Int

    /// The defaults: loopback, port 8080, plain HTTP.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, insecureHTTP: Bool = false,
        authFailuresPerMinute: Int = 10
    ) {
        self.host = host
        self.port = port
        self.insecureHTTP = insecureHTTP
        self.authFailuresPerMinute = authFailuresPerMinute
    }

    /// Whether the host is a loopback address, which only this machine can reach.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Refuses settings that would expose tokens and passwords: a non-loopback address (this
    /// version serves plain HTTP only) unless `insecureHTTP` says a TLS-terminating reverse proxy
    /// sits in front; a port out of range.
    public func validate() throws(LetheError) {
        guard (0...65_535).contains(port) else { throw LetheError(.usage, "--port must be 0 to 65535 (got \(port))") }
        if !isLoopback, !insecureHTTP {
            throw LetheError(
                .usage,
                "serving \(host) in plain HTTP would send API tokens and passwords in clear text over the network; keep the default 127.0.0.1, or put a TLS-terminating reverse proxy in front and give --insecure-http (see docs/api.md)"
            )
        }
    }
}
