import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe job`: disposal jobs.
struct JobCommand: AsyncParsableCommand {
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
