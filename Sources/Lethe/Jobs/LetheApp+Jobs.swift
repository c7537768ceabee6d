import Crypto
import Foundation
import LetheCore
import LetheStore

/// A job with its evidence digests, for `job show`.
public struct JobDetails: Sendable {
    /// The job.
    public var job: DisposalJob
    /// The digests of its evidence files.
    public var evidence: [EvidenceDigest]
}

/// An evidence file given on the command line: its path, and what it supports.
public struct EvidenceFile: Sendable, Hashable {
    /// The file's path.
    public var path: String

    /// Names a file.
    public init(path: String) { self.path = path }

    /// Reads and hashes the files, before any change: a missing or unreadable file is an error
    /// naming it, and nothing is recorded.
    static func digests(
        _ files: [EvidenceFile], jobID: Int64, purpose: EvidencePurpose, at time: Date
    )
        throws(LetheError) -> [EvidenceDigest]
    {
        var result: [EvidenceDigest] = []
        for file in files {
            let read = try file.hashed()
            result.append(
                EvidenceDigest(
                    jobID: jobID, purpose: purpose, fileName: read.name, sha256: read.sha256, sizeBytes: read.bytes,
                    recordedAt: time))
        }
        return result
    }

    /// The file's name (without its directory), SHA-256 and size; a missing or unreadable file is
    /// an error naming it.
    func hashed() throws(LetheError) -> (name: String, sha256: String, bytes: Int64) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw LetheError(
                exists ? .io : .notFound,
                exists
                    ? "cannot read evidence file \(path); check its permissions (nothing was recorded)"
                    : "evidence file \(path) does not exist; check the path (nothing was recorded)")
        }
        return ((path as NSString).lastPathComponent, Hex.encode(SHA256Digest.of(data)), Int64(data.count))
    }
}

extension LetheApp {
    /// The jobs matching a query.
    public func listJobs(_ query: JobQuery) throws(LetheError) -> [DisposalJob] {
        try store.read { (tx) throws(LetheError) in try tx.jobs(query) }
    }

    /// A job and its evidence; `not-found` when there is no such job.
    public func jobDetails(id: Int64) throws(LetheError) -> JobDetails {
        try store.read { (tx) throws(LetheError) in
            JobDetails(job: try Self.requireJob(id, in: tx), evidence: try tx.evidence(jobID: id))
        }
    }

    /// Approves a job that needs a second person; the requester cannot approve their own job.
    @discardableResult
    public func approveJob(id: Int64, actor: String) throws(LetheError) -> DisposalJob {
        let actor = try ActorName.validate(actor)
        let time = now
        return try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(id, in: tx)
            guard !job.state.isFinished else {
                throw LetheError(
                    .illegalTransition, "job \(id) is \(job.state.rawValue); only open jobs can be approved")
            }
            if let refusal = JobRules.approvalRefusal(job, actor: actor) { throw LetheError(.conflict, refusal) }
            job.approvedBy = actor
            job.updatedAt = time
            try tx.update(job)
            try tx.append(
                EventDraft(
                    type: .jobApproved, assetTag: job.assetTag,
                    payload: ["job": .integer(id), "requested_by": .string(job.requestedBy)]),
                actor: actor, at: time)
            return job
        }
    }

    /// Starts work on a job (scheduled → in-progress); refused before a required approval.
    @discardableResult
    public func startJob(id: Int64, actor: String) throws(LetheError) -> DisposalJob {
        let actor = try ActorName.validate(actor)
        let time = now
        return try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(id, in: tx)
            job.state = try JobLifecycle.transition(job: id, from: job.state, to: .inProgress)
            if let refusal = JobRules.workRefusal(job, actor: actor) { throw LetheError(.conflict, refusal) }
            job.updatedAt = time
            try tx.update(job)
            try tx.append(
                EventDraft(type: .jobStarted, assetTag: job.assetTag, payload: ["job": .integer(id)]), actor: actor,
                at: time)
            return job
        }
    }

    /// Cancels an open job that has not been executed, with a reason. The asset stays awaiting
    /// sanitization; the next `schedule` run plans it again.
    @discardableResult
    public func cancelJob(id: Int64, reason: String, actor: String) throws(LetheError) -> DisposalJob {
        let actor = try ActorName.validate(actor)
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw LetheError(.usage, "cancelling job \(id) needs a --reason") }
        try FieldLimits.check(reason, field: "reason", limit: FieldLimits.reason)
        let time = now
        return try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(id, in: tx)
            job.state = try JobLifecycle.transition(job: id, from: job.state, to: .cancelled)
            job.reason = reason
            job.updatedAt = time
            try tx.update(job)
            try tx.append(
                EventDraft(
                    type: .jobCancelled, assetTag: job.assetTag,
                    payload: ["job": .integer(id), "reason": .string(reason)]),
                actor: actor, at: time)
            return job
        }
    }

    /// Records work done outside Lethe (a vendor's shredding, a firmware sanitize): the job
    /// becomes executed, its evidence files' digests are kept, and the asset becomes sanitized.
    /// Evidence files are read and hashed before anything changes.
    @discardableResult
    public func recordJob(
        id: Int64, technique: Technique, tool: String, toolVersion: String, evidence: [EvidenceFile] = [],
        notes: String? = nil, actor: String
    ) throws(LetheError) -> DisposalJob {
        let actor = try ActorName.validate(actor)
        let tool = tool.trimmingCharacters(in: .whitespaces)
        let toolVersion = toolVersion.trimmingCharacters(in: .whitespaces)
        guard !tool.isEmpty, !toolVersion.isEmpty else {
            throw LetheError(.usage, "recording job \(id) needs --tool and --tool-version (NIST SP 800-88 Appendix G)")
        }
        let time = now
        let digests = try EvidenceFile.digests(evidence, jobID: id, purpose: .execution, at: time)
        return try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(id, in: tx)
            job.state = try JobLifecycle.transition(job: id, from: job.state, to: .executed)
            if let refusal = JobRules.workRefusal(job, actor: actor) { throw LetheError(.conflict, refusal) }
            guard job.plan.techniques.contains(technique) else {
                throw LetheError(
                    .invalidInput,
                    "technique \(technique.rawValue) is not allowed for job \(id) (method \(job.plan.method.rawValue)); use one of: \(job.plan.techniques.map(\.rawValue).joined(separator: ", "))"
                )
            }
            job.executedBy = actor
            job.executedAt = time
            job.technique = technique
            job.tool = tool
            job.toolVersion = toolVersion
            job.updatedAt = time
            try tx.update(job)
            for digest in digests { try tx.insert(digest) }
            var payload: [String: JSONValue] = [
                "job": .integer(id), "technique": .string(technique.rawValue), "tool": .string(tool),
                "tool_version": .string(toolVersion), "method": .string(job.plan.method.rawValue),
                "evidence": .array(digests.map(\.json)),
            ]
            payload["notes"] = notes.map(JSONValue.string)
            try tx.append(
                EventDraft(type: .jobExecuted, assetTag: job.assetTag, payload: .object(payload)), actor: actor,
                at: time)
            let asset = try Self.requireAsset(job.assetTag, in: tx)
            _ = try Self.move(asset, to: .sanitized, in: tx, actor: actor, at: time, details: ["job": .integer(id)])
            return job
        }
    }

    static func requireJob(_ id: Int64, in tx: any StoreReading) throws(LetheError) -> DisposalJob {
        guard let job = try tx.job(id: id) else {
            throw LetheError(.notFound, "job \(id) does not exist; see 'lethe job list'")
        }
        return job
    }
}

/// SHA-256 through swift-crypto.
enum SHA256Digest {
    static func of(_ data: Data) -> [UInt8] { Array(SHA256.hash(data: data)) }
}
