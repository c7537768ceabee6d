import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `--policies DIR` for every command that uses policies.
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The policy directory (default: $LETHE_POLICIES, else ./policies or <data-dir>/policies if it exists, else the embedded default policy)."
    )
    var policies: String?

    /// Where to read the policies, resolved as documented in docs/policies.md.
    func source(global: GlobalOptions, override: String? = nil) -> PolicySource {
        let environment = ProcessInfo.processInfo.environment
        return PolicyDirectory.resolve(
            flag: override ?? policies, environment: environment,
            currentDirectory: FileManager.default.currentDirectoryPath,
            dataDirectory: DataDirectory.resolve(flag: global.dataDir, environment: environment))
    }

    /// The policy files of the resolved source, read from its directory (or the embedded default).
    func files(global: GlobalOptions, override: String? = nil) throws(LetheError) -> PolicyFiles {
        try PolicyFiles.read(source(global: global, override: override))
    }

    /// Loads and validates the policies; an invalid set stops the command with every problem.
    func load(global: GlobalOptions) throws(LetheError) -> LoadedPolicies {
        try LetheApp.loadPolicies(files(global: global))
    }
}
