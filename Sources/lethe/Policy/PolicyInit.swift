import ArgumentParser
import Lethe
import LetheCore

/// `lethe policy init DIR`.
struct PolicyInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the embedded default policy to DIR/default.yaml, to edit.",
        discussion: """
            Creates DIR if needed; an existing DIR/default.yaml is never overwritten. Use the directory \
            with --policies DIR or LETHE_POLICIES=DIR, and check your edits with 'lethe policy check DIR'.

            Example:
              lethe policy init /etc/lethe/policies
            """)

    @Argument(help: "The directory to write default.yaml into.") var directory: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let path = try LetheApp.writeDefaultPolicy(to: directory)
            let version = try LetheApp.loadPolicies(source: .embeddedDefault).version
            if output.json {
                Output.printJSON(["file": .string(path), "version": .string(version)])
            } else {
                print("wrote \(path) (the embedded default, version \(version.prefix(12)))")
                print("edit it, check it with 'lethe policy check \(directory)', use it with --policies \(directory)")
            }
        }
    }
}

/// The JSON form of where a policy set comes from.
enum PolicySourceView {
    static func json(_ source: PolicySource) -> JSONValue {
        switch source {
        case .directory(let path): ["kind": "directory", "directory": .string(path)]
        case .embeddedDefault: ["kind": "embedded-default"]
        }
    }
}
