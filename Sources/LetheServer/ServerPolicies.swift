import Foundation
import Lethe
import LetheCore

/// The policy set the routes use, read at each request as the CLI resolves it without a flag:
/// `$LETHE_POLICIES`, else `./policies`, else `<data-dir>/policies`, else the embedded default.
struct ServerPolicies: Sendable {
    let app: LetheApp

    /// The policy files in force.
    func files() throws(LetheError) -> PolicyFiles {
        guard let directory = app.dataDirectory else { return .embeddedDefault }
        return try PolicyFiles.read(
            PolicyDirectory.resolve(
                flag: nil, environment: ProcessInfo.processInfo.environment,
                currentDirectory: FileManager.default.currentDirectoryPath, dataDirectory: directory))
    }

    /// The policy set in force, validated.
    func load() throws(LetheError) -> LoadedPolicies { try LetheApp.loadPolicies(files()) }
}
