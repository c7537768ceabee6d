import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe schedule`.
struct Schedule: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Create a disposal job for every retired or awaiting asset that has none; re-plan open jobs.",
        discussion: """
            Each job gets the method category, techniques, verification, approval need and due date
            (retirement time + the rule's deadline) from the policies, and the policy version. Retired
            assets move to awaiting-sanitization. Running it again creates nothing; after a policy
            change, scheduled and in-progress jobs are re-planned (an event names both versions).

            Examples:
              lethe schedule
              lethe schedule --at 2026-12-01 --policies ./policies --json
            """)

    @Option(help: "The retirement time to assume for assets registered or imported already retired (default: now).")
    var at: String?
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let time = try at.map { (text) throws(LetheError) in try RFC3339.parse(text, field: "--at") }
            let policies = try policyOptions.load(global: global)
            let app = try global.openApp(creating: true)
            // Expired backups first: a medium retired for them gets its job in the same run.
            let backups = try app.scheduleBackupDestructions(
                deadline: policies.set.backupDestructionDeadline, actor: write.actor)
            let result = try app.schedule(policies: policies, at: time, actor: write.actor)
            let waiting = try app.backupsWaitingForTheirMedium()
            if output.json {
                Output.printJSON([
                    "policy_version": .string(result.policyVersion),
                    "created": .integer(Int64(result.created.count)),
                    "replanned": .array(
                        result.replanned.map {
                            [
                                "job": .integer($0.job.id), "from_version": .string($0.previousVersion),
                                "to_version": .string(result.policyVersion),
                            ]
                        }),
                    "jobs": .array(result.created.prefix(1000).map(\.json)),
                    "backup_destructions": .array(backups.map(BackupView.json)),
                    "backups_waiting_for_their_medium": .array(
                        waiting.map {
                            [
                                "backup": .integer($0.backup.id),
                                "retained_by": .array($0.retainedBy.map(JSONValue.integer)),
                            ]
                        }),
                ])
                return
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
            for (backup, retained) in waiting {
                print(
                    "  backup \(backup.id) (\(backup.store)) expired; its medium \(backup.mediaTag ?? "?") waits for backup\(retained.count == 1 ? "" : "s") \(retained.map(String.init).joined(separator: ", ")), still retained"
                )
            }
        }
    }
}
