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

/// The one route table against the router, the OpenAPI document and the authorization table.
@Suite struct RouteTableTests {
    /// Routes other parts of the service add outside the API's table (operations).
    static let outsideTheTable: Set<String> = ["GET /metrics"]

    static func key(_ method: HTTPRequest.Method, _ path: String) -> String { "\(method.rawValue) \(path)" }

    @Test func theRouterTheTableAndTheOpenAPIDocumentListTheSameRoutes() async throws {
        let installation = try TestInstallation()
        let router = LetheServer.router(app: installation.app, configuration: ServerConfiguration())
        // The web console's pages (under /console, and / redirecting there) are HTML, not API.
        let served = Set(
            router.routes.filter { !ConsoleRoutes.serves($0.path.description) }
                .map { Self.key($0.method, $0.path.description) }
        )
        .subtracting(Self.outsideTheTable)
        let table = APIRoute.all.map { Self.key($0.method, $0.openAPIPath) }
        #expect(Set(table).count == table.count, "a route is in the table twice")
        let document = try #require(
            try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(served.subtracting(documented).sorted() == [], "routes the OpenAPI document lacks")
        #expect(documented.subtracting(served).sorted() == [], "documented routes the router does not serve")
        #expect(Set(table) == documented)
    }

    @Test func theCommittedDocumentIsTheServedOne() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")
        if ProcessInfo.processInfo.environment["LETHE_UPDATE_OPENAPI"] == "1" {
            try (OpenAPIDocument.json + Data("\n".utf8)).write(to: file)
        }
        let committed = try Data(contentsOf: file)
        #expect(
            committed == OpenAPIDocument.json + Data("\n".utf8),
            "docs/openapi.json differs from the route table; regenerate with LETHE_UPDATE_OPENAPI=1 swift test --filter RouteTableTests"
        )
    }

    @Test func theDocumentIsServedOpenly() async throws {
        let server = try await TestServer()
        try await server.application().test(.router) { client in
            let response = try await client.send(.get, "/api/v1/openapi.json", token: nil)
            #expect(response.status == .ok)
            #expect(Data(buffer: response.raw) == OpenAPIDocument.json)
        }
    }

    /// A request to `route` with placeholder parameters and a minimal body: enough to pass the
    /// route's authorization, never enough to change anything that exists.
    static func probe(_ route: APIRoute) -> (uri: String, body: ByteBuffer?, headers: HTTPFields) {
        let path = route.path.split(separator: "/").map { segment -> String in
            guard segment.hasPrefix(":") else { return String(segment) }
            return segment == ":id" ? "999999" : "matrix-none"
        }
        let uri = "/" + path.joined(separator: "/")
        switch route.body {
        case .none: return (uri, nil, [:])
        case .json: return (uri, ByteBuffer(string: "{}"), [.contentType: "application/json"])
        case .csv: return (uri, ByteBuffer(string: "x\n"), [.contentType: "text/csv"])
        case .bytes: return (uri, ByteBuffer(string: "x"), [.contentType: "application/octet-stream"])
        }
    }

    @Test func everyRoleAgainstEveryRouteFollowsTheAuthorizationTable() async throws {
        let server = try await TestServer()
        try await server.application().test(.router) { client in
            var checked = 0
            for route in APIRoute.all where route.access != .open {
                let (uri, body, headers) = Self.probe(route)
                // Without credentials: 401, whatever the route
                let anonymous = try await client.send(route.method, uri, token: nil, body: body, headers: headers)
                #expect(anonymous.status == .unauthorized, "\(route.method) \(route.path) without a token")
                for role in TestServer.userRoles {
                    let response = try await client.send(
                        route.method, uri, token: server.token(role), body: body, headers: headers)
                    let allowed =
                        switch route.access {
                        case .open, .authenticated: true
                        case .action(let action): Authorization.roles(for: action).contains(role)
                        }
                    if allowed {
                        #expect(
                            response.status != .forbidden && response.status != .unauthorized,
                            "\(role.rawValue) may \(route.method) \(route.path) but got \(response.status): \(response.object)"
                        )
                        #expect(response.status.code < 500, "\(route.method) \(route.path): \(response.object)")
                    } else {
                        #expect(
                            response.status == .forbidden,
                            "\(role.rawValue) may not \(route.method) \(route.path) but got \(response.status)")
                        #expect(response.object["code"] as? String == "forbidden")
                    }
                    checked += 1
                }
            }
            #expect(checked == APIRoute.all.filter { $0.access != .open }.count * TestServer.userRoles.count)
        }
    }

    @Test func openRoutesNeedNoToken() async throws {
        let server = try await TestServer()
        try await server.application().test(.router) { client in
            for route in APIRoute.all where route.access == .open {
                let response = try await client.send(route.method, route.path, token: nil)
                #expect(response.status == .ok, "\(route.path)")
            }
        }
    }
}

extension RouteTableTests {
    @Test func docsAPIPrintsTheRouteTable() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/api.md")
        var text = try String(contentsOf: file, encoding: .utf8)
        let (begin, end) = ("<!-- routes:begin -->\n", "<!-- routes:end -->")
        let start = try #require(text.range(of: begin), "docs/api.md has no \(begin)")
        let stop = try #require(text.range(of: end, range: start.upperBound..<text.endIndex))
        if ProcessInfo.processInfo.environment["LETHE_UPDATE_DOCS"] == "1" {
            text.replaceSubrange(start.upperBound..<stop.lowerBound, with: APIRoute.markdownTable() + "\n")
            try text.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        #expect(
            String(text[start.upperBound..<stop.lowerBound]) == APIRoute.markdownTable() + "\n",
            "docs/api.md's route table differs; regenerate with LETHE_UPDATE_DOCS=1 swift test --filter RouteTableTests"
        )
    }
}

extension RouteTableTests {
    @Test func aReadOnlyTokenReadsEverythingItsRolesAllowAndWritesNothing() async throws {
        // Given a read-only token of a user who holds every role
        let server = try await TestServer()
        let local = try Principal.localOperator("operator")
        _ = try await server.app.users.add(name: "all", roles: Set(TestServer.userRoles), by: local)
        let token = try await server.app.users.addToken(user: "all", expiresIn: nil, readOnly: true, by: local).secret
        try await server.application().test(.router) { client in
            for route in APIRoute.all where route.access != .open {
                let (uri, body, headers) = Self.probe(route)
                let response = try await client.send(route.method, uri, token: token, body: body, headers: headers)
                // Then every read is served and every write is refused
                if let action = route.action, !action.isRead {
                    #expect(response.status == .forbidden, "\(route.method) \(route.path): \(response.status)")
                    #expect((response.object["detail"] as? String)?.contains("read-only") == true)
                } else {
                    #expect(response.status != .forbidden, "\(route.method) \(route.path): \(response.object)")
                }
            }
        }
    }
}
