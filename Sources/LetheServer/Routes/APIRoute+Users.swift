import Lethe
import LetheCore

extension APIRoute {
    static let users: [APIRoute] = [
        whoami, listUsers, addUser, disableUser, setPassword, listTokens, addToken, revokeToken,
    ]

    static let whoami = APIRoute(
        .get, "/api/v1/whoami", .authenticated, "Who the token stands for and the actions it may run")
    static let listUsers = APIRoute(.get, "/api/v1/users", .action(.manageUsers), "List users")
    static let addUser = APIRoute(
        .post, "/api/v1/users", .action(.manageUsers), "Add a user; its first API token is shown once",
        body: .json([
            Field("name", required: true, "The user's name."),
            Field(
                "roles", .words(Role.allCases.filter { $0 != .scheduler }.map(\.rawValue)), required: true,
                "admin, it-staff, technician, verifier, compliance, auditor."),
            Field("password", "A console password (12 to 1,024 characters), set with the user."),
        ]), success: 201)
    static let disableUser = APIRoute(
        .post, "/api/v1/users/:name/disable", .action(.manageUsers),
        "Disable a user and revoke its tokens; never the last enabled admin (409)")
    static let setPassword = APIRoute(
        .put, "/api/v1/users/:name/password", .action(.manageUsers), "Set a user's console password",
        body: .json([Field("password", required: true, "The new password.")]))
    static let listTokens = APIRoute(
        .get, "/api/v1/tokens", .action(.manageTokens), "List API tokens (never their secrets)",
        query: [Field("user", "Only this user's tokens.")])
    static let addToken = APIRoute(
        .post, "/api/v1/tokens", .action(.manageTokens), "Add an API token; its secret is shown once",
        body: .json([
            Field("user", required: true, "Whose token."),
            Field("expires", "Lifetime as an ISO 8601 duration (P90D)."),
            Field("read_only", .boolean, "A token that may only read."),
        ]), success: 201)
    static let revokeToken = APIRoute(
        .post, "/api/v1/tokens/:id/revoke", .action(.manageTokens), "Revoke an API token")
}
