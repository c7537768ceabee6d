import ArgumentParser
import Lethe
import LetheCore

/// `lethe policy show`.
struct PolicyShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show the policy set in force and its version (SHA-256 of its canonical JSON).",
        discussion: """
            Examples:
              lethe policy show
              lethe policy show --policies /etc/lethe/policies --json

            Says where the set in force comes from: a directory, or the default policy embedded in the \
            binary when no policy directory is configured.
            """)

    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let report = try LetheApp.policies.show(
                try policyOptions.files(global: global), by: try Principal.localOperator(WriteOptions.loginUser()))
            if output.json {
                Output.printResult(report)
                return
            }
            let loaded = report.loaded
            switch loaded.source {
            case .directory(let path): print("policies \(path) (\(loaded.files.joined(separator: ", ")))")
            case .embeddedDefault:
                print("policies: the embedded default (NIST SP 800-88 / IEEE 2883); no policy directory is configured")
                print("  to edit it: lethe policy init DIR, then --policies DIR or LETHE_POLICIES=DIR")
            }
            print("version \(loaded.version)")
            print("erasure SLA \(loaded.set.erasureSLA), re-verification interval \(loaded.set.reverificationInterval)")
            print("")
            Output.printTable(
                header: ["MEDIA", "CLASS", "METHOD", "TECHNIQUES", "VERIFY", "2ND", "DEADLINE"],
                rows: loaded.set.sanitization.map { rule in
                    var verify = rule.verification.mode.rawValue
                    if let rate = rule.verification.ratePercent, let minimum = rule.verification.minimum {
                        verify += " \(rate)% min \(minimum)"
                    }
                    return [
                        rule.mediaTypes.map(\.rawValue).joined(separator: ","),
                        rule.classifications.map(\.rawValue).joined(separator: ","), rule.method.rawValue,
                        rule.techniques.map(\.rawValue).joined(separator: ","), verify,
                        rule.secondPerson ? "yes" : "no",
                        rule.deadline.description,
                    ]
                })
            if !loaded.set.retention.isEmpty {
                print("")
                Output.printTable(
                    header: ["DATA CATEGORY", "PERIOD", "TRIGGER"],
                    rows: loaded.set.retention.map { [$0.category, $0.period.description, $0.trigger.rawValue] })
            }
        }
    }
}
