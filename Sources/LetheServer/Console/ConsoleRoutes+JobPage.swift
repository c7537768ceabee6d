import Foundation
import Hummingbird
import Lethe
import LetheCore

extension ConsoleRoutes {
    /// The largest evidence file the console's record and attest forms take.
    static let maxEvidenceBytes = 32 << 20

    /// One job: its plan and who did what, its evidence digests, its verification report, its
    /// certificates, and the steps this user may take now (record the work with its evidence,
    /// attest it, cancel it). When separation of duties stands in the way, the page says so in words.
    func jobPage(_ idText: String, view: ConsoleView) async throws -> Response {
        let id = try Self.jobID(idText)
        let details = try await app.jobs.show(id, by: view.principal)
        let job = details.job
        let fields: [(String, String?)] = [
            ("State", job.state.rawValue), ("Method", job.plan.method.rawValue),
            ("Techniques allowed", job.plan.techniques.map(\.rawValue).joined(separator: ", ")),
            ("Verification", job.plan.verification.mode.rawValue), ("Due", RFC3339.format(job.plan.dueAt)),
            ("Second person's approval", job.plan.secondPerson ? "required" : "not required"),
            ("Separation of duties", job.plan.separationOfDuties ? "the executor cannot verify" : "not required"),
            ("Requested by", job.requestedBy), ("Approved by", job.approvedBy), ("Executed by", job.executedBy),
            ("Executed", job.executedAt.map(RFC3339.format)), ("Technique used", job.technique?.rawValue),
            ("Tool", job.tool), ("Tool version", job.toolVersion), ("Verified by", job.verifiedBy),
            ("Verified", job.verifiedAt.map(RFC3339.format)), ("Reason", job.reason),
            ("Policy version", String(job.policyVersion.prefix(12))),
        ]
        var values: [String: Any] = [
            "id": job.id, "tag": job.assetTag, "tagPath": Self.pathComponent(job.assetTag), "overdue": details.overdue,
            "fields": fields.compactMap { label, value in value.map { ["label": label, "value": $0] } },
            "evidence": details.evidence.map {
                [
                    "purpose": $0.purpose.rawValue, "name": $0.fileName, "sha256": $0.sha256, "size": $0.sizeBytes,
                    "at": RFC3339.format($0.recordedAt),
                ] as [String: Any]
            },
            "hasEvidence": !details.evidence.isEmpty,
        ]
        let reports = try await verificationReports(job, view: view)
        values["reports"] = reports
        values["hasReports"] = !reports.isEmpty
        var issued = false
        if view.may(.readRecords) {
            let records = try await app.evidence.list(job: id, by: view.principal)
            values["records"] = records.map {
                ["serial": $0.serial, "serialPath": Self.pathComponent($0.serial), "status": $0.status.rawValue]
            }
            values["hasRecords"] = !records.isEmpty
            issued = records.contains { $0.status == .valid }
        }
        values.merge(jobForms(job, view: view)) { _, new in new }
        values["canIssue"] = job.state == .verified && !issued && view.may(.issueRecord)
        values["noSteps"] =
            ["canRecord", "canImportNwipe", "canAttest", "canCancel", "canIssue"].allSatisfy {
                values[$0] as? Bool != true
            }
            && (values["refusals"] as? [String] ?? []).isEmpty
        return Self.html("job", values, title: "Job \(job.id)", view: view)
    }

    /// The verification outcomes in the job's events (an engine's read-back or a person's attestation).
    private func verificationReports(_ job: DisposalJob, view: ConsoleView) async throws -> [[String: Any]] {
        guard view.may(.readAssets) else { return [] }
        let history = try await app.assets.history(job.assetTag, by: view.principal)
        return history.events.filter {
            ($0.type == .jobVerified || $0.type == .jobFailed) && $0.payload["job"]?.integerValue == job.id
        }.map { event in
            [
                "at": RFC3339.format(event.recordedAt), "actor": event.actor,
                "verifier": event.payload["verifier"]?.stringValue ?? "",
                "method": event.payload["method"]?.stringValue ?? "",
                "outcome": event.type == .jobVerified ? "passed" : "failed",
                "summary": event.payload["summary"]?.stringValue ?? "",
            ]
        }
    }

    /// The forms the job's state and the user's roles allow now, and the refusals in words.
    private func jobForms(_ job: DisposalJob, view: ConsoleView) -> [String: Any] {
        var values: [String: Any] = [:]
        var refusals: [String] = []
        let next = JobLifecycle.allowedNext(from: job.state)
        if next.contains(.executed), view.may(.recordJob) {
            if let refusal = JobRules.workRefusal(job) {
                refusals.append(refusal.message)
            } else {
                values["canRecord"] = true
                values["techniques"] = job.plan.techniques.map(\.rawValue)
                values["canAttachEvidence"] = view.may(.attachEvidence)
            }
        }
        if next.contains(.executed), view.may(.importNwipeLog), JobRules.workRefusal(job) == nil {
            values["canImportNwipe"] = true
        }
        if job.state == .executed, view.may(.attest) {
            if let refusal = JobRules.verificationRefusal(job, by: view.principal) {
                refusals.append(refusal.message)
            } else {
                values["canAttest"] = true
            }
        }
        if next.contains(.cancelled), view.may(.cancelJob) { values["canCancel"] = true }
        values["refusals"] = refusals
        return values
    }

    /// Records the work on a job from the record form, with its evidence file when one is chosen.
    func recordJob(_ id: Int64, form: ConsoleMultipart, view: ConsoleView) async throws -> Response {
        var evidence: [EvidenceContent] = []
        if let file = form.file("evidence") {
            try app.authorize(.attachEvidence, view.principal)
            evidence.append(Self.evidence(file))
        }
        let work = JobWorkRecord(
            technique: try Technique.parse(form.nonEmpty("technique") ?? "", field: "technique"),
            tool: form.nonEmpty("tool") ?? "", toolVersion: form.nonEmpty("tool_version") ?? "", evidence: evidence,
            notes: form.nonEmpty("notes"))
        try await app.jobs.record(id, work, by: view.principal)
        return Self.redirect("/console/jobs/\(id)")
    }

    /// Records a job's overwrite from an nwipe (ShredOS) log: the log must be of this asset's drive
    /// (its serial and size), and becomes the job's evidence.
    func importNwipe(_ id: Int64, form: ConsoleMultipart, view: ConsoleView) async throws -> Response {
        guard let file = form.file("log") else {
            throw LetheError(.usage, "choose the nwipe log to upload for job \(id)")
        }
        _ = try await app.sanitization.importNwipe(
            jobID: id, log: Self.evidence(file), policies: try ServerPolicies(app: app).load(), by: view.principal)
        return Self.redirect("/console/jobs/\(id)")
    }

    /// Attests a job's result from the attest form: the inspected file is required.
    func attestJob(_ id: Int64, form: ConsoleMultipart, view: ConsoleView) async throws -> Response {
        guard let file = form.file("evidence") else {
            throw LetheError(.usage, "attesting job \(id) needs the inspected file (a certificate, a photo)")
        }
        let attestation = Attestation(
            evidence: [Self.evidence(file)], notes: form.nonEmpty("notes"), passed: form.fields["passed"] != "no")
        try await app.jobs.attest(
            id, attestation, policies: try ServerPolicies(app: app).load(), by: view.principal)
        return Self.redirect("/console/jobs/\(id)")
    }

    /// A job's number from its path.
    static func jobID(_ text: String) throws(LetheError) -> Int64 {
        guard let id = Int64(text), id > 0 else { throw LetheError(.notFound, "there is no job \(Quoted(text))") }
        return id
    }
}
