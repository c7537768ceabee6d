import Foundation
import Hummingbird
import Lethe
import LetheCore

extension ConsoleRoutes {
    /// The roles a person can hold (the scheduler's is the service's own).
    static var personRoles: [Role] { Role.allCases.filter { $0 != .scheduler } }

    /// Users with their roles and API tokens (never their secrets), for administrators; a new
    /// user's or token's secret is shown once, in the page answering the form that made it.
    func usersPage(view: ConsoleView, secret: (owner: String, secret: String)? = nil) async throws -> Response {
        let users = try await app.users.list(by: view.principal)
        let tokens = try await app.users.listTokens(user: nil, by: view.principal)
        var values: [String: Any] = [
            "users": users.map {
                [
                    "name": $0.name, "namePath": Self.pathComponent($0.name),
                    "roles": $0.roles.map(\.rawValue).joined(separator: ", "), "disabled": $0.disabled,
                    "hasPassword": $0.hasPassword ? "set" : "none", "created": $0.createdAt,
                ] as [String: Any]
            },
            "tokens": tokens.map {
                [
                    "id": $0.id, "user": $0.user, "readOnly": $0.readOnly ? "reads only" : "reads and writes",
                    "expires": $0.expiresAt ?? "never", "created": $0.createdAt, "state": $0.state.rawValue,
                    "active": $0.state == .valid,
                ] as [String: Any]
            },
            "hasTokens": !tokens.isEmpty,
            "roles": Self.personRoles.map(\.rawValue),
            "activeUsers": users.filter { !$0.disabled }.map(\.name),
        ]
        if let secret { values["secret"] = ["owner": secret.owner, "value": secret.secret] }
        return Self.html("users", values, title: "Users and tokens", view: view)
    }

    /// Adds a user with the roles ticked; the page shows its first API token once.
    func addUser(_ form: ConsoleForm, view: ConsoleView) async throws -> Response {
        let roles = Set(Self.personRoles.filter { form["role-\($0.rawValue)"] != nil })
        let added = try await app.users.add(name: form.nonEmpty("name") ?? "", roles: roles, by: view.principal)
        return try await usersPage(view: view, secret: (added.user.name, added.token.secret))
    }

    /// Adds an API token for a user (a lifetime as an ISO 8601 duration, reads only when ticked);
    /// the page shows its secret once.
    func addToken(_ form: ConsoleForm, view: ConsoleView) async throws -> Response {
        var lifetime: ISODuration?
        if let text = form.nonEmpty("expires") {
            guard let parsed = ISODuration.parse(text) else {
                throw LetheError(.usage, "the lifetime \(Quoted(text)) is not an ISO 8601 duration such as P90D")
            }
            lifetime = parsed
        }
        let token = try await app.users.addToken(
            user: form.nonEmpty("user") ?? "", expiresIn: lifetime, readOnly: form["read_only"] != nil,
            by: view.principal)
        return try await usersPage(view: view, secret: (token.token.user, token.secret))
    }

    /// Disables a user (ending their console sessions) or sets their console password.
    func userAction(_ name: String, verb: String, form: ConsoleForm, view: ConsoleView) async throws -> Response {
        switch verb {
        case "disable":
            _ = try await app.users.disable(name: name, by: view.principal)
            // A session holds the principal it signed in as: end theirs, so the console stops at once too.
            await sessions.end(user: name)
        case "password":
            _ = try await app.users.setPassword(name: name, password: form["password"] ?? "", by: view.principal)
        default: throw LetheError(.notFound, "there is no user action \(Quoted(verb))")
        }
        return Self.redirect("/console/users")
    }

    /// Revokes an API token.
    func revokeToken(_ idText: String, view: ConsoleView) async throws -> Response {
        guard let id = Int64(idText), id > 0 else { throw LetheError(.notFound, "there is no token \(Quoted(idText))") }
        _ = try await app.users.revokeToken(id: id, by: view.principal)
        return Self.redirect("/console/users")
    }
}
