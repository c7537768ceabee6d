import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe verify`: scheduled verification runs and a person's attestation.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run due verifications (for cron or a systemd timer), or record a person's inspection.",
        discussion: """
            --due runs every due verification that an engine can do, and lists the jobs that need a \
            person (record those with --job ID --attest --evidence FILE). It exits 1 when anything \
            failed, could not run, or is overdue, so that cron or systemd alerts; 0 otherwise. \
            Separation of duties: whoever executed a job cannot verify it when its rule asks for it.

            Examples:
              lethe verify --due --actor verify-timer
              lethe verify --due --json
              lethe verify --job 12                    (run the read-back engine for one job now)
              lethe verify --job 12 --attest --evidence shred-cert-4411.pdf --notes "seals intact, cert matches serials"
              lethe verify --job 12 --attest --failed --evidence photo.jpg --notes "platters not destroyed"
            """)

    @Flag(help: "Run every due verification an engine can do.") var due = false
    @Option(help: "The job to verify now with its engine (read-back), or with --attest to attest.") var job: Int64?
    @Flag(help: "Record a person's inspection of the job's result.") var attest = false
    @Flag(help: "With --attest: the inspection found the result bad.") var failed = false
    @Option(parsing: .upToNextOption, help: "Evidence files inspected (certificates, photos).")
    var evidence: [String] = []
    @Option(help: "What was inspected and found.") var notes: String?
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard due != (job != nil) else { throw ValidationError("give either --due or --job ID [--attest]") }
        if job != nil, !attest, failed || !evidence.isEmpty {
            throw ValidationError("--failed and --evidence go with --attest")
        }
        if due, attest || failed || !evidence.isEmpty {
            throw ValidationError("--due takes no --attest, --failed or --evidence")
        }
    }

    func run() async throws {
        var attention = false
        try await reporting(json: output.json) { () async throws(LetheError) in
            let policies = try policyOptions.load(global: global)
            let app = try global.openApp()
            let principal = try write.principal()
            if let id = job, !attest {
                let result = try await app.jobs.verify(id, policies: policies, by: principal)
                attention = !result.passed
                if output.json {
                    Output.printResult(result)
                } else {
                    print(
                        "job \(result.job.id) (\(result.job.assetTag)) \(result.job.state.rawValue): \(result.summary)")
                    if let newJob = result.newJob {
                        print("asset \(newJob.assetTag) is awaiting sanitization again: job \(newJob.id)")
                    }
                }
                return
            }
            if let id = job {
                let attestation = Attestation(
                    evidence: try EvidenceFile.read(evidence.map(EvidenceFile.init(path:))), notes: notes,
                    passed: !failed)
                let result = try await app.jobs.attest(id, attestation, policies: policies, by: principal)
                let (job, newJob) = (result.job, result.newJob)
                if output.json {
                    Output.printResult(result)
                } else {
                    print("job \(job.id) (\(job.assetTag)) \(job.state.rawValue) by attestation")
                    if let newJob { print("asset \(newJob.assetTag) is awaiting sanitization again: job \(newJob.id)") }
                }
                return
            }
            let summary = try await app.jobs.verifyDue(policies: policies, by: principal)
            attention = summary.needsAttention
            if output.json {
                Output.printResult(summary)
                return
            }
            print(
                "verified \(summary.verified.count), failed \(summary.failed.count), could not run \(summary.errors.count), need a person \(summary.needsPerson.count), overdue \(summary.overdue.count), backups overdue \(summary.overdueBackups.count); erasures re-verified \(summary.erasures.passed.count), found again \(summary.erasures.refound.count)"
            )
            for item in summary.failed {
                print(
                    "FAILED   job \(item.job.id) (\(item.job.assetTag)) by \(item.verifier): \(item.summary)\(item.newJob.map { "; new job \($0.id)" } ?? "")"
                )
            }
            for item in summary.errors { print("ERROR    job \(item.job.id) (\(item.job.assetTag)): \(item.message)") }
            for job in summary.overdue {
                print(
                    "OVERDUE  job \(job.id) (\(job.assetTag)) \(job.state.rawValue), due \(RFC3339.format(job.plan.dueAt))"
                )
            }
            for backup in summary.overdueBackups {
                print(
                    "OVERDUE  backup \(backup.id) (\(backup.store)) expired \(backup.expiresAt.map(RFC3339.format) ?? "?"), destruction due \(backup.destructionDueAt.map(RFC3339.format) ?? "?"): \(BackupView.destruction(backup))"
                )
            }
            for part in summary.erasures.refound {
                print(
                    "REFOUND  erasure \(part.requestID) part \(part.id): the subject is in store \(part.store) again; run 'lethe erasure reapply --store \(part.store)'"
                )
            }
            for message in summary.erasures.errors { print("ERROR    \(message)") }
            for job in summary.needsPerson {
                print("PERSON   job \(job.id) (\(job.assetTag)): lethe verify --job \(job.id) --attest --evidence FILE")
            }
        }
        if attention { throw ExitCode(1) }
    }
}
