import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheServer
import Logging

/// `lethe serve`: the HTTP API.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Lethe's HTTP API (JSON under /api/v1) on this data directory.",
        discussion: """
            Listens on 127.0.0.1:8080 by default ($LETHE_HOST, $LETHE_PORT). Every /api/v1 request needs \
            'Authorization: Bearer TOKEN' (see 'lethe user' and 'lethe token'); /healthz and /readyz are open. \
            On a data directory with no users, creates 'admin' and prints its API token and console password \
            once, on standard error. SIGTERM or Ctrl-C stops it after the requests in flight. A non-loopback \
            address is refused unless --insecure-http says a TLS-terminating reverse proxy sits in front. \
            See docs/api.md.
            """)

    @Option(help: "The address to listen on (default: $LETHE_HOST, else 127.0.0.1).") var host: String?
    @Option(help: "The port (default: $LETHE_PORT, else 8080; 0 picks a free one).") var port: Int?
    @Flag(help: "Serve plain HTTP on a non-loopback address, behind a TLS-terminating reverse proxy.")
    var insecureHTTP = false
    @OptionGroup var write: WriteOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "lethe.serve")
        logger.logLevel = environment["LETHE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let ready = Prepared()
        try await reporting { () async throws(LetheError) in
            let configuration = ServerConfiguration(
                host: self.host ?? environment["LETHE_HOST"] ?? "127.0.0.1", port: try resolvedPort(environment),
                insecureHTTP: insecureHTTP)
            try configuration.validate()
            let app = try global.openApp(creating: true)
            if let first = try await LetheServer.bootstrapAdmin(app: app, by: try write.principal()) {
                Output.standardError(
                    """
                    lethe: no users yet: created 'admin' (role admin). Shown once, keep them safe:
                      API token:        \(first.token)
                      console password: \(first.password)
                    Add people with: curl -H "Authorization: Bearer $TOKEN" …/api/v1/users, or 'lethe user add'.
                    """)
            }
            ready.set(app, configuration)
        }
        guard let (app, configuration) = ready.value else { return }
        let address = configuration.host
        try await LetheServer.run(app: app, configuration: configuration, logger: logger) { port in
            Output.standardError("lethe: serving http://\(address):\(port)/ (Ctrl-C stops)")
        }
    }
}

extension Serve {
    /// --port, else $LETHE_PORT, else 8080.
    func resolvedPort(_ environment: [String: String]) throws(LetheError) -> Int {
        if let port { return port }
        guard let text = environment["LETHE_PORT"] else { return 8080 }
        guard let value = Int(text) else { throw LetheError(.usage, "LETHE_PORT \(Quoted(text)) is not a port number") }
        return value
    }
}

/// What `serve` prepared before it starts listening, handed out of the error-reporting closure.
private final class Prepared: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (LetheApp, ServerConfiguration)?

    func set(_ app: LetheApp, _ configuration: ServerConfiguration) { lock.withLock { stored = (app, configuration) } }
    var value: (LetheApp, ServerConfiguration)? { lock.withLock { stored } }
}
