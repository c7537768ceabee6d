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
    ///
    /// Refused, with nothing recorded, when the log is not about the asset (its device's serial
    /// and size, see ``NwipeLog/selectingDevice(for:logName:)``), when a log with the same SHA-256
    /// is evidence of another job, when the job's rule does not allow an overwrite, and when the
    /// log says "Erased" but its lines contradict it (``NwipeLog/completenessFindings()``).
    ///
    /// - Parameters:
    ///   - devicePath: the device to take from a log of several devices whose serials do not tell them apart.
    ///   - ignoreSerialReason: skips the serial check (a drive that reports another serial than
    ///     its label); the reason is kept in the `job.executed` event and the record's notes.
    public func importNwipe(
        jobID: Int64, logPath: String, policies: LoadedPolicies, actor: String, devicePath: String? = nil,
        ignoreSerialReason: String? = nil
    ) throws(LetheError) -> (job: DisposalJob, log: NwipeLog) {
        let actor = try ActorName.validate(actor)
        let reason = ignoreSerialReason?.trimmed
        if let reason, reason.isEmpty || reason.count > 500 {
            throw LetheError(.usage, "--reason must say in 1 to 500 characters why the serial check is skipped")
        }
        guard let data = FileManager.default.contents(atPath: logPath) else {
            throw LetheError(.notFound, "cannot read nwipe log \(logPath); check the path (nothing was recorded)")
        }
        let fileName = (logPath as NSString).lastPathComponent
        let parsed = try NwipeLog(bytes: Array(data), fileName: fileName)
        let time = now
        let digest = EvidenceDigest(
            jobID: jobID, purpose: .execution, fileName: fileName, sha256: Hex.encode(SHA256.hash(data: data)),
            sizeBytes: Int64(data.count), recordedAt: time)
        let (executed, log) = try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(jobID, in: tx)
            if let refusal = JobRules.workRefusal(job, actor: actor) { throw LetheError(.conflict, refusal) }
            guard job.plan.techniques.contains(.overwrite) else {
                throw LetheError(
                    .conflict,
                    "job \(jobID) needs \(job.plan.method.rawValue) (\(job.plan.techniques.map(\.rawValue).joined(separator: ", "))); an nwipe overwrite does not reach it (nothing was recorded)"
                )
            }
            if let other = try tx.jobsWithEvidence(sha256: digest.sha256).first(where: { $0 != jobID }) {
                throw LetheError(
                    .conflict,
                    "nwipe log \(logPath) (sha256 \(digest.sha256.prefix(12))…) is already the evidence of job \(other); one run wipes one drive: import the log of the run that wiped \(job.assetTag) (nothing was recorded)"
                )
            }
            let asset = try Self.requireAsset(job.assetTag, in: tx)
            let log = try parsed.selectingDevice(
                for: NwipeExpectation(
                    assetTag: asset.tag, serial: asset.serial, capacityBytes: asset.capacityBytes,
                    devicePath: devicePath, ignoreSerial: reason != nil),
                logName: fileName)
            guard let status = log.status else {
                throw LetheError(
                    .invalidInput,
                    "nwipe log \(logPath) has no Drive Status row for \(log.device ?? "the device") (the run was cut off before its summary); nothing was recorded"
                )
            }
            var payload: [String: JSONValue] = [
                "job": .integer(jobID), "technique": .string("overwrite"), "tool": .string("nwipe"),
                "tool_version": .string(log.version ?? "unknown"), "method": .string(job.plan.method.rawValue),
                "nwipe": log.json, "evidence": .array([digest.json]),
            ]
            if let reason {
                payload["serial_check"] = [
                    "skipped": true, "reason": .string(reason),
                    "asset_serial": asset.serial.map(JSONValue.string) ?? .null,
                    "log_serial_hex": log.serialHex.map(JSONValue.string) ?? .null,
                ]
            }
            if status == .erased {
                let findings = log.completenessFindings()
                if let first = findings.first {
                    throw LetheError(
                        .invalidInput,
                        "nwipe log \(logPath) says \(log.device ?? "the device") was Erased, but \(first)\(findings.count > 1 ? " (and \(findings.count - 1) more)" : ""); this log is not evidence of a complete erasure (nothing was recorded)",
                        details: findings.map(\.description))
                }
            }
            guard log.erasedWithoutErrors else {
                if job.state == .scheduled {
                    job.state = try JobLifecycle.transition(job: jobID, from: .scheduled, to: .inProgress)
                }
                job.state = try JobLifecycle.transition(job: jobID, from: job.state, to: .failed)
                job.reason = "nwipe \(status.rawValue): the log \(fileName) shows no complete erasure"
                job.updatedAt = time
                try tx.update(job)
                try tx.insert(digest)
                try tx.append(
                    EventDraft(type: .jobFailed, assetTag: job.assetTag, payload: .object(payload)), actor: actor,
                    at: time)
                return (job, log)
            }
            job.state = try JobLifecycle.transition(job: jobID, from: job.state, to: .executed)
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
            _ = try Self.move(asset, to: .sanitized, in: tx, actor: actor, at: time, details: ["job": .integer(jobID)])
            return (job, log)
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
