import Foundation
import LetheCore
import LetheStore

/// What one `verify --due` run found and did.
public struct VerificationRunSummary: Sendable {
    /// Jobs an engine verified and found good.
    public var verified: [(job: DisposalJob, verifier: String, summary: String)] = []
    /// Jobs whose verification failed (the asset is back to awaiting sanitization with a new job).
    public var failed: [(job: DisposalJob, verifier: String, summary: String, newJob: DisposalJob?)] = []
    /// Jobs whose engine could not run (they stay due), with the error.
    public var errors: [(job: DisposalJob, message: String)] = []
    /// Executed jobs no engine can verify: a person must inspect and attest.
    public var needsPerson: [DisposalJob] = []
    /// Open jobs past their due date.
    public var overdue: [DisposalJob] = []
    /// Expired backups whose destruction is past its due date and not done.
    public var overdueBackups: [BackupRecord] = []

    /// Erasures re-verified on the policy's interval, and subjects found again.
    public var erasures = ErasureVerificationSummary()

    /// Whether anything failed or is overdue: the run exits non-zero so cron or systemd alerts.
    public var needsAttention: Bool {
        !failed.isEmpty || !overdue.isEmpty || !overdueBackups.isEmpty || !errors.isEmpty
            || erasures.needsAttention
    }
}

/// What verifying one job with its engine found (`verify --job ID`).
public struct JobVerification: Codable, Sendable {
    /// The job after the outcome was recorded (verified or failed).
    public var job: DisposalJob
    /// Whether the result meets the job's requirement.
    public var passed: Bool
    /// One line saying what was checked and found.
    public var summary: String
    /// The method used.
    public var method: String
    /// The engine's details (sample seed, positions read, mismatches).
    public var details: JSONValue
    /// Digests of the reports the engine wrote.
    public var evidence: [EvidenceDigest]
    /// The new job scheduled when the verification failed.
    public var newJob: DisposalJob?

    enum CodingKeys: String, CodingKey {
        case job, passed, summary, method, details, evidence
        case newJob = "new_job"
    }
}

/// What a person's attestation recorded (`verify --job ID --attest`).
public struct JobAttestation: Codable, Sendable {
    /// The job, verified or failed.
    public var job: DisposalJob
    /// The new job scheduled when the inspection found the result bad.
    public var newJob: DisposalJob?

    enum CodingKeys: String, CodingKey {
        case job
        case newJob = "new_job"
    }
}

/// What a person inspected and found, for an attestation.
public struct Attestation: Sendable, Hashable {
    /// What was inspected (certificates, photos): their digests are kept.
    public var evidence: [EvidenceContent]
    /// What was inspected and found.
    public var notes: String?
    /// Whether the result was found good.
    public var passed: Bool

    /// Creates an attestation.
    public init(evidence: [EvidenceContent], notes: String? = nil, passed: Bool = true) {
        self.evidence = evidence
        self.notes = notes
        self.passed = passed
    }
}

extension JobsService {
    /// Runs every due verification that a registered engine can do, records the outcomes, and
    /// lists what needs a person and what is overdue (`verify --due`; the service's scheduler runs
    /// it too). The engines read media back on a thread of their own while the task is suspended.
    public func verifyDue(
        policies: LoadedPolicies, by principal: Principal
    ) async throws(LetheError)
        -> VerificationRunSummary
    {
        try app.authorize(.runDueVerifications, principal)
        let app = app
        return try await OwnThread.run("lethe-due") { () throws(LetheError) in
            try app.verifyDue(policies: policies, principal: principal)
        }
    }

    /// Runs the registered engine for one executed job now (`verify --job ID`), on a thread of its own.
    public func verify(
        _ id: Int64, policies: LoadedPolicies, by principal: Principal
    ) async throws(LetheError)
        -> JobVerification
    {
        try app.authorize(.runVerification, principal)
        let app = app
        return try await OwnThread.run("lethe-verify") { () throws(LetheError) in
            try app.verifyJob(id: id, policies: policies, principal: principal)
        }
    }

    /// Records a person's inspection of a job's result (a vendor's certificate of destruction):
    /// the evidence's digests are kept, and the job is verified, or failed when the inspection
    /// found the result bad. Whoever executed the job cannot attest it when its rule separates
    /// duties (`forbidden`).
    @discardableResult
    public func attest(
        _ id: Int64, _ attestation: Attestation, policies: LoadedPolicies, by principal: Principal
    ) async throws(LetheError) -> JobAttestation {
        try app.authorize(.attest, principal)
        let app = app
        // Recording may issue records (signing): on a thread of its own.
        return try await OwnThread.run("lethe-attest") { () throws(LetheError) in
            try app.attest(id: id, attestation, policies: policies, principal: principal)
        }
    }
}

extension LetheApp {
    /// Runs every due verification (the synchronous form of ``JobsService/verifyDue(policies:by:)``),
    /// as the local operator named `actor`.
    func verifyDue(policies: LoadedPolicies, actor: String) throws(LetheError) -> VerificationRunSummary {
        try verifyDue(policies: policies, principal: try Principal.localOperator(actor))
    }

    /// Runs every due verification that a registered engine can do, records the outcomes, and
    /// lists what needs a person and what is overdue. Each outcome is its own transaction; the run
    /// ends with a `verification.run` event holding its counts (what `lethe status` shows).
    /// Blocks: engines' threads only.
    func verifyDue(policies: LoadedPolicies, principal: Principal) throws(LetheError) -> VerificationRunSummary {
        let actor = principal.name
        var summary = VerificationRunSummary()
        let due = try store.read { (tx) throws(LetheError) in
            try tx.jobs(JobQuery(states: [.executed])).map { (job) throws(LetheError) in
                (job, try Self.requireAsset(job.assetTag, in: tx), try tx.evidence(jobID: job.id))
            }
        }
        for (job, asset, evidence) in due {
            guard let engine = verifiers.verifier(for: job, asset: asset) else {
                summary.needsPerson.append(job)
                continue
            }
            if let refusal = JobRules.verificationRefusal(job, by: principal) {
                summary.errors.append((job, refusal.message))
                continue
            }
            let outcome: VerificationOutcome
            do {
                outcome = try engine.verify(
                    job, context: VerificationContext(asset: asset, evidence: evidence, now: now, logger: logger))
            } catch {
                summary.errors.append((job, "\(engine.name): \(error.message)"))
                continue
            }
            let (recorded, newJob) = try recordVerification(
                id: job.id, outcome: outcome, verifier: engine.name, policies: policies, by: principal)
            if outcome.passed {
                summary.verified.append((recorded, engine.name, outcome.summary))
            } else {
                summary.failed.append((recorded, engine.name, outcome.summary, newJob))
            }
        }
        summary.erasures = try verifyErasures(policies: policies, actor: actor)
        let time = now
        summary.overdue = try store.read { (tx) throws(LetheError) in
            try tx.jobs(JobQuery(states: JobState.open, dueBefore: time))
        }
        summary.overdueBackups = try overdueBackupDestructions()
        try recordVerificationRun(summary, actor: actor)
        return summary
    }

    /// Records a person's inspection (the synchronous form of ``JobsService/attest(_:_:policies:by:)``,
    /// reading the evidence files first), as the local operator named `actor`.
    @discardableResult
    func attest(
        id: Int64, evidence: [EvidenceFile], notes: String? = nil, passed: Bool = true, policies: LoadedPolicies,
        actor: String
    ) throws(LetheError) -> (job: DisposalJob, newJob: DisposalJob?) {
        let principal = try Principal.localOperator(actor)
        let result = try attest(
            id: id, Attestation(evidence: try EvidenceFile.read(evidence), notes: notes, passed: passed),
            policies: policies, principal: principal)
        return (result.job, result.newJob)
    }

    func attest(
        id: Int64, _ attestation: Attestation, policies: LoadedPolicies, principal: Principal
    ) throws(LetheError) -> JobAttestation {
        guard !attestation.evidence.isEmpty else {
            throw LetheError(
                .usage, "an attestation for job \(id) needs at least one --evidence file (what was inspected)")
        }
        let time = now
        let digests = attestation.evidence.map { $0.digest(jobID: id, purpose: .verification, at: time) }
        var details: [String: JSONValue] = [:]
        details["notes"] = attestation.notes.map(JSONValue.string)
        let outcome = VerificationOutcome(
            passed: attestation.passed,
            summary: attestation.notes
                ?? (attestation.passed ? "inspected and attested" : "inspection found a problem"),
            method: "attest", evidence: digests, details: .object(details))
        let (job, newJob) = try recordVerification(
            id: id, outcome: outcome, verifier: "attest", policies: policies, by: principal)
        return JobAttestation(job: job, newJob: newJob)
    }

    /// Records a verification outcome in one transaction: a pass verifies job and asset; a fail
    /// fails the job, moves the asset sanitized → verification-failed → awaiting-sanitization and
    /// schedules a new job under the current policies.
    func recordVerification(
        id: Int64, outcome: VerificationOutcome, verifier: String, policies: LoadedPolicies, by principal: Principal
    ) throws(LetheError) -> (job: DisposalJob, newJob: DisposalJob?) {
        let actor = principal.name
        let result = try recordVerificationOutcome(
            id: id, outcome: outcome, verifier: verifier, policies: policies, principal: principal)
        issueErasureRecordsOnCompletion(result.completed, actor: actor)
        if outcome.passed { issueRecordIfPolicyAsks(job: result.job, policies: policies, actor: actor) }
        return (result.job, result.newJob)
    }

    private func recordVerificationOutcome(
        id: Int64, outcome: VerificationOutcome, verifier: String, policies: LoadedPolicies, principal: Principal
    ) throws(LetheError) -> (job: DisposalJob, newJob: DisposalJob?, completed: [Int64]) {
        let actor = principal.name
        let time = now
        return try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(id, in: tx)
            guard job.state == .executed else {
                throw LetheError(
                    .illegalTransition,
                    "job \(id) is \(job.state.rawValue); only executed jobs can be verified (record the work first with 'lethe job record \(id)')"
                )
            }
            if let refusal = JobRules.verificationRefusal(job, by: principal) { throw refusal }
            job.state = try JobLifecycle.transition(job: id, from: job.state, to: outcome.passed ? .verified : .failed)
            job.verifiedBy = actor
            job.verifiedAt = time
            if !outcome.passed { job.reason = "verification failed: \(outcome.summary)" }
            job.updatedAt = time
            try tx.update(job)
            for digest in outcome.evidence {
                var digest = digest
                digest.jobID = id
                try tx.insert(digest)
            }
            var payload: [String: JSONValue] = [
                "job": .integer(id), "verifier": .string(verifier), "method": .string(outcome.method),
                "passed": .bool(outcome.passed), "summary": .string(outcome.summary),
                "evidence": .array(outcome.evidence.map(\.json)), "details": outcome.details,
            ]
            if let executor = job.executedBy { payload["executed_by"] = .string(executor) }
            try tx.append(
                EventDraft(
                    type: outcome.passed ? .jobVerified : .jobFailed, assetTag: job.assetTag, payload: .object(payload)),
                actor: actor, at: time)
            var asset = try Self.requireAsset(job.assetTag, in: tx)
            if outcome.passed {
                _ = try Self.move(asset, to: .verified, in: tx, actor: actor, at: time, details: ["job": .integer(id)])
                let requests = try Self.recordBackupsDestroyed(
                    afterVerifying: id, on: asset.tag, in: tx, actor: actor, at: time)
                // Backups whose medium this job sanitized are gone: requests that waited for them
                // complete in this transaction.
                let completed = try Self.completeIfDone(requests: requests, in: tx, actor: actor, at: time)
                return (job, nil, completed)
            }
            asset = try Self.move(
                asset, to: .verificationFailed, in: tx, actor: actor, at: time, details: ["job": .integer(id)])
            asset = try Self.move(
                asset, to: .awaitingSanitization, in: tx, actor: actor, at: time, details: ["failed_job": .integer(id)])
            guard let rule = policies.set.rule(for: asset.mediaType, asset.classification) else {
                return (job, nil, [])
            }
            let newJob = try tx.insert(
                DisposalJob(
                    assetTag: asset.tag, plan: JobPlan(rule: rule, retiredAt: time), policyVersion: policies.version,
                    requestedBy: actor, createdAt: time))
            try tx.append(
                EventDraft(
                    type: .jobScheduled, assetTag: asset.tag,
                    payload: .object([
                        "job": newJob.json, "rule": .string(rule.source), "after_failed_job": .integer(id),
                    ])),
                actor: actor, at: time)
            return (job, newJob, [])
        }
    }
}
