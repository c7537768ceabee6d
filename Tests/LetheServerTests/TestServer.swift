import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import Logging
import NIOCore
import Testing

@testable import LetheServer

/// A real installation behind the real router, with a user (and token) per role, for route tests.
struct TestServer {
    let installation: TestInstallation
    /// The installation's application, with an organisation configured (records name it).
    let app: LetheApp
    /// The bootstrap admin's token.
    let adminToken: String
    /// A token per role, for users named after their role (`it-staff` …); the scheduler is the
    /// service's own identity and has no user.
    let tokens: [Role: String]

    init() async throws {
        installation = try TestInstallation()
        var app = installation.app
        app.settings[Settings.organization] = "Example Corp"
        self.app = app
        let local = try Principal.localOperator("operator")
        adminToken = try #require(try await LetheServer.bootstrapAdmin(app: installation.app, by: local)).token
        var tokens: [Role: String] = [.admin: adminToken]
        for role in Self.userRoles where role != .admin {
            tokens[role] = try await installation.app.users.add(name: role.rawValue, roles: [role], by: local).token
                .secret
        }
        self.tokens = tokens
    }

    /// The roles a user may hold.
    static let userRoles = Role.allCases.filter { $0 != .scheduler }

    /// The token of the user holding `role`.
    func token(_ role: Role) -> String { tokens[role]! }

    func application() throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try LetheServer.application(
            app: app, configuration: ServerConfiguration(port: 0, authFailuresPerMinute: 100_000), logger: logger)
    }

    static func bearer(_ token: String, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.authorization] = "Bearer \(token)"
        return fields
    }

    static func body(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any],
            "\(String(buffer: response.body))")
    }
}

extension TestClientProtocol {
    /// Sends a request and returns its status, its JSON object or array (empty when the body is
    /// not one) and its bytes.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String?, json: [String: Any]? = nil,
        body: ByteBuffer? = nil, headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, object: [String: Any], array: [[String: Any]], raw: ByteBuffer) {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        var payload = body
        if let json {
            payload = try TestServer.body(json)
            fields[.contentType] = "application/json"
        }
        return try await execute(uri: uri, method: method, headers: fields, body: payload) { response in
            let json = try? JSONSerialization.jsonObject(with: Data(buffer: response.body))
            return (response.status, json as? [String: Any] ?? [:], json as? [[String: Any]] ?? [], response.body)
        }
    }
}
