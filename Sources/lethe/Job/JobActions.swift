import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe job approve ID`.
struct JobApprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a job that needs a second person (not its requester).",
        discussion: "Example:\n  lethe job approve 12 --actor alice")

    @Argument(help: "The job number.") var id: Int64
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let job = try await global.openApp().jobs.approve(id, by: try write.principal())
            if output.json { Output.printResult(job) } else { print("approved job \(job.id) (\(job.assetTag))") }
        }
    }
}

/// `lethe job start ID`.
struct JobStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Mark a job's work as started.",
        discussion: "Example:\n  lethe job start 12")

    @Argument(help: "The job number.") var id: Int64
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let job = try await global.openApp().jobs.start(id, by: try write.principal())
            if output.json { Output.printResult(job) } else { print("started job \(job.id) (\(job.assetTag))") }
        }
    }
}

/// `lethe job cancel ID --reason TEXT`.
struct JobCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a job that has not been executed, with a reason.",
        discussion: "Example:\n  lethe job cancel 12 --reason \"drive returned to service by change CR-881\"")

    @Argument(help: "The job number.") var id: Int64
    @Option(help: "Why the job is cancelled.") var reason: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let job = try await global.openApp().jobs.cancel(
                id, reason: reason, by: try write.principal())
            if output.json { Output.printResult(job) } else { print("cancelled job \(job.id) (\(job.assetTag))") }
        }
    }
}

/// `lethe job record ID --technique T --tool NAME --tool-version V [--evidence FILE...]`.
struct JobRecord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record work done outside Lethe (vendor shredding, firmware sanitize) with its evidence.",
        discussion: """
            Evidence files are hashed (SHA-256) and their digests kept with the job; the files stay where \
            they are. The job becomes executed and the asset sanitized; its verification falls due.

            Examples:
              lethe job record 12 --technique shred --tool "Acme Shredding" --tool-version "cert v3" --evidence cert-4411.pdf
              lethe job record 13 --technique nvme-sanitize --tool nvme-cli --tool-version 2.8 --evidence sanitize.log
            """)

    @Argument(help: "The job number.") var id: Int64
    @Option(help: "The technique used (one the job allows).") var technique: String
    @Option(help: "The tool or vendor used.") var tool: String
    @Option(help: "The tool's version (or the vendor's certificate form).") var toolVersion: String
    @Option(parsing: .upToNextOption, help: "Evidence files (logs, certificates).") var evidence: [String] = []
    @Option(help: "Free notes.") var notes: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let work = JobWorkRecord(
                technique: try Technique.parse(technique), tool: tool, toolVersion: toolVersion,
                evidence: try EvidenceFile.read(evidence.map(EvidenceFile.init(path:))), notes: notes)
            let job = try await global.openApp().jobs.record(id, work, by: try write.principal())
            if output.json {
                Output.printResult(job)
            } else {
                print("recorded job \(job.id) (\(job.assetTag)) as executed; verification is now due")
            }
        }
    }
}
