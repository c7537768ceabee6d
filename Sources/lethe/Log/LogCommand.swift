import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheEvidence

/// `lethe log`: the tamper-evident evidence log.
struct LogCommand: ParsableCommand {
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
struct LogCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Sign a checkpoint of the log's current head and print it.",
        discussion: "Example:\n  lethe log checkpoint > checkpoint-$(date +%F).txt")

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let checkpoint = try global.openApp().checkpoint()
            if output.json {
                Output.printJSON([
                    "size": .integer(checkpoint.size), "root": .string(StrictBase64.encode(checkpoint.root)),
                    "signed_at": .string(RFC3339.format(checkpoint.signedAt)), "note": .string(checkpoint.note),
                ])
            } else {
                print(checkpoint.note, terminator: "")
            }
        }
    }
}

/// `lethe log prove --index N`.
struct LogProve: ParsableCommand {
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

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            if let timeProofs {
                let (mean, size) = try global.openApp().timeInclusionProofs(count: timeProofs)
                print("\(timeProofs) proofs in a log of \(size) entries: mean \(String(format: "%.1f", mean * 1e6)) µs")
                return
            }
            guard let index else { throw LetheError(.usage, "give the entry's --index N") }
            let proof = try global.openApp().inclusionProof(index: index)
            if output.json {
                Output.printJSON([
                    "index": .integer(proof.index),
                    "hashes": .array(proof.hashes.map { .string(StrictBase64.encode($0)) }),
                    "checkpoint": .string(proof.signedCheckpoint), "text": .string(proof.text),
                ])
            } else {
                print(proof.text, terminator: "")
            }
        }
    }
}

/// `lethe log consistency --from SIZE`.
struct LogConsistency: ParsableCommand {
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

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let proof = try global.openApp().consistencyProof(from: from)
            if output.json {
                Output.printJSON([
                    "from_size": .integer(proof.fromSize), "from_root": .string(StrictBase64.encode(proof.fromRoot)),
                    "to_size": .integer(proof.checkpoint.size),
                    "hashes": .array(proof.hashes.map { .string(StrictBase64.encode($0)) }),
                    "checkpoint": .string(proof.checkpoint.note),
                ])
            } else {
                print(proof.text, terminator: "")
            }
        }
    }
}

/// `lethe log verify`.
struct LogVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the log from every stored entry and check every stored checkpoint.",
        discussion: """
            Names the first entry that was changed, deleted or reordered; exits 65 when the log fails. \
            Example:\n  lethe log verify
            """)

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        var failed = false
        try reporting(json: output.json) { () throws(LetheError) in
            let report = try global.openApp().verifyLog()
            failed = !report.passed
            if output.json {
                var object: [String: JSONValue] = [
                    "passed": .bool(report.passed), "entries": .integer(report.entries),
                    "checkpoints_checked": .integer(Int64(report.checkpoints)),
                ]
                object["root"] = report.passed ? .string(StrictBase64.encode(report.root)) : nil
                object["problem"] = report.problem.map(JSONValue.string)
                object["first_bad_entry"] = report.firstBadEntry.map(JSONValue.integer)
                Output.printJSON(.object(object))
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
struct LogKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Print the log's public key (signed-note verifier key, then PEM).",
        discussion: "Give it to auditors to keep. Example:\n  lethe log key > lethe-log-key.pub")

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let key = try global.openApp().logVerifierKey()
            if output.json {
                Output.printJSON([
                    "name": .string(key.name), "key_id": .string(Hex.encode(key.keyID)),
                    "verifier_key": .string(key.verifierKey), "pem": .string(key.pem),
                ])
            } else {
                print(key.publicFile, terminator: "")
            }
        }
    }
}

/// `lethe log check-consistency PROOF --kept CHECKPOINT --log-key FILE`.
struct LogCheckConsistency: ParsableCommand {
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

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            func text(_ path: String) throws(LetheError) -> String {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw LetheError(.notFound, "cannot read \(path)")
                }
                return String(decoding: data, as: UTF8.self)
            }
            let key = try LogVerifierKey(publicFile: try text(logKey), source: logKey, requirePEM: false)
            let (kept, newer) = try ConsistencyProofText(parsing: try text(proof)).check(
                kept: try text(self.kept), key: key)
            if output.json {
                Output.printJSON([
                    "passed": true, "kept_size": .integer(kept.size), "new_size": .integer(newer.size),
                    "new_root": .string(StrictBase64.encode(newer.root)),
                ])
            } else {
                print(
                    "consistent: the log of \(newer.size) entries extends the checkpoint you kept (\(kept.size) entries)"
                )
            }
        }
    }
}
