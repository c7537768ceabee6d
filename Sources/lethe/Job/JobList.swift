import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheStore

/// `lethe job list`.
struct JobList: ParsableCommand {
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

    func run() throws {
        var found = false
        try reporting(json: output.json) { () throws(LetheError) in
            let app = try global.openApp()
            let now = app.currentTime
            var query = JobQuery(assetTag: asset, limit: limit)
            if let state { query.states = [try JobState.parse(state)] }
            if let dueBefore { query.dueBefore = try RFC3339.parse(dueBefore, field: "--due-before") }
            if overdue {
                if query.states.isEmpty { query.states = JobState.open }
                query.states = query.states.filter { JobState.open.contains($0) }
                query.dueBefore = min(query.dueBefore ?? now, now)
            }
            let jobs = query.states.isEmpty && overdue ? [] : try app.listJobs(query)
            found = !jobs.isEmpty
            if output.json {
                Output.printJSON(["jobs": .array(jobs.map { JobView.json($0, now: now) })])
                return
            }
            Output.printTable(header: JobView.header, rows: jobs.map { JobView.row($0, now: now) })
        }
        // One rule for every listing: --overdue exits 1 when it finds anything, so cron can alert.
        if overdue, found { throw ExitCode(1) }
    }
}
