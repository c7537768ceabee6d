import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe erasure`: erasure requests.
struct ErasureCommand: AsyncParsableCommand {
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
struct ErasureRequestCommand: AsyncParsableCommand {
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

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            guard let reason = ErasureReason(rawValue: reason) else {
                throw LetheError(.usage, "--reason must be withdrawal, objection, retention or other, not '\(reason)'")
            }
            let identifier = try subject.identifier()
            let policies = try policyOptions.load(global: global)
            let details = try await global.openApp().erasure.request(
                identifier: identifier, reason: reason, policies: policies, by: try write.principal())
            ErasureText.print(details, json: output.json)
        }
    }
}

/// `lethe erasure run ID`.
struct ErasureRun: AsyncParsableCommand {
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

    func run() async throws {
        var failed = false
        try await reporting(json: output.json) { () async throws(LetheError) in
            let identifier = try subject.identifier()
            let result = try await global.openApp().erasure.run(
                id, identifier: identifier, by: try write.principal())
            failed = result.failed
            let outcomes = result.parts
            if output.json {
                Output.printResult(result)
            } else {
                if outcomes.isEmpty { print("request \(id): no database part to run") }
                for outcome in outcomes {
                    let o = outcome.part.outcome
                    if let error = outcome.error {
                        print("part \(outcome.part.id) (\(outcome.part.store)): failed: \(error)")
                    } else if let unreached = o["residue_outside_reach"]?.arrayValue {
                        // A server's files are not Lethe's to scan: say what was done and what stays out of reach.
                        print(
                            "part \(outcome.part.id) (\(outcome.part.store)): \(outcome.part.state): \(o["subject_rows"]?.integerValue ?? 0) subject row(s) erased, query check \(o["query_check_remaining_rows"]?.integerValue ?? -1) remaining, \(o["vacuum_reason"]?.stringValue ?? "no vacuum")"
                        )
                        print("  outside Lethe's reach: \(unreached.compactMap(\.stringValue).joined(separator: "; "))")
                    } else {
                        print(
                            "part \(outcome.part.id) (\(outcome.part.store)): \(outcome.part.state): \(o["subject_rows"]?.integerValue ?? 0) subject row(s) erased, query check \(o["query_check_remaining_rows"]?.integerValue ?? -1) remaining, residue \(o["residue_clean"] == .bool(true) ? "clean" : "FOUND (\(o["residue_matches"]?.integerValue ?? 0) matches)")"
                        )
                    }
                }
                print("request \(id): \(result.requestState)")
            }
        }
        if failed { throw ExitCode(65) }
    }
}

/// `lethe erasure status ID`.
struct ErasureStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a request and each of its parts.")

    @Argument(help: "The request's number.") var id: Int64
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            ErasureText.print(
                try await global.openApp().erasure.details(id, by: try ErasureCLI.reader()), json: output.json)
        }
    }
}

/// `lethe erasure list`.
struct ErasureList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List erasure requests by due date.",
        discussion: "Exits 1 with --overdue when any open request is past its due date.")

    @Flag(help: "Only open requests past their due date.") var overdue = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var any = false
        try await reporting(json: output.json) { () async throws(LetheError) in
            let result = try await global.openApp().erasure.list(overdue: overdue, by: try ErasureCLI.reader())
            let requests = result.requests
            any = !requests.isEmpty
            if output.json { return Output.printResult(result) }
            Output.printTable(
                header: ["REQUEST", "STATE", "REASON", "DUE", "SUBJECT"],
                rows: requests.map {
                    [
                        "\($0.id)", $0.state.rawValue, $0.reason.rawValue, RFC3339.format($0.dueAt),
                        String($0.subject.prefix(12)) + "…",
                    ]
                })
        }
        if overdue, any { throw ExitCode(1) }
    }
}

/// `lethe erasure attest ID --store NAME`.
struct ErasureAttest: AsyncParsableCommand {
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

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let result = try await global.openApp().erasure.attest(
                id, store: store, backup: backup, notes: notes, evidence: try ErasureCLI.evidence(evidence),
                by: try write.principal())
            if output.json { return Output.printResult(result) }
            let part = result.part
            print("part \(part.id) (\(part.store)): done by attestation")
        }
    }
}

/// The text of erasure requests (their JSON is the use case's result).
enum ErasureText {
    static func print(_ details: ErasureDetails, json: Bool) {
        if json { return Output.printResult(details) }
        let request = details.request
        Swift.print(
            "erasure request \(request.id): \(request.state), reason \(request.reason.rawValue), due \(RFC3339.format(request.dueAt))"
        )
        Swift.print("  subject (keyed hash): \(request.subject)")
        if details.parts.isEmpty { Swift.print("  no holdings: empty plan") }
        for part in details.parts {
            var line = "  part \(part.id): \(part.action.rawValue) in \(part.store): \(part.state)"
            if let backup = part.backupID { line += ", backup \(backup)" }
            if let residue = part.outcome["residue"]?.stringValue {
                line += ", \(residue) '\(part.outcome["residue_name"]?.stringValue ?? "?")'"
            }
            if let retention = part.outcome["retention"]?.stringValue, let final = part.finalAt {
                // A declared residue: the date is what its declared retention gives, not observed.
                let from = part.outcome["counted_from"]?.stringValue == "erasure" ? "the erasure" : "the request"
                line +=
                    ", ages out by \(RFC3339.format(final)) under the declared retention \(retention) (from \(from))"
            } else if let final = part.finalAt {
                // A backup's data is finally gone only once the backup is recorded destroyed.
                let destroyed = part.backupID == nil || part.outcome["backup_shredded_at"] != nil
                line += destroyed ? ", finally gone \(RFC3339.format(final))" : ", kept until \(RFC3339.format(final))"
            }
            if let tag = part.assetTag { line += ", asset \(tag)" + (part.jobID.map { " job \($0)" } ?? "") }
            if let error = part.outcome["error"]?.stringValue { line += " (\(error))" }
            if part.state != .done, let hint = hint(part) { line += "\n    \(hint)" }
            Swift.print(line)
        }
    }

    /// What to do for a part that waits, rendered from the facts its outcome records (older
    /// parts recorded the text itself, as `note`: shown as it is).
    static func hint(_ part: ErasurePart) -> String? {
        if let note = part.outcome["note"]?.stringValue { return note }
        if part.action == .execute, part.outcome["holdings_recorded"] == .bool(false) {
            return
                "store \(part.store) has no holdings recorded (never scanned, or its scans failed): 'lethe erasure run \(part.requestID) --subject-stdin' searches it for the subject"
        }
        if part.outcome["check"]?.stringValue == "replay-past-erasure", let backup = part.backupID {
            let attest = "'lethe erasure attest \(part.requestID) --store \(part.store) --backup \(backup) --notes ...'"
            guard let lsn = part.outcome["primary_wal_lsn"]?.stringValue else {
                return
                    "after 'lethe erasure run \(part.requestID)': on the replica, SELECT pg_last_wal_replay_lsn() at or past the primary's position after the erasure; then \(attest)"
            }
            return
                "on the replica, SELECT pg_last_wal_replay_lsn() >= '\(lsn)'::pg_lsn (the primary's position after the erasure) must return t; then \(attest)"
        }
        if part.outcome["waiting_for"]?.stringValue == "declared-retention" {
            return "policy backup_erasure: shred: done when the declared retention has passed ('lethe schedule')"
        }
        guard part.outcome["waiting_for"]?.stringValue == "backup-destruction",
            let backup = part.outcome["backup"]?.integerValue
        else { return nil }
        if part.outcome["method"]?.stringValue == "crypto-erase" {
            return "policy backup_erasure: shred: run 'lethe backup shred \(backup)'; suppressed until then"
        }
        if let media = part.outcome["media"]?.stringValue {
            return
                "policy backup_erasure: shred: backup \(backup) lives on asset \(media): it is recorded destroyed when that medium's disposal job is verified (see 'lethe job list --asset \(media)'; retire it first if it is in service; if the medium is lost, 'lethe erasure attest \(part.requestID) --store \(part.store) --backup \(backup) --notes ...'); other backups on it are destroyed with it; suppressed until then"
        }
        let file = part.outcome["file"]?.stringValue ?? "its file"
        return
            "policy backup_erasure: shred: backup \(backup) is not encrypted by Lethe: destroy \(file) and record it with 'lethe erasure attest \(part.requestID) --store \(part.store) --backup \(backup) --notes ...'; suppressed until then"
    }
}

/// `lethe erasure reapply --store NAME`.
struct ErasureReapply: AsyncParsableCommand {
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

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let outcome = try await global.openApp().erasure.reapply(
                store: store, by: try write.principal())
            if output.json { return Output.printResult(outcome) }
            print(
                "store \(outcome.store): \(outcome.subjects) erased subject(s) looked for, \(outcome.subjectRowsFound) found again and erased"
            )
            for table in outcome.tables { print("  \(table.table): \(table.rowsAffected) row(s) \(table.action)") }
        }
    }
}

/// `lethe erasure report ID`.
struct ErasureReportCommand: AsyncParsableCommand {
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

    func run() async throws {
        try await reporting(json: output.json || format == "json") { () async throws(LetheError) in
            let erasure = try global.openApp().erasure
            let reader = try ErasureCLI.reader()
            let report = try await erasure.report(id, by: reader)
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
                    } else if part["kept_until_basis"]?.stringValue == "declared-retention",
                        let kept = part["kept_until"]?.stringValue
                    {
                        line += ", ages out by \(kept) under the declared retention"
                    } else if let state = part["backup_state"]?.stringValue {
                        line += ", backup \(state)"
                        if let kept = part["kept_until"]?.stringValue { line += ", kept until \(kept)" }
                        if let due = part["destruction_due_at"]?.stringValue { line += ", destruction due \(due)" }
                    }
                    print(line)
                }
                print("  \(body["statement"]?.stringValue ?? "")")
                let serials = try await erasure.recordSerials(id, by: reader)
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
struct ErasureScanFile: AsyncParsableCommand {
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

    func run() async throws {
        var found = false
        try await reporting(json: output.json) { () async throws(LetheError) in
            guard let list = FileManager.default.contents(atPath: identifiersFile) else {
                throw LetheError(.notFound, "cannot read the identifiers file \(identifiersFile)")
            }
            let identifiers = ErasureService.identifiers(fromList: list)
            guard !identifiers.isEmpty else {
                throw LetheError(.invalidInput, "\(identifiersFile) lists no identifier (one per line)")
            }
            let result = try await global.openApp().erasure.scanFiles(
                files, identifiers: identifiers, store: store,
                encodings: utf8Only ? [.utf8] : LetheApp.residueEncodings, caseInsensitive: exactCase ? false : nil,
                database: database, by: try ErasureCLI.reader())
            found = !result.report.clean
            if output.json { return Output.printResult(result) }
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
