import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `--policies DIR` for every command that uses policies.
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The policy directory (default: $LETHE_POLICIES, else ./policies if it exists, else <data-dir>/policies)."
    )
    var policies: String?

    /// The directory to read, resolved as documented in docs/policies.md.
    func directory(global: GlobalOptions, override: String? = nil) -> String {
        let environment = ProcessInfo.processInfo.environment
        return PolicyDirectory.resolve(
            flag: override ?? policies, environment: environment,
            currentDirectory: FileManager.default.currentDirectoryPath,
            dataDirectory: DataDirectory.resolve(flag: global.dataDir, environment: environment))
    }

    /// Loads and validates the policies; an invalid set stops the command with every problem.
    func load(global: GlobalOptions) throws(LetheError) -> LoadedPolicies {
        try LetheApp.loadPolicies(directory: directory(global: global))
    }
}
