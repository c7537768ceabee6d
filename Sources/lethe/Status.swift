import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe status`.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show assets and jobs by state, what is overdue, and the last verification run.",
        discussion: """
            Lists overdue disposal jobs, backup destructions and erasure requests, open erasure \
            requests, and the last 'lethe verify --due' run and its result. Exits 1 when anything is \
            overdue, so that cron or a monitoring check can alert; 0 otherwise.

            Examples:
              lethe status
              lethe status --json
            """)

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var overdue = false
        try await reporting(json: output.json) { () async throws(LetheError) in
            let status = try await global.openApp().status.report(
                by: try Principal.localOperator(WriteOptions.loginUser()))
            overdue = status.anythingOverdue
            if output.json {
                Output.printResult(status)
            } else {
                Self.printText(status)
            }
        }
        if overdue { throw ExitCode(1) }
    }

    static func printText(_ status: InstallationStatus) {
        func counts(_ values: [String: Int], order: [String]) -> String {
            let shown = order.filter { (values[$0] ?? 0) > 0 }.map { "\($0) \(values[$0] ?? 0)" }
            return shown.isEmpty ? "none" : shown.joined(separator: ", ")
        }
        print("status at \(RFC3339.format(status.at))")
        print("assets: \(counts(status.assets, order: LifecycleState.allCases.map(\.rawValue)))")
        print("jobs: \(counts(status.jobs, order: JobState.allCases.map(\.rawValue)))")
        print("overdue jobs: \(status.overdueJobCount)")
        for job in status.overdueJobs {
            print("  job \(job.id)  \(job.assetTag)  \(job.state.rawValue)  due \(RFC3339.format(job.dueAt))")
        }
        if status.overdueJobCount > status.overdueJobs.count { print("  … see 'lethe job list --overdue'") }
        print("overdue backup destructions: \(status.overdueBackups.count)")
        for backup in status.overdueBackups {
            print("  backup \(backup.id) (\(backup.store))  due \(RFC3339.format(backup.destructionDueAt))")
        }
        print(
            "erasure requests: \(status.openErasureRequests) open, \(status.overdueErasureRequests.count) past due")
        for request in status.overdueErasureRequests {
            print("  request \(request.id)  due \(RFC3339.format(request.dueAt))")
        }
        if let run = status.lastVerificationRun {
            print(
                "last verification run: \(RFC3339.format(run.at)) by \(run.actor): \(run.result.rawValue) (verified \(run.verified), failed \(run.failed), could not run \(run.errors), need a person \(run.needsPerson))"
            )
        } else {
            print("last verification run: none recorded; run 'lethe verify --due'")
        }
    }
}
