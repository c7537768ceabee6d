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

extension PolicyFiles {
    /// Reads every `*.yaml` and `*.yml` file of a directory source, sorted by name; the embedded
    /// default needs no reading.
    ///
    /// - Throws: `notFound` when the directory does not exist; `io` when a file cannot be read.
    static func read(_ source: PolicySource) throws(LetheError) -> PolicyFiles {
        guard case .directory(let directory) = source else { return .embeddedDefault }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw LetheError(
                .notFound,
                "policy directory \(directory) does not exist; check --policies or $LETHE_POLICIES, write the default there with 'lethe policy init \(directory)', or leave both unset to use the embedded default policy"
            )
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw LetheError(.io, "cannot list the policy directory \(directory): \(error.localizedDescription)")
        }
        var files: [NamedText] = []
        for name in names {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LetheError(.io, "cannot read policy file \(path)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw LetheError(.invalidInput, "policy file \(path) is not UTF-8 text")
            }
            files.append(NamedText(name: name, text: text))
        }
        return PolicyFiles(source: source, files: files)
    }
}
