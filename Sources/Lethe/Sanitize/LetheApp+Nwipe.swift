import Crypto
import Foundation
import LetheCore
import LetheSanitize
import LetheStore

extension LetheApp {
    /// Imports an nwipe log as the execution of a job: an erased, error-free log records the job
    /// executed (technique overwrite, tool nwipe) and the asset sanitized, and — where nwipe read
    /// back what it wrote, the rule asks for a full or sampled read-back, and separation of duties
    /// does not forbid it — verified; an aborted or failed log records the job failed. The log's
    /// SHA-256 is kept as evidence. Everything in one transaction.
    public func importNwipe(
        jobID: Int64, logPath: String, policies: LoadedPolicies, actor: String
    ) throws(LetheError) -> (job: DisposalJob, log: NwipeLog) {
        let actor = try ActorName.validate(actor)
        guard let data = FileManager.default.contents(atPath: logPath) else {
            throw LetheError(.notFound, "cannot read nwipe log \(logPath); check the path (nothing was recorded)")
        }
        let fileName = (logPath as NSString).lastPathComponent
        let log = try NwipeLog(bytes: Array(data), fileName: fileName)
        let time = now
        let digest = EvidenceDigest(
            jobID: jobID, purpose: .execution, fileName: fileName, sha256: Hex.encode(SHA256.hash(data: data)),
            sizeBytes: Int64(data.count), recordedAt: time)
        guard log.status != nil else {
            throw LetheError(
                .invalidInput,
                "nwipe log \(logPath) has no Drive Status table (the run was cut off before its summary); nothing was recorded"
            )
        }
        let executed = try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(jobID, in: tx)
            if let refusal = JobRules.workRefusal(job, actor: actor) { throw LetheError(.conflict, refusal) }
            let payload: [String: JSONValue] = [
                "job": .integer(jobID), "technique": .string("overwrite"), "tool": .string("nwipe"),
                "tool_version": .string(log.version ?? "unknown"), "method": .string(job.plan.method.rawValue),
                "nwipe": log.json, "evidence": .array([digest.json]),
            ]
            guard log.erasedWithoutErrors else {
                if job.state == .scheduled {
                    job.state = try JobLifecycle.transition(job: jobID, from: .scheduled, to: .inProgress)
                }
                job.state = try JobLifecycle.transition(job: jobID, from: job.state, to: .failed)
                job.reason = "nwipe \(log.status?.rawValue ?? "unknown"): the log \(fileName) shows no complete erasure"
                job.updatedAt = time
                try tx.update(job)
                try tx.insert(digest)
                try tx.append(
                    EventDraft(type: .jobFailed, assetTag: job.assetTag, payload: .object(payload)), actor: actor,
                    at: time)
                return job
            }
            job.state = try JobLifecycle.transition(job: jobID, from: job.state, to: .executed)
            guard job.plan.techniques.contains(.overwrite) else {
                throw LetheError(
                    .conflict,
                    "job \(jobID) needs \(job.plan.method.rawValue) (\(job.plan.techniques.map(\.rawValue).joined(separator: ", "))); an nwipe overwrite does not reach it (nothing was recorded)"
                )
            }
            job.executedBy = actor
            job.executedAt = time
            job.technique = .overwrite
            job.tool = "nwipe"
            job.toolVersion = log.version ?? "unknown"
            job.updatedAt = time
            try tx.update(job)
            try tx.insert(digest)
            try tx.append(
                EventDraft(type: .jobExecuted, assetTag: job.assetTag, payload: .object(payload)), actor: actor,
                at: time)
            let asset = try Self.requireAsset(job.assetTag, in: tx)
            _ = try Self.move(asset, to: .sanitized, in: tx, actor: actor, at: time, details: ["job": .integer(jobID)])
            return job
        }
        guard executed.state == .executed, log.toolVerified,
            executed.plan.verification.mode == .full || executed.plan.verification.mode == .sample,
            JobRules.verificationRefusal(executed, actor: actor) == nil
        else { return (executed, log) }
        let outcome = VerificationOutcome(
            passed: true,
            summary:
                "nwipe read back what it wrote (verify \(log.verify ?? "?"), \(log.bytesVerified) bytes, no errors)",
            method: "full read-back by nwipe", details: ["nwipe_log_sha256": .string(digest.sha256)])
        let (verified, _) = try recordVerification(
            id: jobID, outcome: outcome, verifier: "nwipe", policies: policies, actor: actor)
        return (verified, log)
    }
}
