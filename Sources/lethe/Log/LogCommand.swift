import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheEvidence

/// `lethe log`: the tamper-evident evidence log.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Sign checkpoints, print proofs and the log key, and verify the evidence log.",
        discussion: """
            Every event Lethe records is an entry of an RFC 9162 Merkle log (entry N is event N+1). \
            Checkpoints are C2SP signed notes under the log's Ed25519 key; keep copies of them (and of \
            the key from 'lethe log key') outside this installation: the log shows tampering only \
            against checkpoints someone else kept.
            """,
        subcommands: [
            LogCheckpoint.self, LogProve.self, LogConsistency.self, LogCheckConsistency.self, LogVerify.self,
            LogKey.self,
        ]
    )
}

/// `lethe log checkpoint`.
struct LogCheckpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Sign a checkpoint of the log's current head and print it.",
        discussion: "Example:\n  lethe log checkpoint > checkpoint-$(date +%F).txt")

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let checkpoint = try await global.openApp().evidence.checkpoint(by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(checkpoint)
            } else {
                print(checkpoint.note, terminator: "")
            }
        }
    }
}

/// `lethe log prove --index N`.
struct LogProve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove", abstract: "Print the C2SP tlog-proof that entry N is in the log.",
        discussion: "Entry N is event N+1. Example:\n  lethe log prove --index 41 > entry-41.tlog-proof")

    @Option(name: .long, help: "The entry's 0-based index.") var index: Int64?
    @Option(
        name: .long,
        help: ArgumentHelp("Benchmark: time this many proofs of spread-out entries instead.", visibility: .hidden))
    var timeProofs: Int?
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let evidence = try global.openApp().evidence
            let principal = try EvidenceReader.principal()
            if let timeProofs {
                let (mean, size) = try await evidence.timeInclusionProofs(count: timeProofs, by: principal)
                print("\(timeProofs) proofs in a log of \(size) entries: mean \(String(format: "%.1f", mean * 1e6)) µs")
                return
            }
            guard let index else { throw LetheError(.usage, "give the entry's --index N") }
            let proof = try await evidence.inclusionProof(index: index, by: principal)
            if output.json {
                Output.printResult(proof)
            } else {
                print(proof.text, terminator: "")
            }
        }
    }
}

/// `lethe log consistency --from SIZE`.
struct LogConsistency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Print the proof that the log of SIZE entries is a prefix of the newest checkpoint.",
        discussion: """
            Give the size of a checkpoint you kept; check that the 'old' root equals its root. \
            Example:\n  lethe log consistency --from 1200
            """)

    @Option(name: .long, help: "The earlier tree size (of a checkpoint you kept).") var from: Int64
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let proof = try await global.openApp().evidence.consistencyProof(
                from: from, by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(proof)
            } else {
                print(proof.text, terminator: "")
            }
        }
    }
}

/// `lethe log verify`.
struct LogVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the log from every stored entry and check every stored checkpoint.",
        discussion: """
            Names the first entry that was changed, deleted or reordered; exits 65 when the log fails. \
            Example:\n  lethe log verify
            """)

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        var failed = false
        try await reporting(json: output.json) { () async throws(LetheError) in
            let report = try await global.openApp().evidence.verifyLog(by: try EvidenceReader.principal())
            failed = !report.passed
            if output.json {
                Output.printResult(report)
            } else if let problem = report.problem {
                Output.standardError("lethe: log verification FAILED: \(problem)")
            } else {
                print(
                    "log OK: \(report.entries) entries, \(report.checkpoints) checkpoints checked, root \(StrictBase64.encode(report.root))"
                )
            }
        }
        if failed { throw ExitCode(65) }
    }
}

/// `lethe log key`.
struct LogKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Print the log's public key (signed-note verifier key, then PEM).",
        discussion: "Give it to auditors to keep. Example:\n  lethe log key > lethe-log-key.pub")

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let key = try await global.openApp().evidence.logKey(by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(key)
            } else {
                print(key.publicFile, terminator: "")
            }
        }
    }
}

/// `lethe log check-consistency PROOF --kept CHECKPOINT --log-key FILE`.
struct LogCheckConsistency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-consistency",
        abstract: "Check offline that a consistency proof extends a checkpoint you kept.",
        discussion: """
            Needs no installation: for auditors. Exits 65 when the check fails. Example:
              lethe log check-consistency proof.txt --kept checkpoint-2026-10-31.txt --log-key lethe-log-key.pub
            """)

    @Argument(help: "The output of 'lethe log consistency --from SIZE'.") var proof: String
    @Option(name: .long, help: "The checkpoint you kept (a signed note).") var kept: String
    @Option(name: .long, help: "The log key you kept (from 'lethe log key').") var logKey: String
    @OptionGroup var output: OutputOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            func text(_ path: String) throws(LetheError) -> String {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw LetheError(.notFound, "cannot read \(path)")
                }
                return String(decoding: data, as: UTF8.self)
            }
            let keyText = try text(logKey)
            let check = try EvidenceService.checkConsistency(
                proof: try text(proof), kept: try text(self.kept), logKey: keyText, logKeySource: logKey)
            if output.json {
                Output.printResult(check)
            } else {
                print(
                    "consistent: the log of \(check.newSize) entries extends the checkpoint you kept (\(check.keptSize) entries)"
                )
            }
        }
    }
}
