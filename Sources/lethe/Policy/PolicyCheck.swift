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
            let files = try policyOptions.files(global: global, override: directory)
            let result = try LetheApp.policies.check(
                files, by: try Principal.localOperator(WriteOptions.loginUser()))
            let path = result.source.description
            if output.json {
                Output.printResult(result)
            } else if result.valid, let version = result.version {
                let count = result.files.count
                print(
                    "\(path): valid (\(count) file\(count == 1 ? "" : "s"), \(result.sanitizationRules ?? 0) sanitization rules, \(result.retentionRules ?? 0) retention rules)"
                )
                print("version \(version)")
            } else {
                for problem in result.diagnostics { Output.standardError(problem) }
                Output.standardError(
                    "\(path): \(result.problems.count) problem\(result.problems.count == 1 ? "" : "s")")
            }
            valid = result.valid
        }
        if !valid { throw ExitCode(65) }  // bad data, as reporting(json:) maps invalid-input
    }
}
