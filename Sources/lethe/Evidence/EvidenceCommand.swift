import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe evidence`: evidence from outside tools.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Take in evidence from other tools (nwipe reports).",
        subcommands: [EvidenceImportNwipe.self])
}

/// `lethe evidence import-nwipe LOG --job ID`.
struct EvidenceImportNwipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-nwipe",
        abstract: "Record a job's execution from an nwipe log (its SHA-256 is kept as evidence).",
        discussion: """
            An erased, error-free log records the job executed (technique overwrite, tool nwipe) and the \
            asset sanitized, and verified too when nwipe read back what it wrote (--verify=last or all), \
            the rule asks for a full or sampled read-back and separation of duties does not forbid it. \
            An aborted or failed log records the job failed. Raw bytes in serials are kept (as hex).

            Refused, with nothing recorded: a log whose device serial is not the asset's (the serial \
            as text, or its bytes in hex), whose device size is not the asset's capacity (within 1 %), \
            that is already the evidence of another job, or that says Erased while its pass, \
            byte-count, verification or error lines say otherwise. In a log of several devices the \
            asset's is picked by serial (or --device).

            Examples:
              lethe evidence import-nwipe /var/log/nwipe-sdb.log --job 14
              lethe evidence import-nwipe nwipe.log --job 15 --device /dev/sdc
              lethe evidence import-nwipe nwipe.log --job 16 --ignore-serial --reason "USB bridge reports its own serial"
            """)

    @Argument(help: "The nwipe log file.") var log: String
    @Option(help: "The job the run executed.") var job: Int64
    @Option(help: "The device of the asset in a log of several devices (as the log names it: /dev/sdc).")
    var device: String?
    @Flag(help: "Accept a log whose device serial is not the asset's (needs --reason; kept in the record).")
    var ignoreSerial = false
    @Option(help: "Why the serial check is skipped (with --ignore-serial).") var reason: String?

    func validate() throws {
        if ignoreSerial, reason?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
            throw ValidationError("--ignore-serial needs --reason TEXT saying why the serial does not match")
        }
        if !ignoreSerial, reason != nil { throw ValidationError("--reason goes with --ignore-serial") }
    }
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let policies = try policyOptions.load(global: global)
            let app = try global.openApp()
            guard let data = FileManager.default.contents(atPath: log) else {
                throw LetheError(.notFound, "cannot read nwipe log \(log); check the path (nothing was recorded)")
            }
            let result = try await app.sanitization.importNwipe(
                jobID: job, log: EvidenceContent(name: (log as NSString).lastPathComponent, bytes: data),
                matching: NwipeMatching(devicePath: device, ignoreSerialReason: ignoreSerial ? reason : nil),
                policies: policies, by: try write.principal())
            let (job, parsed) = (result.job, result.nwipe)
            if output.json {
                Output.printResult(result)
            } else {
                print(
                    "job \(job.id) (\(job.assetTag)) \(job.state.rawValue): nwipe \(parsed.version ?? "?") \(parsed.status ?? "?"), \(parsed.method ?? "?"), \(parsed.bytesWritten) bytes written, verify \(parsed.verify ?? "?")"
                )
            }
        }
    }
}
