import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe erasure`: erasure requests.
struct ErasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erasure",
        abstract: "File, run, attest and follow erasure requests (right to erasure).",
        discussion: """
            A subject is known only by the keyed hash of its identifier; the identifier itself is never \
            stored, logged or printed. Prefer --subject-stdin to --subject: a flag's value can be seen in \
            the process list and shell history.
            """,
        subcommands: [
            ErasureRequestCommand.self, ErasureRun.self, ErasureStatus.self, ErasureList.self, ErasureAttest.self,
            ErasureReapply.self, ErasureReportCommand.self, ErasureScanFile.self,
        ]
    )
}

/// Where a command takes the raw identifier from.
struct SubjectOptions: ParsableArguments {
    @Option(help: "The subject's identifier (visible in the process list; prefer --subject-stdin).")
    var subject: String?
    @Flag(help: "Read the subject's identifier from the first line of standard input.")
    var subjectStdin = false

    func identifier() throws(LetheError) -> String {
        if let subject, !subjectStdin { return subject }
        guard subjectStdin, subject == nil else {
            throw LetheError(.usage, "give the subject with either --subject ID or --subject-stdin")
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw LetheError(.usage, "--subject-stdin read no identifier from standard input")
        }
        return line
    }
}

/// `lethe erasure request`.
struct ErasureRequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "File an erasure request and plan a part for every holding.",
        discussion: """
            The due date is the policy's erasure_sla after now. A subject with no holdings is recorded \
            with an empty plan.

            Examples:
              echo 'ada@example.com' | lethe erasure request --subject-stdin --reason withdrawal
              lethe erasure request --subject C-1042 --reason objection --json
            """)

    @OptionGroup var subject: SubjectOptions
    @Option(help: "Why: withdrawal, objection, retention or other.") var reason: String
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            guard let reason = ErasureReason(rawValue: reason) else {
                throw LetheError(.usage, "--reason must be withdrawal, objection, retention or other, not '\(reason)'")
            }
            let identifier = try subject.identifier()
            let policies = try policyOptions.load(global: global)
            let details = try global.openApp(creating: true).requestErasure(
                identifier: identifier, reason: reason, policies: policies, actor: write.actor)
            ErasureView.print(details, json: output.json)
        }
    }
}

/// `lethe erasure run ID`.
struct ErasureRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Erase the subject in every database store of a request, then verify and residue-scan.",
        discussion: """
            The identifier must be given again (it is held in memory only for the run). Exits 65 when a \
            part failed; a failed part leaves its database unchanged and can be run again.

            Example:
              echo 'ada@example.com' | lethe erasure run 1 --subject-stdin
            """)

    @Argument(help: "The request's number.") var id: Int64
    @OptionGroup var subject: SubjectOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        var failed = false
        try reporting(json: output.json) { () throws(LetheError) in
            let identifier = try subject.identifier()
            let app = try global.openApp(creating: true)
            let outcomes = try app.runErasure(id: id, identifier: identifier, actor: write.actor)
            failed = outcomes.contains { $0.part.state != "done" }
            if output.json {
                Output.printJSON([
                    "parts": .array(
                        outcomes.map {
                            var object = ErasureView.partJSON($0.part).objectValue ?? [:]
                            object["error"] = $0.error.map(JSONValue.string)
                            return .object(object)
                        })
                ])
            } else {
                if outcomes.isEmpty { print("request \(id): no database part to run") }
                for outcome in outcomes {
                    let o = outcome.part.outcome
                    if let error = outcome.error {
                        print("part \(outcome.part.id) (\(outcome.part.store)): failed: \(error)")
                    } else {
                        print(
                            "part \(outcome.part.id) (\(outcome.part.store)): \(outcome.part.state): \(o["subject_rows"]?.integerValue ?? 0) subject row(s) erased, query check \(o["query_check_remaining_rows"]?.integerValue ?? -1) remaining, residue \(o["residue_clean"] == .bool(true) ? "clean" : "FOUND (\(o["residue_matches"]?.integerValue ?? 0) matches)")"
                        )
                    }
                }
                let request = try app.erasureDetails(id: id).request
                print("request \(id): \(request.state)")
            }
        }
        if failed { throw ExitCode(65) }
    }
}

/// `lethe erasure status ID`.
struct ErasureStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a request and each of its parts.")

    @Argument(help: "The request's number.") var id: Int64
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            ErasureView.print(try global.openApp().erasureDetails(id: id), json: output.json)
        }
    }
}

/// `lethe erasure list`.
struct ErasureList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List erasure requests by due date.",
        discussion: "Exits 1 with --overdue when any open request is past its due date.")

    @Flag(help: "Only open requests past their due date.") var overdue = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        var any = false
        try reporting(json: output.json) { () throws(LetheError) in
            let app = try global.openApp()
            let requests = try app.listErasures(overdue: overdue)
            any = !requests.isEmpty
            if output.json {
                Output.printJSON(["requests": .array(requests.map(ErasureView.requestJSON))])
                return
            }
            Output.printTable(
                header: ["REQUEST", "STATE", "REASON", "DUE", "SUBJECT"],
                rows: requests.map {
                    [
                        "\($0.id)", $0.state, $0.reason.rawValue, RFC3339.format($0.dueAt),
                        String($0.subject.prefix(12)) + "…",
                    ]
                })
        }
        if overdue, any { throw ExitCode(1) }
    }
}

/// `lethe erasure attest ID --store NAME`.
struct ErasureAttest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Record that a processor or file share erased the subject, or that a device part is done.",
        discussion: """
            With --backup, records that a backup not encrypted by Lethe was destroyed (a part that \
            waits for it under the policy 'backup_erasure: shred').

            Example:
              lethe erasure attest 1 --store mailer --notes "Mailer support ticket 5521 confirms deletion" --evidence reply.eml
            """)

    @Argument(help: "The request's number.") var id: Int64
    @Option(help: "The store whose part is attested.") var store: String
    @Option(
        help:
            "For a backup's part under the policy 'backup_erasure: shred': the backup (not encrypted by Lethe) whose media was destroyed."
    ) var backup: Int64?
    @Option(help: "Who confirmed the erasure, and how.") var notes: String
    @Option(help: "A file that shows it (its SHA-256 is kept).") var evidence: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let part = try global.openApp(creating: true).attestErasure(
                id: id, store: store, backup: backup, notes: notes, evidence: evidence, actor: write.actor)
            if output.json {
                Output.printJSON(ErasureView.partJSON(part))
                return
            }
            print("part \(part.id) (\(part.store)): done by attestation")
        }
    }
}

/// Text and JSON views of erasure requests.
enum ErasureView {
    static func requestJSON(_ request: ErasureRequest) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .integer(request.id), "subject": .string(request.subject), "reason": .string(request.reason.rawValue),
            "state": .string(request.state), "due_at": .string(RFC3339.format(request.dueAt)),
            "requested_by": .string(request.requestedBy), "created_at": .string(RFC3339.format(request.createdAt)),
            "policy_version": .string(request.policyVersion),
        ]
        object["completed_at"] = request.completedAt.map { .string(RFC3339.format($0)) }
        return .object(object)
    }

    static func partJSON(_ part: ErasurePart) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .integer(part.id), "store": .string(part.store), "action": .string(part.action.rawValue),
            "state": .string(part.state), "outcome": part.outcome,
            "updated_at": .string(RFC3339.format(part.updatedAt)),
        ]
        object["backup"] = part.backupID.map(JSONValue.integer)
        object["asset"] = part.assetTag.map(JSONValue.string)
        object["job"] = part.jobID.map(JSONValue.integer)
        object["final_at"] = part.finalAt.map { .string(RFC3339.format($0)) }
        object["verified_at"] = part.verifiedAt.map { .string(RFC3339.format($0)) }
        return .object(object)
    }

    static func print(_ details: ErasureDetails, json: Bool) {
        if json {
            var object = requestJSON(details.request).objectValue ?? [:]
            object["parts"] = .array(details.parts.map(partJSON))
            Output.printJSON(.object(object))
            return
        }
        let request = details.request
        Swift.print(
            "erasure request \(request.id): \(request.state), reason \(request.reason.rawValue), due \(RFC3339.format(request.dueAt))"
        )
        Swift.print("  subject (keyed hash): \(request.subject)")
        if details.parts.isEmpty { Swift.print("  no holdings: empty plan") }
        for part in details.parts {
            var line = "  part \(part.id): \(part.action.rawValue) in \(part.store): \(part.state)"
            if let backup = part.backupID { line += ", backup \(backup)" }
            if let final = part.finalAt {
                // A backup's data is finally gone only once the backup is recorded destroyed.
                let destroyed = part.backupID == nil || part.outcome["backup_shredded_at"] != nil
                line += destroyed ? ", finally gone \(RFC3339.format(final))" : ", kept until \(RFC3339.format(final))"
            }
            if let tag = part.assetTag { line += ", asset \(tag)" + (part.jobID.map { " job \($0)" } ?? "") }
            if let error = part.outcome["error"]?.stringValue { line += " (\(error))" }
            if part.state != "done", let note = part.outcome["note"]?.stringValue { line += "\n    \(note)" }
            Swift.print(line)
        }
    }
}

/// `lethe erasure reapply --store NAME`.
struct ErasureReapply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reapply",
        abstract: "After restoring a backup of a store, erase again every subject erased or suppressed there.",
        discussion: """
            Matches the identity column by keyed hash: no raw identifier is needed. Records what it found.

            Example:
              lethe erasure reapply --store crm
            """)

    @Option(help: "The restored store.") var store: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let outcome = try global.openApp(creating: true).reapplyErasures(store: store, actor: write.actor)
            if output.json {
                Output.printJSON([
                    "store": .string(outcome.store), "subjects": .integer(Int64(outcome.subjects)),
                    "subject_rows_found": .integer(Int64(outcome.subjectRowsFound)),
                    "tables": .array(
                        outcome.tables.map {
                            ["table": .string($0.table), "rows_affected": .integer(Int64($0.rowsAffected))]
                        }),
                    "compacted": .bool(outcome.compacted), "cleared": .integer(Int64(outcome.cleared)),
                ])
                return
            }
            print(
                "store \(outcome.store): \(outcome.subjects) erased subject(s) looked for, \(outcome.subjectRowsFound) found again and erased"
            )
            for table in outcome.tables { print("  \(table.table): \(table.rowsAffected) row(s) \(table.action)") }
        }
    }
}

/// `lethe erasure report ID`.
struct ErasureReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The customer's erasure report: where the data was, what was done, when, with what evidence.",
        discussion: """
            --format json prints the report's canonical JSON body (RFC 8785); --format html a page to send. \
            When every part is done the report is issued as a signed record (its serial is printed \
            here): 'lethe certificate export SERIAL --out DIR' writes the bundle the customer or an \
            auditor verifies with openssl.

            Examples:
              lethe erasure report 1
              lethe erasure report 1 --format html > erasure-1.html
            """)

    @Argument(help: "The request's number.") var id: Int64
    @Option(help: "json (canonical) or html; text when omitted.") var format: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json || format == "json") { () throws(LetheError) in
            let app = try global.openApp()
            let report = try app.erasureReport(id: id)
            switch format ?? (output.json ? "json" : "text") {
            case "json":
                FileHandle.standardOutput.write(Data(try report.canonicalJSON()))
                FileHandle.standardOutput.write(Data("\n".utf8))
            case "html": print(report.html, terminator: "")
            case "text":
                let body = report.body
                print(
                    "erasure report, request \(id): \(body["state"]?.stringValue ?? "?"), reason \(body["reason"]?.stringValue ?? "?")"
                )
                for part in body["parts"]?.arrayValue ?? [] {
                    var line =
                        "  \(part["store"]?.stringValue ?? "?") (\(part["kind"]?.stringValue ?? "?")): \(part["action"]?.stringValue ?? "?") \(part["state"]?.stringValue ?? "?")\(part["done_at"]?.stringValue.map { " at \($0)" } ?? "")"
                    if let final = part["final_at"]?.stringValue {
                        line += ", finally gone \(final)"
                    } else if let state = part["backup_state"]?.stringValue {
                        line += ", backup \(state)"
                        if let kept = part["kept_until"]?.stringValue { line += ", kept until \(kept)" }
                        if let due = part["destruction_due_at"]?.stringValue { line += ", destruction due \(due)" }
                    }
                    print(line)
                }
                print("  \(body["statement"]?.stringValue ?? "")")
                let serials = try app.erasureRecordSerials(id: id)
                if let serial = serials.first {
                    print("  signed record: \(serial) ('lethe certificate export \(serial) --out DIR')")
                } else if report.complete {
                    print("  not yet signed: 'lethe certificate issue --erasure \(id)'")
                }
            case let other:
                throw LetheError(.usage, "--format must be json or html, not '\(other)'")
            }
        }
    }
}

/// `lethe erasure scan-file FILE… --identifiers-file LIST`.
struct ErasureScanFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-file",
        abstract: "Residue scan: look for identifiers in any files (exports, logs, images), streaming.",
        discussion: """
            Identifiers are read one per line from --identifiers-file and kept in memory only; matches are \
            reported by offset and identifier line number, never by value. Exits 1 when anything is found.

            It matches as 'erasure run' does: UTF-8 and UTF-16 (LE and BE), and with --store the case rule \
            of that store's normalisation (A-Z and a-z alike for lowercase-trim); without --store, A-Z and \
            a-z alike. --exact-case and --utf8-only narrow the scan.

            Examples:
              lethe erasure scan-file export.csv app.log --identifiers-file erased.txt
              lethe erasure scan-file /restore/crm.sqlite --database --store crm --identifiers-file erased.txt --json
            """)

    @Argument(help: "The files to scan.") var files: [String]
    @Option(help: "A file with one identifier per line.") var identifiersFile: String
    @Option(help: "Match by this registered store's normalisation, as 'erasure run' does for it.") var store: String?
    @Flag(help: "Match the case exactly (A-Z and a-z differ), whatever the store.") var exactCase = false
    @Flag(help: "Look for the UTF-8 encoding only, not UTF-16.") var utf8Only = false
    // Kept so that existing scripts still run: both are the default now.
    @Flag(help: .hidden) var utf16 = false
    @Flag(help: .hidden) var ignoreCase = false
    @Flag(help: "Treat each file as a SQLite database: also scan its -wal and -journal.") var database = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if exactCase && ignoreCase { throw ValidationError("--exact-case and --ignore-case contradict each other") }
        if utf8Only && utf16 { throw ValidationError("--utf8-only and --utf16 contradict each other") }
    }

    func run() throws {
        var found = false
        try reporting(json: output.json) { () throws(LetheError) in
            let result = try global.openApp().scanFilesForResidue(
                files: files, identifiersFile: identifiersFile, store: store,
                encodings: utf8Only ? [.utf8] : LetheApp.residueEncodings, caseInsensitive: exactCase ? false : nil,
                database: database)
            found = !result.report.clean
            if output.json {
                Output.printJSON([
                    "identifiers": .integer(Int64(result.identifiers)),
                    "files": .array(
                        result.report.files.map { ["file": .string($0.path), "bytes": .integer($0.bytes)] }),
                    "matches": .integer(Int64(result.report.totalMatches)),
                    "first_matches": .array(
                        result.report.matches.prefix(100).map {
                            [
                                "file": .string($0.file), "offset": .integer($0.offset),
                                "identifier_line": .integer(Int64($0.patternIndex + 1)),
                                "encoding": .string($0.encoding.rawValue),
                            ]
                        }),
                    "seconds": .string(String(format: "%.3f", result.seconds)),
                ])
                return
            }
            let bytes = result.report.files.reduce(Int64(0)) { $0 + $1.bytes }
            print(
                "\(result.report.totalMatches) match(es) of \(result.identifiers) identifier(s) in \(result.report.files.count) file(s), \(bytes) bytes, \(String(format: "%.2f", result.seconds)) s"
            )
            for match in result.report.matches.prefix(20) {
                print(
                    "  \(match.file) offset \(match.offset): identifier line \(match.patternIndex + 1) (\(match.encoding.rawValue))"
                )
            }
        }
        if found { throw ExitCode(1) }
    }
}
