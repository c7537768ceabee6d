import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import Logging
import Testing

@testable import LetheServer

/// Behind a declared reverse proxy, limits count each client by the address the proxy forwarded;
/// from anyone else, X-Forwarded-For changes nothing.
@Suite struct ClientAddressTests {
    @Test func theClientIsTheRightMostForwardedAddressThatIsNotATrustedProxy() {
        let trusted: Set<String> = ["10.0.0.2", "10.0.0.3"]
        // A trusted proxy's header names the client; what the client wrote to its left is ignored
        #expect(
            ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["198.51.100.9, 203.0.113.7"], trusted: trusted)
                == "203.0.113.7")
        // Chained trusted proxies are skipped, over several header lines too
        #expect(
            ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["203.0.113.7", "10.0.0.3"], trusted: trusted)
                == "203.0.113.7")
        #expect(
            ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["2001:db8::7"], trusted: trusted) == "2001:db8::7")
        // (a dual-stack socket reports an IPv4 proxy as ::ffff:…: it is the same proxy)
        #expect(
            ClientAddress.resolve(peer: "::ffff:10.0.0.2", forwardedFor: ["203.0.113.7"], trusted: trusted)
                == "203.0.113.7")
        // Anything that is not an address ends what is believed: the peer stays the source
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["unknown"], trusted: trusted) == "10.0.0.2")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["1.2.3.4:80"], trusted: trusted) == "10.0.0.2")
        // A peer that is not a trusted proxy is believed about nothing
        #expect(
            ClientAddress.resolve(peer: "198.51.100.9", forwardedFor: ["203.0.113.7"], trusted: trusted)
                == "198.51.100.9")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: [], trusted: trusted) == "10.0.0.2")
    }

    @Test func aTrustedProxyMustBeGivenAsAnAddress() {
        var configuration = ServerConfiguration()
        configuration.trustedProxies = ["proxy.example.com"]
        #expect(throws: LetheError.self) { try configuration.validate() }
        configuration.trustedProxies = ["127.0.0.1", "::1"]
        #expect(throws: Never.self) { try configuration.validate() }
    }

    @Test func behindATrustedProxyOneClientsFailuresDoNotLockOutAnother() async throws {
        // Given the service behind a proxy on 127.0.0.1 (the test's client), three failures a minute, the third answered 429
        let server = try await TestServer()
        var configuration = ServerConfiguration(port: 0, authFailuresPerMinute: 3)
        configuration.trustedProxies = ["127.0.0.1"]
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let application = try LetheServer.application(app: server.app, configuration: configuration, logger: logger)
        try await application.test(.live) { client in
            func whoami(forwardedFor: String?) async throws -> HTTPResponse.Status {
                var headers: HTTPFields = [.authorization: "Bearer wrong"]
                if let forwardedFor { headers[.xForwardedFor] = forwardedFor }
                return try await client.execute(uri: "/api/v1/whoami", method: .get, headers: headers).status
            }
            // When one client fails past the limit
            var statuses: [HTTPResponse.Status] = []
            for _ in 1...3 { statuses.append(try await whoami(forwardedFor: "203.0.113.7")) }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests])
            // Then another client behind the same proxy is still answered 401, not 429
            let other = try await whoami(forwardedFor: "203.0.113.8")
            #expect(other == .unauthorized)
        }
    }

    @Test func withoutATrustedProxyForwardedAddressesAreIgnored() async throws {
        // Given the service with no trusted proxy
        let server = try await TestServer()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let application = try LetheServer.application(
            app: server.app, configuration: ServerConfiguration(port: 0, authFailuresPerMinute: 3), logger: logger)
        try await application.test(.live) { client in
            // When a client varies X-Forwarded-For to escape the limit
            for index in 1...3 {
                let status = try await client.execute(
                    uri: "/api/v1/whoami", method: .get,
                    headers: [.authorization: "Bearer wrong", .xForwardedFor: "203.0.113.\(index)"]
                ).status
                // Then its failures still count together
                #expect(status == (index <= 2 ? .unauthorized : .tooManyRequests))
            }
        }
    }
}
