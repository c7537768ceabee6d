import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe job`: disposal jobs.
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "List and work disposal jobs: approve, start, record outside work, cancel.",
        discussion: """
            Job states: scheduled → in-progress → executed → verified, or failed, cancelled (with a reason). \
            A job whose rule asks for a second person must be approved by someone other than its requester \
            before it is started or recorded. Jobs are created by 'lethe schedule'.
            """,
        subcommands: [JobList.self, JobShow.self, JobApprove.self, JobStart.self, JobRecord.self, JobCancel.self]
    )
}

/// Text and JSON views of jobs.
enum JobView {
    static func row(_ job: DisposalJob, now: Date) -> [String] {
        [
            "\(job.id)", job.assetTag, job.state.rawValue, job.plan.method.rawValue,
            job.plan.verification.mode.rawValue, RFC3339.format(job.plan.dueAt),
            job.isOverdue(at: now) ? "OVERDUE" : "",
        ]
    }

    static let header = ["JOB", "ASSET", "STATE", "METHOD", "VERIFY", "DUE", ""]

    static func json(_ job: DisposalJob, now: Date) -> JSONValue {
        guard case .object(var object) = job.json else { return job.json }
        object["overdue"] = .bool(job.isOverdue(at: now))
        return .object(object)
    }
}
