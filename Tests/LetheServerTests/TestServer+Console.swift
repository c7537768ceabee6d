import Foundation
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore

@testable import LetheServer

extension TestServer {
    /// The console alone on a router (no API), its cookies without `Secure` (tests speak plain HTTP).
    func consoleApplication() -> some ApplicationProtocol {
        let router = Router(context: LetheRequestContext.self)
        ConsoleRoutes(app: app, secureCookies: false).add(to: router)
        return Application(router: router)
    }

    /// Adds users beyond one per role, then gives each named user the console test password.
    func prepareConsoleUsers(adding users: [String: Set<Role>] = [:], passwords names: [String]) async throws {
        let local = try Principal.localOperator("operator")
        for (name, roles) in users.sorted(by: { $0.key < $1.key }) {
            _ = try await app.users.add(name: name, roles: roles, by: local)
        }
        for name in names {
            _ = try await app.users.setPassword(name: name, password: ConsoleTests.password, by: local)
        }
    }
}
