import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheEvidence
import Synchronization

/// `lethe report`: disposal and compliance reports as signed evidence.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Generate, list, show, export, verify and reproduce signed disposal reports.",
        discussion: """
            A report is computed from the first N entries of the evidence log (N: the log's size when \
            it is generated) and states N and the log's root at N; computed again at N its content is \
            byte-identical ('lethe report reproduce'). Its JSON is canonical, signed as detached CMS \
            with the issuer identity and entered in the log as a record of kind 'report', so an auditor \
            checks it with openssl exactly as a disposal record ('lethe report export', VERIFY.txt).
            """,
        subcommands: [
            ReportDisposal.self, ReportShipment.self, ReportCustody.self, ReportErasure.self, ReportInventory.self,
            ReportList.self,
            ReportShow.self,
            ReportExport.self, ReportVerify.self,
            ReportReproduce.self, ReportDefine.self, ReportDefinitions.self, ReportRunDue.self,
        ]
    )
}

/// The renderings of a report.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case json, csv, html, pdf

    /// Writes `report` in this format to `descriptor` (its name `name`, for errors), a piece at a
    /// time as it is made: the signed record itself for JSON, else the rendering (a year's are
    /// hundreds of megabytes, never held whole).
    func write(_ report: IssuedReport, to descriptor: Int32, name: String) throws(LetheError) {
        func send(_ chunk: [UInt8]) throws(LetheError) { try DescriptorIO.writeAll(chunk, to: descriptor, name: name) }
        switch self {
        case .json: try report.writeRecord(to: descriptor, name: name)
        case .csv: try ReportCSV.write(report, to: send)
        case .html: try ReportHTML.write(report, to: send)
        case .pdf: try ReportPDF.write(report, progress: ReportProgressLine.pages, to: send)
        }
    }

    /// Whether a rendering ends with a line feed: every one does (CSV's rows end with CRLF, the
    /// HTML page and cairo's PDF with a line feed) but the signed record's canonical JSON.
    var endsWithNewline: Bool { self != .json }
}

/// The progress line of a report's generation and rendering on standard error, when it is a
/// terminal (a pipe or a log gets none): rewritten at most five times a second, from whichever
/// thread the work reports on.
final class ReportProgressLine: @unchecked Sendable {
    // @unchecked: `lastShown` and `shown` are touched under `lock` only.
    static let shared = ReportProgressLine()
    private let lock = NSLock()
    private var lastShown = Date.distantPast
    private var shown = false

    /// What ``ReportService`` says, as a line (nil when standard error is not a terminal).
    static var generation: (@Sendable (ReportProgress) -> Void)? {
        guard Output.standardErrorIsTerminal else { return nil }
        return { (progress) in
            switch progress {
            case .reading(let through, let size):
                shared.show("reading the evidence log: entry \(through.formatted()) of \(size.formatted())")
            case .rows(let written, let total):
                shared.show("writing the report's rows: \(written.formatted()) of \(total.formatted())")
            case .signing:
                shared.show("signing and storing the report", always: true)
            }
        }
    }

    /// The pages of a PDF as they are drawn, as a line (nil when standard error is not a
    /// terminal).
    static var pages: (@Sendable (Int, Int) -> Void)? {
        guard Output.standardErrorIsTerminal else { return nil }
        return { (page: Int, pages: Int) in
            shared.show(
                pages == 0
                    ? "laying out the PDF: page \(page.formatted())"
                    : "drawing the PDF: page \(page.formatted()) of \(pages.formatted())")
        }
    }

    /// Shows `text`, unless a line was shown less than 0.2 s ago (and not `always`).
    func show(_ text: String, always: Bool = false) {
        lock.withLock {
            let now = Date()
            guard always || now.timeIntervalSince(lastShown) >= 0.2 else { return }
            lastShown = now
            shown = true
            Output.progress(text + "…")
        }
    }

    /// Clears the line, if one was shown.
    func clear() {
        lock.withLock {
            guard shown else { return }
            shown = false
            Output.progress(nil)
        }
    }
}

/// Where a rendering goes: `--out FILE` (refused inside the data directory, or over a file
/// unless --force), else standard output.
struct ReportOutput: ParsableArguments {
    @Option(name: .long, help: "The format: json (the signed record), csv, html or pdf.")
    var format: ReportFormat = .json
    @Option(name: .long, help: "The file to write (default: standard output).") var out: String?
    @Flag(help: "Replace --out when it exists.") var force = false

    func check(_ app: LetheApp) throws(LetheError) {
        if let out {
            try OutputDestination.checkFile(out, force: force, dataDirectory: app.dataDirectory, flag: "--out")
        }
        if out == nil, format == .pdf {
            throw LetheError(.usage, "--format pdf needs --out FILE (a PDF is not written to a terminal)")
        }
    }

    func write(_ report: IssuedReport) async throws(LetheError) {
        // A PDF's pages are counted on the progress line as they are drawn into the output.
        defer { ReportProgressLine.shared.clear() }
        let (format, out, force) = (format, out, force)
        // On a thread of its own: a year's rendering takes a minute or more.
        try await OwnThread.run("lethe-render") { () throws(LetheError) in
            guard let out else {
                try format.write(report, to: STDOUT_FILENO, name: "standard output")
                // A terminal or a pipe gets a final newline (JSON's canonical bytes end without
                // one); --out writes exactly the rendering.
                if !format.endsWithNewline {
                    try DescriptorIO.writeAll([0x0A], to: STDOUT_FILENO, name: "standard output")
                }
                return
            }
            try OutputDestination.writeFile(out, force: force, flag: "--out") { (descriptor) throws(LetheError) in
                try format.write(report, to: descriptor, name: out)
            }
        }
    }
}

/// `lethe report disposal --from DAY --to DAY`.
struct ReportDisposal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disposal", abstract: "Generate and sign the disposal report of a period.",
        discussion: """
            Every asset sanitized, verified or disposed from --from to --to (whole UTC days, both \
            included): method, technique, tool, verification, performer, validator, destination, \
            certificate; totals by method × media × classification × outcome and by destination; \
            verification shares against the policy and the program target; exceptions; open work at \
            the period's end; erasure requests. Examples:
              lethe report disposal --from 2026-07-01 --to 2026-09-30 --format pdf --out q3.pdf
              lethe report disposal --from 2026-07-01 --to 2026-09-30 --format csv > q3.csv
            """)

    @Option(name: .long, help: "The period's first day (YYYY-MM-DD, UTC).") var from: String
    @Option(name: .long, help: "The period's last day, included (YYYY-MM-DD, UTC).") var to: String
    @Option(name: .long, help: "The program's target for independent re-checks by read-back, in percent.")
    var programTarget: Int64 = 5
    @OptionGroup var report: ReportOutput
    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: false) { () async throws(LetheError) in
            // A line left by the progress is cleared before an error is said.
            defer { ReportProgressLine.shared.clear() }
            let period = try ReportPeriod(from: from, to: to)
            let app = try issuer.openApp(global)
            try report.check(app)
            let principal = try write.principal()
            try await report.issue { (copy) async throws(LetheError) in
                try await app.reports.disposal(
                    period: period, programTargetPercent: programTarget, by: principal,
                    progress: ReportProgressLine.generation, copy: copy)
            }
        }
    }
}

/// `lethe report list`.
struct ReportList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List signed reports, newest first.",
        discussion: "Example:\n  lethe report list --json")

    @Option(name: .long, help: "At most this many.") var limit: Int?
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let reports = try await global.openApp().reports.list(limit: limit, by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(reports)
                return
            }
            Output.printTable(
                header: ["SERIAL", "REPORT", "PERIOD", "LOG SIZE", "ISSUED", "STATUS"],
                rows: reports.map { report in
                    let parameters = report.parameters
                    let period = [parameters["from"]?.stringValue, parameters["to"]?.stringValue].compactMap { $0 }
                    return [
                        report.serial, report.reportKind, period.joined(separator: " – "), String(report.logSize),
                        report.issuedAt, report.status == .valid ? "valid" : "REVOKED",
                    ]
                })
        }
    }
}

/// `lethe report show SERIAL [--format …] [--out FILE]`.
struct ReportShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print or render a signed report.",
        discussion: """
            Renders the stored, signed report again (nothing is recomputed). Examples:
              lethe report show ADS-2026-000042
              lethe report show ADS-2026-000042 --format html --out q3.html
            """)

    @Argument(help: "The report's serial.") var serial: String
    @OptionGroup var report: ReportOutput
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: false) { () async throws(LetheError) in
            let app = try global.openApp()
            try report.check(app)
            try await report.write(try await app.reports.show(serial: serial, by: try EvidenceReader.principal()))
        }
    }
}

/// `lethe report export SERIAL --out DIR`.
struct ReportExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a report's evidence bundle into a directory.",
        discussion: """
            The bundle of a disposal record (record.json, record.p7s, issuer.pem, log-entry.json, \
            log-proof.txt, log-key.pub, VERIFY.txt) with the report's printable HTML as record.html. \
            Example:
              lethe report export ADS-2026-000042 --out q3-bundle/
            """)

    @Argument(help: "The report's serial.") var serial: String
    @OptionGroup var export: BundleExportOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        let serial = serial
        try await export.run(serial, global: global) { (app, principal) async throws(LetheError) in
            try await app.reports.bundle(serial: serial, by: principal)
        }
    }
}

/// `lethe report verify DIR`.
struct ReportVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a report's evidence bundle offline and print each check.",
        discussion: """
            The checks of 'lethe certificate verify' (canonical form, CMS signature, log entry, signed \
            checkpoint, inclusion proof), then that the record is a report whose content has the \
            SHA-256 it states. Needs no installation; exits 65 when any check fails. Example:
              lethe report verify q3-bundle/ --trust our-ca.pem --log-key kept-log-key.pub
            """)

    @Argument(help: "The bundle's directory.") var directory: String
    @Option(name: .long, help: "CA certificates (PEM) to trust instead of the bundle's issuer.pem.") var trust: String?
    @Option(name: .long, help: "The log key you keep, instead of the bundle's log-key.pub.") var logKey: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await BundleVerifyRun.run(
            directory: directory, trust: trust, logKey: logKey, json: output.json, noun: "report"
        ) { (bundle, trust, logKey) throws(LetheError) in
            try await ReportService.verifyBundle(bundle, trust: trust, logKey: logKey)
        }
    }
}

/// `lethe report reproduce SERIAL`.
struct ReportReproduce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Compute a signed report again at the log size it states and compare the bytes.",
        discussion: """
            Exits 65 when the content computed now differs from the signed content, or the log's root \
            at that size is not the one the report states. Example:
              lethe report reproduce ADS-2026-000042
            """)

    @Argument(help: "The report's serial.") var serial: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var result: ReportReproduction?
        try await reporting(json: output.json) { () async throws(LetheError) in
            result = try await global.openApp().reports.reproduce(serial: serial, by: try EvidenceReader.principal())
        }
        guard let result else { return }
        if output.json {
            Output.printResult(result)
        } else if result.identical {
            print(
                "report \(serial) reproduced byte for byte at log size \(result.logSize) (content SHA-256 \(result.recomputedContentSHA256))"
            )
        } else {
            print(
                "report \(serial) DIFFERS at log size \(result.logSize): signed \(result.signedContentSHA256), computed \(result.recomputedContentSHA256)\(result.sameLogRoot ? "" : "; the log's root at that size changed")"
            )
        }
        if !result.identical { throw ExitCode(65) }
    }
}

/// `lethe report define NAME --period previous-month --format pdf`.
struct ReportDefine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "define", abstract: "Define a scheduled report (kind, period, format).",
        discussion: """
            'lethe report run-due' (or the service's scheduler) produces each definition's report once \
            its period has ended. Example:
              lethe report define monthly-disposal --period previous-month --format pdf
            """)

    @Argument(help: "The definition's name (letters, digits, '-', '_', '.').") var name: String
    @Option(name: .long, help: "The kind of report.") var kind: String = "disposal"
    @Option(name: .long, help: "previous-month, previous-quarter or previous-year.") var period: String
    @Option(name: .long, help: "The rendering to deliver: json, csv, html or pdf.") var format: String = "json"
    @Option(name: .long, help: "The program's target for independent re-checks by read-back, in percent.")
    var programTarget: Int64 = 5
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            guard let kind = ReportKind(rawValue: kind) else {
                throw LetheError(
                    .usage,
                    "report kind '\(kind)' is not one of: \(ReportKind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let definition = try await global.openApp(creating: true).reports.define(
                name: name, kind: kind, period: try ReportSchedulePeriod(parsing: period), format: format,
                programTargetPercent: programTarget, by: try write.principal())
            if output.json {
                Output.printResult(definition)
            } else {
                print(
                    "defined report \(definition.name): \(definition.kind.rawValue), \(definition.period.rawValue), \(definition.format)"
                )
            }
        }
    }
}

/// `lethe report definitions`.
struct ReportDefinitions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "definitions", abstract: "List the scheduled report definitions.",
        discussion: "Example:\n  lethe report definitions --json")

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let definitions = try await global.openApp().reports.definitions(by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(definitions)
                return
            }
            Output.printTable(
                header: ["NAME", "KIND", "PERIOD", "FORMAT", "LAST PERIOD TO", "LAST REPORT"],
                rows: definitions.map {
                    [
                        $0.name, $0.kind.rawValue, $0.period.rawValue, $0.format, $0.lastPeriodTo ?? "",
                        $0.lastSerial ?? "",
                    ]
                })
        }
    }
}

/// `lethe report run-due [--out DIR]`.
struct ReportRunDue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-due", abstract: "Produce every scheduled report whose period has ended.",
        discussion: """
            For cron or a systemd timer; the service's scheduler calls the same use case. With --out, \
            each report's rendering is written there as SERIAL.FORMAT. Example:
              lethe report run-due --out /srv/reports
            """)

    @Option(name: .long, help: "A directory for the renderings (created if needed).") var out: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let app = try global.openApp()
            if let out {
                try OutputDestination.checkDirectory(out, force: true, dataDirectory: app.dataDirectory)
                // Made (and found writable) before any report is issued: a due report issued, then not
                // written, would no longer be due, and no later run would write it.
                do {
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                } catch {
                    throw LetheError(
                        .io, "cannot create --out \(out): \(error.localizedDescription); nothing was issued")
                }
                guard access(out, W_OK) == 0 else {
                    throw LetheError(.io, "--out \(out) is not writable; nothing was issued")
                }
            }
            let produced = try await app.reports.runDue(at: app.currentTime, by: try write.principal())
            // A PDF's pages are counted on the progress line as they are drawn.
            defer { ReportProgressLine.shared.clear() }
            for item in produced {
                guard let out, let format = ReportFormat(rawValue: item.format) else { continue }
                let path = out + "/" + item.report.serial + "." + format.rawValue
                try OutputDestination.writeFile(path, force: true, flag: "--out") { (descriptor) throws(LetheError) in
                    try format.write(item.report, to: descriptor, name: path)
                }
            }
            ReportProgressLine.shared.clear()
            if output.json {
                Output.printResult(produced.map(\.report))
            } else if produced.isEmpty {
                print("no scheduled report is due")
            } else {
                for item in produced {
                    print(
                        "produced \(item.report.serial) for \(item.definition) (\(item.period.from) to \(item.period.to))"
                    )
                }
            }
        }
    }
}

/// `lethe report shipment MANIFEST`.
struct ReportShipment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shipment", abstract: "Generate and sign the report of one vendor manifest (a pallet at pickup).",
        discussion: """
            Every asset handed over under the manifest ('lethe asset move --manifest'), each hand-over \
            with its seals, and each asset's state, job and disposal record. Example:
              lethe report shipment SHRED-2026-0710 --format pdf --out pallet-0710.pdf
            """)

    @Argument(help: "The vendor manifest reference.") var manifest: String
    @OptionGroup var report: ReportOutput
    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: false) { () async throws(LetheError) in
            let app = try issuer.openApp(global)
            try report.check(app)
            let principal = try write.principal()
            try await report.issue { (copy) async throws(LetheError) in
                try await app.reports.shipment(manifest: manifest, by: principal, copy: copy)
            }
        }
    }
}

/// `lethe report custody TAG`.
struct ReportCustody: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody", abstract: "Generate and sign one asset's chain-of-custody document.",
        discussion: """
            The asset, every event about it, each hand-over, and signature lines for each. Example:
              lethe report custody LAP-3001 --format pdf --out LAP-3001-custody.pdf
            """)

    @Argument(help: "The asset tag.") var tag: String
    @OptionGroup var report: ReportOutput
    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: false) { () async throws(LetheError) in
            let app = try issuer.openApp(global)
            try report.check(app)
            let principal = try write.principal()
            try await report.issue { (copy) async throws(LetheError) in
                try await app.reports.custody(tag: tag, by: principal, copy: copy)
            }
        }
    }
}

extension ReportOutput {
    /// Issues a report through `issue` and writes it as ``issued(_:)`` does; but a signed record
    /// asked for in a file (`--format json --out FILE`) is copied there while the store commits
    /// it (`issue` is given the copy to pass on: a year's record is hundreds of megabytes), and
    /// the file appears once the report is issued — a report that is not leaves no file.
    func issue(_ issue: (RecordCopy?) async throws(LetheError) -> IssuedReport) async throws(LetheError) {
        guard format == .json, let out else {
            try await issued(issue(nil))
            return
        }
        let file = try OutputFile(out, force: force, flag: "--out")
        let copied = CopyOutcome()
        let report = try await issue { (report) in
            do throws(LetheError) {
                try report.writeRecord(to: file.descriptor, name: out)
            } catch {
                copied.failure.withLock { $0 = error }
            }
        }
        try await issued(report) { () throws(LetheError) in
            if let failure = copied.failure.withLock({ $0 }) { throw failure }
            try file.place()
        }
    }

    /// Writes a newly issued report (through `write` when given: the record copied as it was
    /// stored is placed) and says where it went (on standard error when the report itself went
    /// to standard output).
    func issued(
        _ report: IssuedReport, write place: (() async throws(LetheError) -> Void)? = nil
    ) async throws(LetheError) {
        ReportProgressLine.shared.clear()
        let again =
            "lethe report show \(report.serial) --format \(format.rawValue)\(out.map { " --out \($0)" } ?? "")"
        if format != .json {
            // Rendering a year's report takes a while: its serial is said before, so an interrupted
            // or failed rendering leaves the user with the signed report and the way to render it.
            Output.standardError("issued report \(report.serial); rendering it as \(format.rawValue) (again: \(again))")
        }
        do {
            if let place { try await place() } else { try await write(report) }
        } catch {
            throw LetheError(
                error.code,
                "\(error.message) (report \(report.serial) is issued and signed; render it again: \(again))",
                details: error.details)
        }
        let line =
            "issued report \(report.serial) (log entry \(report.logIndex); computed at log size \(report.logSize); record.json SHA-256 \(report.recordSHA256))"
        if let out { print(line + " to \(out)") } else { Output.standardError(line) }
    }
}

/// `lethe report erasure --from DAY --to DAY`.
struct ReportErasure: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erasure", abstract: "Generate and sign the erasure accountability report of a period.",
        discussion: """
            Every erasure request received or completed in the period, by number, with its reason, \
            dates, days to close and whether it closed within its due date; no subject is named, not \
            even by keyed hash. Example:
              lethe report erasure --from 2026-07-01 --to 2026-09-30 --format pdf --out erasure-q3.pdf
            """)

    @Option(name: .long, help: "The period's first day (YYYY-MM-DD, UTC).") var from: String
    @Option(name: .long, help: "The period's last day, included (YYYY-MM-DD, UTC).") var to: String
    @OptionGroup var report: ReportOutput
    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: false) { () async throws(LetheError) in
            let period = try ReportPeriod(from: from, to: to)
            let app = try issuer.openApp(global)
            try report.check(app)
            let principal = try write.principal()
            try await report.issue { (copy) async throws(LetheError) in
                try await app.reports.erasure(period: period, by: principal, copy: copy)
            }
        }
    }
}

/// `lethe report inventory [--state STATE]`.
struct ReportInventory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "Generate and sign the register as it stands (CSV or JSON for spreadsheets).",
        discussion: """
            Every registered asset with its fields and lifecycle state, only those in --state when \
            given. Examples:
              lethe report inventory --format csv --out register.csv
              lethe report inventory --state awaiting-sanitization --format csv
            """)

    @Option(name: .long, help: "Only assets in this lifecycle state.") var state: String?
    @OptionGroup var report: ReportOutput
    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: false) { () async throws(LetheError) in
            let state = try state.map { (text) throws(LetheError) in try LifecycleState.parse(text, field: "--state") }
            let app = try issuer.openApp(global)
            try report.check(app)
            let principal = try write.principal()
            try await report.issue { (copy) async throws(LetheError) in
                try await app.reports.inventory(state: state, by: principal, copy: copy)
            }
        }
    }
}

/// What became of a report's record copied to --out while it was stored: its failure, if any.
private final class CopyOutcome: Sendable {
    let failure = Mutex<LetheError?>(nil)
}
