import Crypto
import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// Verifies Lethe's own overwrites by reading the target back: every byte (`full`), or a sample
/// of 1 MiB blocks drawn from a fresh recorded seed at the job's rate and minimum (`sample`),
/// always with the first and last block. The report is written as canonical JSON next to the
/// database (`reports/`), and its SHA-256 is kept as verification evidence.
public struct MediaReadbackVerifier: Verifier {
    /// `media-readback`.
    public let name = "media-readback"
    let store: any LetheStorage
    let reportDirectory: String?

    /// Creates the verifier over a store; reports go to `reportDirectory` when given.
    public init(store: any LetheStorage, reportDirectory: String?) {
        self.store = store
        self.reportDirectory = reportDirectory
    }

    /// Accepts executed jobs overwritten by Lethe whose rule asks for a full or sampled read-back.
    public func refusal(_ job: DisposalJob, asset: Asset) -> String? {
        guard job.tool == "lethe", job.technique == .overwrite else { return "not overwritten by lethe" }
        guard job.plan.verification.mode != .attest else { return "the rule asks for a person's inspection" }
        let run = try? store.read { (tx) throws(LetheError) in try tx.latestSanitizeRun(jobID: job.id) }
        guard let run, run.status == .completed else { return "no completed overwrite run" }
        return nil
    }

    /// Reads the target back and judges it.
    public func verify(_ job: DisposalJob, context: VerificationContext) throws(LetheError) -> VerificationOutcome {
        guard let run = try store.read({ (tx) throws(LetheError) in try tx.latestSanitizeRun(jobID: job.id) }),
            run.status == .completed
        else { throw LetheError(.notFound, "job \(job.id) has no completed overwrite run to read back") }
        let pattern = try OverwritePattern(parsing: run.pattern)
        let mode: ReadbackMode
        switch job.plan.verification.mode {
        case .sample:
            mode = .sampled(
                ratePercent: job.plan.verification.ratePercent ?? 1, minimum: job.plan.verification.minimum ?? 1,
                seed: PatternStream.newSeed())
        default:
            mode = .full
        }
        // The file the run overwrote, not whatever is at its path now: another file put there
        // (a fresh blank image) reads back as the fixed pattern just as well.
        if let recorded = run.targetIdentity {
            let now = FileIdentity.of(path: run.resolvedTarget)?.key ?? "none"
            guard now == recorded else {
                throw LetheError(
                    .conflict,
                    "\(run.resolvedTarget) is not the file that was overwritten for job \(job.id) (file \(recorded), now \(now)): it was replaced or moved since, so reading it back would show nothing about the overwrite"
                )
            }
        }
        // And the disk that was overwritten, not whatever the kernel now names so: its serial is
        // checked again, unless the overwrite itself went ahead without the check (its reason
        // is in the record).
        if run.isBlockDevice, run.serialIgnoredReason == nil {
            try TargetSafety().refuseOtherDevice(
                path: run.resolvedTarget, assetTag: job.assetTag, assetSerial: context.asset.serial)
        }
        let (size, _) = try OverwriteEngine.size(of: run.resolvedTarget)
        guard size == run.sizeBytes else {
            throw LetheError(
                .conflict,
                "\(run.resolvedTarget) is now \(size) bytes, not the \(run.sizeBytes) overwritten for job \(job.id)")
        }
        let report = try ReadbackEngine().run(
            path: run.resolvedTarget, pattern: pattern, seed: LetheApp.bytes(hex: run.seedHex), pass: run.passes,
            mode: mode)
        var json = report.json.objectValue ?? [:]
        json["job"] = .integer(job.id)
        json["asset"] = .string(job.assetTag)
        json["target"] = .string(run.resolvedTarget)
        json["overwrite_seed"] = .string(run.seedHex)
        json["time"] = .string(RFC3339.format(context.now))
        let bytes = try CanonicalJSON.encode(.object(json))
        let sha = Hex.encode(SHA256.hash(data: bytes))
        let fileName = "job-\(job.id)-readback-\(Int64(context.now.timeIntervalSince1970)).json"
        if let reportDirectory {
            try? FileManager.default.createDirectory(atPath: reportDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: reportDirectory + "/" + fileName, contents: Data(bytes)) else {
                throw LetheError(.io, "cannot write the read-back report \(reportDirectory)/\(fileName)")
            }
        }
        let digest = EvidenceDigest(
            jobID: job.id, purpose: .verification, fileName: fileName, sha256: sha, sizeBytes: Int64(bytes.count),
            recordedAt: context.now)
        var details = json
        details["mismatches"] = .array(Array((json["mismatches"]?.arrayValue ?? []).prefix(100)))
        details["report_sha256"] = .string(sha)
        let summary =
            if report.passed {
                "\(report.mode.name) read-back of \(report.blocksChecked) blocks (\(report.bytesRead) bytes): all \(run.pattern)"
            } else if report.bytesRead == 0 {
                "\(report.mode.name) read-back read nothing: \(run.resolvedTarget) is empty, so nothing on it can be shown overwritten"
            } else {
                "\(report.mode.name) read-back found \(report.mismatchCount) mismatching sectors, first at offset \(report.mismatches.first?.offset ?? -1)"
            }
        var method = "\(report.mode.name) read-back"
        if case .sampled(_, _, let seed) = mode { method += " seed \(Hex.encode(seed))" }
        return VerificationOutcome(
            passed: report.passed, summary: summary, method: method, evidence: [digest], details: .object(details))
    }
}

extension LetheApp {
    /// Runs the registered engine for one executed job now (the synchronous form of
    /// ``JobsService/verify(_:policies:by:)``), as the local operator named `actor`.
    func verifyJob(
        id: Int64, policies: LoadedPolicies, actor: String
    ) throws(LetheError) -> (
        job: DisposalJob, outcome: VerificationOutcome, newJob: DisposalJob?
    ) {
        let result = try verifyJob(id: id, policies: policies, principal: try Principal.localOperator(actor))
        return (
            result.job,
            VerificationOutcome(
                passed: result.passed, summary: result.summary, method: result.method, evidence: result.evidence,
                details: result.details),
            result.newJob
        )
    }

    /// Runs the registered engine for one executed job; blocks (engines' threads only).
    func verifyJob(id: Int64, policies: LoadedPolicies, principal: Principal) throws(LetheError) -> JobVerification {
        let (job, asset, evidence) = try store.read { (tx) throws(LetheError) in
            let job = try Self.requireJob(id, in: tx)
            return (job, try Self.requireAsset(job.assetTag, in: tx), try tx.evidence(jobID: id))
        }
        guard job.state == .executed else {
            throw LetheError(
                .illegalTransition, "job \(id) is \(job.state.rawValue); only executed jobs can be verified")
        }
        guard let engine = verifiers.verifier(for: job, asset: asset) else {
            throw LetheError(
                .conflict,
                "no engine can verify job \(id); a person inspects it: lethe verify --job \(id) --attest --evidence FILE"
            )
        }
        if let refusal = JobRules.verificationRefusal(job, by: principal) { throw refusal }
        let outcome = try engine.verify(
            job, context: VerificationContext(asset: asset, evidence: evidence, now: now, logger: logger))
        let (recorded, newJob) = try recordVerification(
            id: id, outcome: outcome, verifier: engine.name, policies: policies, by: principal)
        return JobVerification(
            job: recorded, passed: outcome.passed, summary: outcome.summary, method: outcome.method,
            details: outcome.details, evidence: outcome.evidence, newJob: newJob)
    }
}
