import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe evidence`: evidence from outside tools.
struct EvidenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Take in evidence from other tools (nwipe reports).",
        subcommands: [EvidenceImportNwipe.self])
}

/// `lethe evidence import-nwipe LOG --job ID`.
struct EvidenceImportNwipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-nwipe",
        abstract: "Record a job's execution from an nwipe log (its SHA-256 is kept as evidence).",
        discussion: """
            An erased, error-free log records the job executed (technique overwrite, tool nwipe) and the \
            asset sanitized, and verified too when nwipe read back what it wrote (--verify=last or all), \
            the rule asks for a full or sampled read-back and separation of duties does not forbid it. \
            An aborted or failed log records the job failed. Raw bytes in serials are kept (as hex).

            Example:
              lethe evidence import-nwipe /var/log/nwipe-sdb.log --job 14
            """)

    @Argument(help: "The nwipe log file.") var log: String
    @Option(help: "The job the run executed.") var job: Int64
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let policies = try policyOptions.load(global: global)
            let app = try global.openApp()
            let (job, parsed) = try app.importNwipe(jobID: job, logPath: log, policies: policies, actor: write.actor)
            if output.json {
                Output.printJSON(["job": job.json, "nwipe": parsed.json])
            } else {
                print(
                    "job \(job.id) (\(job.assetTag)) \(job.state.rawValue): nwipe \(parsed.version ?? "?") \(parsed.status?.rawValue ?? "?"), \(parsed.method ?? "?"), \(parsed.bytesWritten) bytes written, verify \(parsed.verify ?? "?")"
                )
            }
        }
    }
}
