import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import NIOCore

/// A typed result as a JSON response, with the same encoder as the CLI's `--json`.
struct JSONResult<Value: Encodable & Sendable>: ResponseGenerator {
    var value: Value
    var status: HTTPResponse.Status = .ok

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try ResponseJSON.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The principal a token stands for, as `GET /api/v1/whoami` shows it.
struct WhoAmI: Codable, Sendable {
    var name: String
    var roles: [Role]
    var authentication: Principal.Authentication
    var readOnly: Bool
    /// The actions the principal may run, by name (what a client may offer).
    var actions: [Action]

    enum CodingKeys: String, CodingKey {
        case name, roles, authentication, actions
        case readOnly = "read_only"
    }
}

/// Users and tokens (`admin`), and who the caller is (anyone authenticated).
struct UserRoutes {
    let users: UserService

    struct AddUser: Decodable {
        var name: String
        var roles: [String]
        var password: String?
    }
    struct SetPassword: Decodable { var password: String }
    struct AddToken: Decodable {
        var user: String
        var expires: String?
        var readOnly: Bool?
        enum CodingKeys: String, CodingKey {
            case user, expires
            case readOnly = "read_only"
        }
    }

    func add(to api: RouterGroup<LetheRequestContext>) {
        api.on(.whoami) { _, _, principal in
            JSONResult(
                value: WhoAmI(
                    name: principal.name, roles: principal.roles.sorted(), authentication: principal.authentication,
                    readOnly: principal.readOnly,
                    actions: Action.allCases.filter { Authorization.allows(principal, $0) }))
        }
        api.on(.listUsers) { _, _, principal in
            JSONResult(value: ["users": try await users.list(by: principal)])
        }
        api.on(.addUser) { request, context, principal in
            let body = try await request.decode(as: AddUser.self, context: context)
            var roles: Set<Role> = []
            for name in body.roles {
                guard let role = Role(rawValue: name) else {
                    throw LetheError(
                        .invalidInput,
                        "roles: \(Quoted(name)) is not a role; use \(Role.allCases.filter { $0 != .scheduler }.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                roles.insert(role)
            }
            return JSONResult(
                value: try await users.add(name: body.name, roles: roles, password: body.password, by: principal),
                status: .created)
        }
        api.on(.disableUser) { _, context, principal in
            JSONResult(value: try await users.disable(name: context.parameters.text("name"), by: principal))
        }
        api.on(.setPassword) { request, context, principal in
            let body = try await request.decode(as: SetPassword.self, context: context)
            return JSONResult(
                value: try await users.setPassword(
                    name: context.parameters.text("name"), password: body.password, by: principal))
        }
        api.on(.listTokens) { request, _, principal in
            JSONResult(value: [
                "tokens": try await users.listTokens(user: request.uri.queryParameters.get("user"), by: principal)
            ])
        }
        api.on(.addToken) { request, context, principal in
            let body = try await request.decode(as: AddToken.self, context: context)
            var lifetime: ISODuration?
            if let text = body.expires {
                guard let parsed = ISODuration.parse(text) else {
                    throw LetheError(.usage, "expires \(Quoted(text)) is not an ISO 8601 duration such as P90D")
                }
                lifetime = parsed
            }
            let token = try await users.addToken(
                user: body.user, expiresIn: lifetime, readOnly: body.readOnly ?? false, by: principal)
            return JSONResult(value: token, status: .created)
        }
        api.on(.revokeToken) { _, context, principal in
            let id = try context.parameters.id(of: "token")
            return JSONResult(value: try await users.revokeToken(id: id, by: principal))
        }
    }
}
