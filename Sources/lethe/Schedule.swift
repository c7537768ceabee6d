import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe schedule`.
struct Schedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Create a disposal job for every retired or awaiting asset that has none; re-plan open jobs.",
        discussion: """
            Each job gets the method category, techniques, verification, approval need and due date \
            (retirement time + the rule's deadline) from the policies, and the policy version. Retired \
            assets move to awaiting-sanitization. Running it again creates nothing; after a policy \
            change, scheduled and in-progress jobs are re-planned (an event names both versions). \
            Expired backups get their destruction scheduled in the same run, and any erasure request \
            found with every part done is completed. All of it is one transaction.

            --dry-run shows what a run would do and records nothing. --as-of DATE shows what a run on \
            that date would do, also recording nothing: the log only holds what happened, when it \
            happened. --at only sets the retirement time assumed for assets registered already retired.

            Examples:
              lethe schedule
              lethe schedule --as-of 2027-02-20
              lethe schedule --at 2026-12-01 --policies ./policies --json
            """)

    @Option(help: "The retirement time to assume for assets registered or imported already retired (default: now).")
    var at: String?
    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp("Show what a run at this date or time would do; records nothing.", valueName: "date"))
    var asOf: String?
    @Flag(help: "Show what the run would do; record nothing.") var dryRun = false
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let time = try at.map { (text) throws(LetheError) in try RFC3339.parse(text, field: "--at") }
            let clock = try asOf.map { (text) throws(LetheError) in try RFC3339.parse(text, field: "--as-of") }
            let policies = try policyOptions.load(global: global)
            var app = try global.openApp()
            if let clock { app = app.asOf(clock) }
            // One use case, one transaction: backups, jobs, and the requests a crash left open.
            let preview = dryRun || clock != nil
            let run = try await app.jobs.schedule(
                policies: policies, at: time, dryRun: preview, by: try write.principal())
            let (result, backups, waiting) = (run.jobs, run.backupDestructions, run.backupsWaitingForTheirMedium)
            if output.json {
                Output.printResult(run.report)
                return
            }
            if preview {
                print(
                    "preview\(clock.map { " as of \(RFC3339.format($0))" } ?? ""): nothing was recorded; a run would do this:"
                )
            }
            print(
                "scheduled \(result.created.count) job\(result.created.count == 1 ? "" : "s"), re-planned \(result.replanned.count) (policy \(result.policyVersion.prefix(12)))"
            )
            for job in result.created.prefix(20) {
                print(
                    "  job \(job.id)  \(job.assetTag)  \(job.plan.method.rawValue)  due \(RFC3339.format(job.plan.dueAt))"
                )
            }
            if result.created.count > 20 { print("  … see 'lethe job list'") }
            for backup in backups {
                print(
                    "  backup \(backup.id) (\(backup.store)) expired, destruction due \(backup.destructionDueAt.map(RFC3339.formatDay) ?? "?"): \(BackupView.destruction(backup))"
                )
            }
            for request in run.completedRequests {
                print("  erasure request \(request): every part was done; completed")
            }
            for (backup, retained) in waiting {
                print(
                    "  backup \(backup.id) (\(backup.store)) expired; its medium \(backup.mediaTag ?? "?") waits for backup\(retained.count == 1 ? "" : "s") \(retained.map(String.init).joined(separator: ", ")), still retained"
                )
            }
        }
    }
}
