import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheStore

/// `lethe job list`.
struct JobList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List disposal jobs by due date.",
        discussion: """
            Exits 1 with --overdue when any open job is past its due date (as 'erasure list --overdue' does).

            Examples:
              lethe job list --state scheduled
              lethe job list --overdue --json
              lethe job list --due-before 2026-12-31
            """)

    @Option(help: "Only jobs in this state (scheduled, in-progress, executed, verified, failed, cancelled).")
    var state: String?
    @Flag(help: "Only open jobs past their due date.") var overdue = false
    @Option(help: "Only jobs due before this date.") var dueBefore: String?
    @Option(help: "Only jobs for this asset tag.") var asset: String?
    @Option(help: "At most this many.") var limit: Int = 1000
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var found = false
        try await reporting(json: output.json) { () async throws(LetheError) in
            let app = try global.openApp()
            let filter = JobFilter(
                state: try state.map { (text) throws(LetheError) in try JobState.parse(text) }, overdue: overdue,
                dueBefore: try dueBefore.map { (text) throws(LetheError) in
                    try RFC3339.parse(text, field: "--due-before")
                }, assetTag: asset, limit: limit)
            let listing = try await app.jobs.list(filter, by: try Principal.localOperator(WriteOptions.loginUser()))
            found = !listing.jobs.isEmpty
            if output.json {
                Output.printResult(listing)
                return
            }
            Output.printTable(
                header: ["JOB", "ASSET", "STATE", "METHOD", "VERIFY", "DUE", ""],
                rows: listing.jobs.map { item in
                    let job = item.job
                    return [
                        "\(job.id)", job.assetTag, job.state.rawValue, job.plan.method.rawValue,
                        job.plan.verification.mode.rawValue, RFC3339.format(job.plan.dueAt),
                        item.overdue ? "OVERDUE" : "",
                    ]
                })
        }
        // One rule for every listing: --overdue exits 1 when it finds anything, so cron can alert.
        if overdue, found { throw ExitCode(1) }
    }
}
