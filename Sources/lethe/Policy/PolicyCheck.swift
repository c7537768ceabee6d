import ArgumentParser
import Lethe
import LetheCore

/// `lethe policy check [DIR]`.
struct PolicyCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the policy files and report every problem with file, line and column.",
        discussion: """
            Exits 0 when the set is valid, 65 when there is any problem (each printed as file:line:column: message).

            Examples:
              lethe policy check
              lethe policy check ./policies --json
            """)

    @Argument(help: "The policy directory (default: as for --policies, else the embedded default).")
    var directory: String?
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        var valid = true
        try reporting(json: output.json) { () throws(LetheError) in
            let source = policyOptions.source(global: global, override: directory)
            let path = source.description
            let (files, verdict) = try LetheApp.checkPolicies(source: source)
            let version = try verdict.policySet.map { (set) throws(LetheError) in try LetheApp.policyVersion(set) }
            if output.json {
                var object: [String: JSONValue] = [
                    "source": PolicySourceView.json(source), "directory": .string(path),
                    "files": .array(files.map(JSONValue.string)),
                    "valid": .bool(verdict.isValid),
                    "problems": .array(
                        verdict.problems.map {
                            [
                                "file": .string($0.file), "line": .integer(Int64($0.line)),
                                "column": .integer(Int64($0.column)), "message": .string($0.message),
                            ]
                        }),
                ]
                object["version"] = version.map(JSONValue.string)
                Output.printJSON(.object(object))
            } else if verdict.isValid, let set = verdict.policySet, let version {
                print(
                    "\(path): valid (\(files.count) file\(files.count == 1 ? "" : "s"), \(set.sanitization.count) sanitization rules, \(set.retention.count) retention rules)"
                )
                print("version \(version)")
            } else {
                for problem in verdict.problems { Output.standardError(problem.description) }
                Output.standardError(
                    "\(path): \(verdict.problems.count) problem\(verdict.problems.count == 1 ? "" : "s")")
            }
            valid = verdict.isValid
        }
        if !valid { throw ExitCode(65) }  // bad data, as reporting(json:) maps invalid-input
    }
}
