import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe job show ID`.
struct JobShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one job with its plan, people and evidence digests.",
        discussion: "Examples:\n  lethe job show 12\n  lethe job show 12 --json")

    @Argument(help: "The job number.") var id: Int64
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let app = try global.openApp()
            let details = try await app.jobs.show(id, by: try Principal.localOperator(WriteOptions.loginUser()))
            if output.json {
                Output.printResult(details)
                return
            }
            let job = details.job
            print(
                "job \(job.id) for asset \(job.assetTag): \(job.state.rawValue)\(details.overdue ? " (OVERDUE)" : "")"
            )
            print(
                "  method        \(job.plan.method.rawValue) using \(job.plan.techniques.map(\.rawValue).joined(separator: ", "))"
            )
            var verify = job.plan.verification.mode.rawValue
            if let rate = job.plan.verification.ratePercent, let minimum = job.plan.verification.minimum {
                verify += " (\(rate)%, at least \(minimum))"
            }
            print("  verification  \(verify)")
            print("  due           \(RFC3339.format(job.plan.dueAt))")
            print("  policy        \(job.policyVersion)")
            print("  requested by  \(job.requestedBy)")
            if job.plan.secondPerson { print("  approved by   \(job.approvedBy ?? "(awaiting a second person)")") }
            if let executor = job.executedBy {
                print(
                    "  executed by   \(executor) with \(job.technique?.rawValue ?? "?") (\(job.tool ?? "?") \(job.toolVersion ?? ""))"
                )
            }
            if let verifier = job.verifiedBy { print("  verified by   \(verifier)") }
            if let reason = job.reason { print("  reason        \(reason)") }
            for digest in details.evidence {
                print("  evidence      \(digest.purpose.rawValue) \(digest.fileName) sha256:\(digest.sha256)")
            }
        }
    }
}
