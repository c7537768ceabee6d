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

extension LetheApp {
    /// Runs every due verification that a registered engine can do, records the outcomes, and
    /// lists what needs a person and what is overdue. Each outcome is its own transaction; the run
    /// ends with a `verification.run` event holding its counts (what `lethe status` shows).
    public func verifyDue(policies: LoadedPolicies, actor: String) throws(LetheError) -> VerificationRunSummary {
        let actor = try ActorName.validate(actor)
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
            if let refusal = JobRules.verificationRefusal(job, actor: actor) {
                summary.errors.append((job, refusal))
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
                id: job.id, outcome: outcome, verifier: engine.name, policies: policies, actor: actor)
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

    /// Records a person's inspection of a job's result (a vendor's certificate of destruction):
    /// the evidence files' digests are kept, and the job is verified, or failed when `passed` is false.
    @discardableResult
    public func attest(
        id: Int64, evidence: [EvidenceFile], notes: String? = nil, passed: Bool = true, policies: LoadedPolicies,
        actor: String
    ) throws(LetheError) -> (job: DisposalJob, newJob: DisposalJob?) {
        let actor = try ActorName.validate(actor)
        guard !evidence.isEmpty else {
            throw LetheError(
                .usage, "an attestation for job \(id) needs at least one --evidence file (what was inspected)")
        }
        let digests = try EvidenceFile.digests(evidence, jobID: id, purpose: .verification, at: now)
        var details: [String: JSONValue] = [:]
        details["notes"] = notes.map(JSONValue.string)
        let outcome = VerificationOutcome(
            passed: passed, summary: notes ?? (passed ? "inspected and attested" : "inspection found a problem"),
            method: "attest", evidence: digests, details: .object(details))
        return try recordVerification(id: id, outcome: outcome, verifier: "attest", policies: policies, actor: actor)
    }

    /// Records a verification outcome in one transaction: a pass verifies job and asset; a fail
    /// fails the job, moves the asset sanitized → verification-failed → awaiting-sanitization and
    /// schedules a new job under the current policies.
    func recordVerification(
        id: Int64, outcome: VerificationOutcome, verifier: String, policies: LoadedPolicies, actor: String
    ) throws(LetheError) -> (job: DisposalJob, newJob: DisposalJob?) {
        let result = try recordVerificationOutcome(
            id: id, outcome: outcome, verifier: verifier, policies: policies, actor: actor)
        issueErasureRecordsOnCompletion(result.completed, actor: actor)
        if outcome.passed { issueRecordIfPolicyAsks(job: result.job, policies: policies, actor: actor) }
        return (result.job, result.newJob)
    }

    private func recordVerificationOutcome(
        id: Int64, outcome: VerificationOutcome, verifier: String, policies: LoadedPolicies, actor: String
    ) throws(LetheError) -> (job: DisposalJob, newJob: DisposalJob?, completed: [Int64]) {
        let time = now
        return try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(id, in: tx)
            guard job.state == .executed else {
                throw LetheError(
                    .illegalTransition,
                    "job \(id) is \(job.state.rawValue); only executed jobs can be verified (record the work first with 'lethe job record \(id)')"
                )
            }
            if let refusal = JobRules.verificationRefusal(job, actor: actor) { throw LetheError(.conflict, refusal) }
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
