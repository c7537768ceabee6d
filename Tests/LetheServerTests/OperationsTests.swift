import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheServer
import LetheTestSupport
import Logging
import NIOCore
import Testing
import X509

/// Operations: Prometheus metrics by route pattern, readiness with migrations, the request body
/// limit, and HTTPS with a certificate and a private key file.
@Suite struct OperationsTests {
    let installation: TestInstallation
    let adminToken: String

    init() async throws {
        installation = try TestInstallation()
        let local = try Principal.localOperator("operator")
        adminToken = try #require(try await LetheServer.bootstrapAdmin(app: installation.app, by: local)).token
    }

    func application(
        _ configuration: ServerConfiguration = ServerConfiguration(port: 0, scheduleInterval: nil)
    )
        throws -> some ApplicationProtocol
    {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try LetheServer.application(app: installation.app, configuration: configuration, logger: logger)
    }

    var bearer: HTTPFields { [.authorization: "Bearer \(adminToken)"] }

    @Test func metricsAreOpenCountRequestsByRoutePatternAndShowTheInstallation() async throws {
        // Given a retired laptop, a scheduler run, and a few requests
        try installation.app.registerAsset(
            AssetFields(tag: "LAP-9", serial: "SN9", mediaType: "laptop", classification: "moderate"), actor: "it")
        _ = try installation.app.retireAsset(tag: "LAP-9", actor: "it")
        _ = try await installation.app.scheduler.run(
            policies: try LetheApp.loadPolicies(PolicyFiles.embeddedDefault), by: .scheduler)
        try await application().test(.router) { [bearer, adminToken] client in
            for _ in 1...3 {
                try await client.execute(uri: "/api/v1/whoami", method: .get, headers: bearer) {
                    #expect($0.status == .ok)
                }
            }
            try await client.execute(uri: "/api/v1/tokens/424242/revoke", method: .post, headers: bearer) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/whoami", method: .get) { #expect($0.status == .unauthorized) }
            // When Prometheus scrapes, without credentials
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return String(buffer: response.body)
            }
            // Then requests are counted by route pattern and status, never by path
            #expect(text.contains(#"lethe_http_requests_total{method="GET",route="/api/v1/whoami",status="200"} 3"#))
            #expect(text.contains(#"lethe_http_requests_total{method="GET",route="/api/v1/whoami",status="401"} 1"#))
            #expect(text.contains(#"route="/api/v1/tokens/{id}/revoke",status="404"}"#), "\(text)")
            #expect(!text.contains("tokens/424242"))
            #expect(text.contains("lethe_http_request_duration_seconds_bucket{"))
            // and the installation's gauges are there
            #expect(text.contains(#"lethe_jobs{state="scheduled"} 1.0"#), "\(text)")
            #expect(text.contains("lethe_overdue_jobs 0.0"))
            #expect(text.contains("lethe_erasure_requests_past_due 0.0"))
            #expect(text.contains(#"lethe_scheduler_last_run_outcome{outcome="ok"} 1.0"#))
            #expect(text.contains(#"lethe_scheduler_last_run_outcome{outcome="failed"} 0.0"#))
            #expect(!text.contains(adminToken))
            #expect(!text.contains("LAP-9"))
        }
    }

    @Test func readinessNeedsTheMigrationsOfThisVersion() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
        // Given a database migrated by a newer version
        try installation.rawSQL("INSERT INTO grdb_migrations (identifier) VALUES ('from-a-newer-lethe')")
        try await application().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("not-ready"))
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        let configuration = ServerConfiguration(port: 0, maxBodyBytes: 1024, scheduleInterval: nil)
        try await application(configuration).test(.router) { [bearer] client in
            let big = ByteBuffer(string: #"{"name":""# + String(repeating: "x", count: 2000) + #"","roles":[]}"#)
            try await client.execute(uri: "/api/v1/users", method: .post, headers: bearer, body: big) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains("too-large"))
            }
            let names = try await installation.app.users.list(by: .local("operator")).map(\.name)
            #expect(names == ["admin"])
            // A CSV import is streamed under its route's own cap: not refused by this limit
            let csv = ByteBuffer(string: "tag,media_type\n" + String(repeating: "T-1,laptop\n", count: 200))
            try await client.execute(
                uri: "/api/v1/assets/import", method: .post,
                headers: [.authorization: bearer[.authorization]!, .contentType: "text/csv"], body: csv
            ) { #expect($0.status == .forbidden) }
        }
        #expect(throws: LetheError.self) { try ServerConfiguration(maxBodyBytes: 10).validate() }
    }

    @Test func httpsServesWithACertificateAndRefusesAKeyOthersCanRead() async throws {
        // Given a throwaway certificate for localhost and its key, mode 0600
        let directory = TemporaryDirectory("lethe-tls")
        let (certificate, key) = try Self.throwawayCertificate()
        let certificatePath = directory.write("cert.pem", certificate)
        let keyPath = directory.write("key.pem", key)
        #expect(chmod(keyPath, 0o600) == 0)
        var configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, tlsCertificatePath: certificatePath, tlsKeyPath: keyPath,
            scheduleInterval: nil)
        // When a client asks over HTTPS
        try await application(configuration).test(.ahc(.https)) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("alive"))
            }
        }
        // And with TLS a non-loopback address needs no --insecure-http
        configuration.host = "0.0.0.0"
        try configuration.validate()
        // But a key file others can read is refused before anything listens
        #expect(chmod(keyPath, 0o644) == 0)
        let refused = #expect(throws: LetheError.self) { try application(configuration) }
        #expect(refused?.code == .permission)
        // And a certificate without a key is a usage error
        #expect(throws: LetheError.self) {
            try ServerConfiguration(tlsCertificatePath: certificatePath).validate()
        }
    }

    /// A self-signed P-256 certificate for localhost, valid for an hour, and its key, in PEM.
    static func throwawayCertificate() throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("localhost") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName("localhost")]) },
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }
}
