import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheStore

/// `lethe certificate`: signed disposal records.
struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Issue, revoke, list, show, export and verify signed disposal records.",
        discussion: """
            A disposal record carries every field of NIST SP 800-88 Appendix G's certificate of \
            sanitization; it is canonical JSON signed as detached CMS (P-256, SHA-256) and entered in \
            the evidence log. Export a bundle for an auditor; its VERIFY.txt has the openssl commands.
            """,
        subcommands: [
            CertificateIssue.self, CertificateRevoke.self, CertificateList.self, CertificateShow.self,
            CertificateExport.self, CertificateVerify.self,
        ]
    )
}

/// `lethe certificate issue --job ID`.
struct CertificateIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue the signed disposal record of a verified job, or the signed report of an erasure.",
        discussion: """
            Signing, storing the record, its issuance event, the log entry and a new checkpoint happen \
            in one transaction. --all-verified issues every missing record in one transaction. \
            --erasure issues a completed erasure request's report as a signed record (done on completion \
            already; use it when that failed, or after revoking one). Examples:
              lethe certificate issue --job 12 --performer-title 'Technician' --validator-title 'QA lead'
              lethe certificate issue --all-verified
              lethe certificate issue --erasure 3
            """)

    @Option(name: .long, help: "The verified job.") var job: Int64?
    @Flag(name: .long, help: "Issue the record of every verified job that has none, in one transaction.")
    var allVerified = false
    @Option(name: .long, help: "A completed erasure request: issue its report as a signed record.")
    var erasure: Int64?
    @Option(name: .long, help: "Title of the person who performed the sanitization (Appendix G).")
    var performerTitle: String?
    @Option(name: .long, help: "Title of the person who validated it (Appendix G).") var validatorTitle: String?
    @Option(name: .long, help: "Whether the data was backed up: yes, no or unknown.") var dataBackedUp = "unknown"
    @Option(name: .long, help: "Where the backup is kept, if there is one.") var backupLocation: String?
    @Option(name: .long, help: "Classification after sanitization (Appendix G).")
    var postClassification = "unclassified"
    @Option(name: .long, help: "Notes printed on the record.") var notes: String?
    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let app = try issuer.openApp(global)
            guard [job != nil, allVerified, erasure != nil].filter({ $0 }).count == 1 else {
                throw LetheError(.usage, "give exactly one of --job ID, --all-verified, --erasure ID")
            }
            let principal = try write.principal()
            if let erasure {
                let record = try await app.evidence.issueErasureRecord(request: erasure, by: principal)
                if output.json {
                    Output.printResult(record)
                } else {
                    print("issued \(record.serial) for erasure request \(erasure) (log entry \(record.logIndex))")
                }
                return
            }
            let details = DisposalRecordDetails(
                performerTitle: performerTitle, validatorTitle: validatorTitle,
                dataBackedUp: try DataBackup(parsing: dataBackedUp), backupLocation: backupLocation,
                postSanitizationClassification: postClassification, notes: notes)
            if allVerified {
                let records = try await app.evidence.issuePendingDisposalRecords(details: details, by: principal)
                if output.json {
                    Output.printResult(records)
                } else {
                    print(
                        "issued \(records.count) records\(records.isEmpty ? "" : ": \(records[0].serial) … \(records[records.count - 1].serial)")"
                    )
                }
                return
            }
            guard let job else { throw LetheError(.usage, "give --job ID, or --all-verified") }
            let record = try await app.evidence.issueDisposalRecord(job: job, details: details, by: principal)
            if output.json {
                Output.printResult(record)
            } else {
                print("issued \(record.serial) for job \(job) (log entry \(record.logIndex))")
            }
        }
    }
}

/// `lethe certificate revoke SERIAL --reason TEXT`.
struct CertificateRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a record (a later re-verification failed); the record stays.",
        discussion: "Example:\n  lethe certificate revoke ADS-2026-000001 --reason 'sample read-back found data'")

    @Argument(help: "The record's serial.") var serial: String
    @Option(name: .long, help: "Why it is revoked.") var reason: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let revocation = try await global.openApp().evidence.revoke(
                serial: serial, reason: reason, by: try write.principal())
            if output.json {
                Output.printResult(revocation)
            } else {
                print("revoked \(serial) (log entry \(revocation.logIndex))")
            }
        }
    }
}

/// `lethe certificate list`.
struct CertificateList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List records, newest first.",
        discussion:
            "Examples:\n  lethe certificate list\n  lethe certificate list --job 12 --json\n  lethe certificate list --search LAP-0042"
    )

    @Option(name: .long, help: "Only the records of this job.") var job: Int64?
    @Option(name: .long, help: "Only records of this kind (disposal, …).") var kind: String?
    @Option(name: .customLong("search"), help: "Only records whose serial or asset tag contains this text (any case).")
    var text: String?
    @Option(name: .long, help: "At most this many.") var limit: Int?
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let records = try await global.openApp().evidence.list(
                kind: kind, job: job, text: text, limit: limit, by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(records)
                return
            }
            Output.printTable(
                header: ["SERIAL", "KIND", "JOB", "ASSET", "ISSUED", "STATUS"],
                rows: records.map { record in
                    [
                        record.serial, record.kind, record.job.map(String.init) ?? "", record.asset ?? "",
                        record.issuedAt, record.status == .valid ? "valid" : "REVOKED",
                    ]
                })
        }
    }
}

/// `lethe certificate show SERIAL`.
struct CertificateShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a record's signed fields and status.",
        discussion: "Example:\n  lethe certificate show ADS-2026-000001 --json")

    @Argument(help: "The record's serial.") var serial: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let details = try await global.openApp().evidence.record(serial: serial, by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(details)
                return
            }
            let record = details.summary
            print("\(record.serial): \(record.kind) record, issued \(record.issuedAt), log entry \(record.logIndex)")
            if record.status == .revoked {
                print("REVOKED \(record.revokedAt ?? ""): \(record.revocationReason ?? "")")
            }
            Output.printResult(details.record)
            if let omitted = details.contentOmitted { print("content not shown: \(omitted)") }
        }
    }
}

/// `lethe certificate export SERIAL --out DIR`.
struct CertificateExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a record's evidence bundle into a directory.",
        discussion: """
            Writes record.json, record.p7s, issuer.pem, log-entry.json, log-proof.txt, log-key.pub, \
            record.html and VERIFY.txt. A directory inside the data directory is always refused; an \
            existing non-empty one unless --force. Example:
              lethe certificate export ADS-2026-000001 --out bundle/
            """)

    @Argument(help: "The record's serial.") var serial: String
    @OptionGroup var export: BundleExportOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        let serial = serial
        try await export.run(serial, global: global) { (app, principal) async throws(LetheError) in
            try await app.evidence.bundle(serial: serial, by: principal)
        }
    }
}

/// Where and how an `export` command (`certificate export`, `report export`) writes a record's
/// evidence bundle, and the writing itself.
struct BundleExportOptions: ParsableArguments {
    @Option(name: .long, help: "The directory to write (created if needed).") var out: String
    @Flag(help: "Write into a non-empty directory, replacing the bundle's files in it.") var force = false
    @OptionGroup var output: OutputOptions

    /// Checks the directory, fetches the bundle, writes it, and says so (warning when the record
    /// was revoked).
    func run(
        _ serial: String, global: GlobalOptions,
        fetch: @escaping @Sendable (LetheApp, Principal) async throws(LetheError) -> RecordBundle
    ) async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let app = try global.openApp()
            try OutputDestination.checkDirectory(out, force: force, dataDirectory: app.dataDirectory)
            let bundle = try await fetch(app, try EvidenceReader.principal())
            try bundle.write(directory: out)
            let exported = bundle.written(to: out)
            if output.json {
                Output.printResult(exported)
            } else {
                print("wrote the evidence bundle of \(serial) to \(out) (see \(out)/VERIFY.txt)")
                if exported.revoked {
                    Output.standardError("lethe: warning: record \(serial) is REVOKED (see record.html)")
                }
            }
        }
    }
}

/// `lethe certificate verify DIR`.
struct CertificateVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check an evidence bundle offline and print each check.",
        discussion: """
            Needs no installation. Exits 65 when any check fails. Examples:
              lethe certificate verify bundle/
              lethe certificate verify bundle/ --trust our-ca.pem --log-key kept-log-key.pub
            """)

    @Argument(help: "The bundle's directory.") var directory: String
    @Option(name: .long, help: "CA certificates (PEM) to trust instead of the bundle's issuer.pem.") var trust: String?
    @Option(name: .long, help: "The log key you keep, instead of the bundle's log-key.pub.") var logKey: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await BundleVerifyRun.run(
            directory: directory, trust: trust, logKey: logKey, json: output.json, noun: "bundle"
        ) { (bundle, trust, logKey) throws(LetheError) in
            try await EvidenceService.verifyBundle(bundle, trust: trust, logKey: logKey)
        }
    }
}
