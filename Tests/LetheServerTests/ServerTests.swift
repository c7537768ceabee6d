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

/// The service's edge: authentication, problems, headers and the user and token routes, through
/// Hummingbird's router test client on a real installation.
@Suite struct ServerTests {
    let installation: TestInstallation
    let adminToken: String

    init() async throws {
        installation = try TestInstallation()
        let local = try Principal.localOperator("operator")
        adminToken = try #require(try await LetheServer.bootstrapAdmin(app: installation.app, by: local)).token
    }

    func application(limit: Int = 10) throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try LetheServer.application(
            app: installation.app,
            configuration: ServerConfiguration(port: 0, authFailuresPerMinute: limit), logger: logger)
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONEncoder().encode(value))
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test func healthIsOpenAndTheAPINeedsAToken() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.xContentTypeOptionsTest] == "nosniff")
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/users", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="lethe""#)
                let problem = try Self.object(response)
                #expect(problem["code"] as? String == "unauthenticated")
            }
            try await client.execute(uri: "/api/v1/whoami", method: .get, headers: Self.bearer("lethe_1_AAAA")) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func anAdminAddsAUserWithAPasswordOrIsToldWhyNot() async throws {
        try await application().test(.router) { [adminToken, installation] client in
            // Given a password too short: 422 naming the rule, and no user
            try await client.execute(
                uri: "/api/v1/users", method: .post, headers: Self.bearer(adminToken),
                body: try Self.json(
                    ["name": "ivy", "roles": ["it-staff"], "password": "too short"] as [String: AnyCodable])
            ) { response in
                #expect(response.status == .unprocessableContent)
                let problem = try Self.object(response)
                #expect((problem["detail"] as? String)?.contains("12 to 1,024 characters") == true)
            }
            #expect(try await installation.app.users.list(by: try .localOperator("operator")).map(\.name) == ["admin"])
            // When it is long enough, the user is added with it and can sign in to the console
            let password = "correct horse battery staple"
            try await client.execute(
                uri: "/api/v1/users", method: .post, headers: Self.bearer(adminToken),
                body: try Self.json(
                    ["name": "ivy", "roles": ["it-staff"], "password": .string(password)] as [String: AnyCodable])
            ) { response in
                #expect(response.status == .created)
                let added = try Self.object(response)
                #expect((added["user"] as? [String: Any])?["has_password"] as? Bool == true)
            }
            let principal = try await installation.app.users.authenticate(name: "ivy", password: password)
            #expect(principal.name == "ivy")
        }
    }

    @Test func anAdminAddsAUserWhoseTokenIsThenTheActor() async throws {
        try await application().test(.router) { [adminToken] client in
            // Given the admin adds an IT staff member over the API
            let added = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: Self.bearer(adminToken),
                body: try Self.json(["name": "ivy", "roles": ["it-staff"]] as [String: AnyCodable])
            ) { response in
                #expect(response.status == .created)
                return try Self.object(response)
            }
            let token = try #require((added["token"] as? [String: Any])?["secret"] as? String)
            // Then her token says who she is and what she may do
            try await client.execute(uri: "/api/v1/whoami", method: .get, headers: Self.bearer(token)) { response in
                let me = try Self.object(response)
                #expect(me["name"] as? String == "ivy")
                #expect(me["roles"] as? [String] == ["it-staff"])
                #expect((me["actions"] as? [String])?.contains("asset.register") == true)
                #expect((me["actions"] as? [String])?.contains("user.manage") == false)
            }
            // And she cannot add users: 403 with the roles it needs, and nothing changed
            try await client.execute(
                uri: "/api/v1/users", method: .post, headers: Self.bearer(token),
                body: try Self.json(["name": "mallory", "roles": ["admin"]] as [String: AnyCodable])
            ) { response in
                #expect(response.status == .forbidden)
                let problem = try Self.object(response)
                #expect(problem["code"] as? String == "forbidden")
                #expect((problem["detail"] as? String)?.contains("admin") == true)
            }
            let names = try await client.execute(uri: "/api/v1/users", method: .get, headers: Self.bearer(adminToken)) {
                ((try Self.object($0)["users"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
            }
            #expect(names == ["admin", "ivy"])
            // A revoked token stops at once
            let id = try #require(((added["token"] as? [String: Any])?["token"] as? [String: Any])?["id"] as? Int)
            try await client.execute(
                uri: "/api/v1/tokens/\(id)/revoke", method: .post, headers: Self.bearer(adminToken)
            ) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/whoami", method: .get, headers: Self.bearer(token)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func badBodiesAreProblemsAndRepeatedFailuresAreRateLimited() async throws {
        try await application(limit: 3).test(.router) { [adminToken] client in
            try await client.execute(
                uri: "/api/v1/users", method: .post, headers: Self.bearer(adminToken), body: ByteBuffer(string: "{nope")
            ) { response in
                #expect(response.status == .badRequest)
                let problem = try Self.object(response)
                #expect(problem["code"] as? String == "usage")
            }
            try await client.execute(
                uri: "/api/v1/users", method: .post, headers: Self.bearer(adminToken),
                body: try Self.json(["name": "ivy", "roles": ["operator"]] as [String: AnyCodable])
            ) { response in
                #expect(response.status == .unprocessableContent)
                let problem = try Self.object(response)
                #expect((problem["detail"] as? String)?.contains("it-staff") == true, "\(problem)")
            }
            try await client.execute(uri: "/api/v1/nothing-here", method: .get, headers: Self.bearer(adminToken)) {
                #expect($0.status == .notFound)
            }
            for _ in 1...2 {
                try await client.execute(uri: "/api/v1/whoami", method: .get, headers: Self.bearer("wrong")) {
                    #expect($0.status == .unauthorized)
                }
            }
            // The third failure in a minute from the same source, and every one after it, is 429
            for _ in 1...2 {
                try await client.execute(uri: "/api/v1/whoami", method: .get, headers: Self.bearer("wrong")) {
                    response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.retryAfter] != nil)
                }
            }
            // while a valid token is still served: behind a proxy, every client shares the address
            try await client.execute(uri: "/api/v1/whoami", method: .get, headers: Self.bearer(adminToken)) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func aNonLoopbackAddressNeedsAnExplicitChoice() throws {
        #expect(throws: LetheError.self) { try ServerConfiguration(host: "0.0.0.0").validate() }
        try ServerConfiguration(host: "0.0.0.0", insecureHTTP: true).validate()
        try ServerConfiguration(host: "127.0.0.1").validate()
        #expect(throws: LetheError.self) { try ServerConfiguration(port: 70_000).validate() }
    }

    @Test func bootstrapHappensOnceAndItsPasswordSignsIn() async throws {
        let local = try Principal.localOperator("operator")
        #expect(try await LetheServer.bootstrapAdmin(app: installation.app, by: local) == nil)
        let principal = try await installation.app.users.authenticate(token: adminToken)
        #expect(principal.name == "admin" && principal.roles == [.admin])
    }
}

/// A JSON value for request bodies in tests.
enum AnyCodable: Encodable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    case string(String), strings([String])
    init(stringLiteral value: String) { self = .string(value) }
    init(arrayLiteral elements: String...) { self = .strings(elements) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        }
    }
}

extension HTTPField.Name {
    static let xContentTypeOptionsTest = Self("X-Content-Type-Options")!
}
