import Crypto
import Foundation
import LetheCore
import LetheStore

/// A job with its evidence digests, for `job show`: the job's members, whether it is overdue at
/// the time it was read, and its evidence.
public struct JobDetails: Codable, Sendable {
    /// The job.
    public var job: DisposalJob
    /// Whether the job was past its due date and not finished when it was read.
    public var overdue: Bool
    /// The digests of its evidence files.
    public var evidence: [EvidenceDigest]

    /// Decodes the job's members with `overdue` and `evidence` beside them.
    public init(from decoder: any Decoder) throws {
        job = try DisposalJob(from: decoder)
        let container = try decoder.container(keyedBy: JobStatus.ExtraKeys.self)
        overdue = try container.decode(Bool.self, forKey: .overdue)
        evidence = try container.decode([EvidenceDigest].self, forKey: .evidence)
    }

    init(job: DisposalJob, overdue: Bool, evidence: [EvidenceDigest]) {
        self.job = job
        self.overdue = overdue
        self.evidence = evidence
    }

    /// Encodes the job's members with `overdue` and `evidence` beside them.
    public func encode(to encoder: any Encoder) throws {
        var object = job.json.objectValue ?? [:]
        object["overdue"] = .bool(overdue)
        object["evidence"] = .array(evidence.map(\.json))
        try JSONValue.object(object).encode(to: encoder)
    }
}

/// A job in a listing: its members and whether it is overdue at the time it was read.
public struct JobStatus: Codable, Sendable {
    enum ExtraKeys: String, CodingKey { case overdue, evidence }

    /// The job.
    public var job: DisposalJob
    /// Whether the job was past its due date and not finished when it was read.
    public var overdue: Bool

    init(job: DisposalJob, overdue: Bool) {
        self.job = job
        self.overdue = overdue
    }

    /// Decodes the job's members with `overdue` beside them.
    public init(from decoder: any Decoder) throws {
        job = try DisposalJob(from: decoder)
        overdue = try decoder.container(keyedBy: ExtraKeys.self).decode(Bool.self, forKey: .overdue)
    }

    /// Encodes the job's members with `overdue` beside them.
    public func encode(to encoder: any Encoder) throws {
        var object = job.json.objectValue ?? [:]
        object["overdue"] = .bool(overdue)
        try JSONValue.object(object).encode(to: encoder)
    }
}

/// The jobs a query found, by due date (`job list`).
public struct JobListing: Codable, Sendable {
    /// The jobs.
    public var jobs: [JobStatus]
}

/// What a job listing asks for: the front end's filters, checked by the use case.
public struct JobFilter: Sendable, Hashable {
    /// Only jobs in this state.
    public var state: JobState?
    /// Only open jobs past their due date.
    public var overdue: Bool
    /// Only jobs due before this time.
    public var dueBefore: Date?
    /// Only jobs for this asset.
    public var assetTag: String?
    /// At most this many.
    public var limit: Int

    /// Creates a filter.
    public init(
        state: JobState? = nil, overdue: Bool = false, dueBefore: Date? = nil, assetTag: String? = nil,
        limit: Int = 1000
    ) {
        self.state = state
        self.overdue = overdue
        self.dueBefore = dueBefore
        self.assetTag = assetTag
        self.limit = limit
    }
}

/// An evidence file's content handed over by a front end: the name it is kept under and its
/// bytes. A use case never opens a path; the front end reads the file (or receives an upload).
public struct EvidenceContent: Sendable, Hashable {
    /// The file's name (without its directory), as recorded with the digest.
    public var name: String
    /// The file's bytes.
    public var bytes: Data

    /// Names content.
    public init(name: String, bytes: Data) {
        self.name = name
        self.bytes = bytes
    }

    /// The digest kept for the content: SHA-256 and size, nothing of the content itself.
    func digest(jobID: Int64, purpose: EvidencePurpose, at time: Date) -> EvidenceDigest {
        EvidenceDigest(
            jobID: jobID, purpose: purpose, fileName: name, sha256: Hex.encode(SHA256Digest.of(bytes)),
            sizeBytes: Int64(bytes.count), recordedAt: time)
    }
}

/// An evidence file given by its path: what a command-line front end (or a test fixture) reads
/// into ``EvidenceContent`` before calling a use case.
public struct EvidenceFile: Sendable, Hashable {
    /// The file's path.
    public var path: String

    /// Names a file.
    public init(path: String) { self.path = path }

    /// Reads the file: its name (without its directory) and bytes; a missing or unreadable file
    /// is an error naming it.
    public func read() throws(LetheError) -> EvidenceContent {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw LetheError(
                exists ? .io : .notFound,
                exists
                    ? "cannot read evidence file \(path); check its permissions (nothing was recorded)"
                    : "evidence file \(path) does not exist; check the path (nothing was recorded)")
        }
        return EvidenceContent(name: (path as NSString).lastPathComponent, bytes: data)
    }

    /// The file's name, SHA-256 and size (what other domains keep for a confirmation's file).
    func hashed() throws(LetheError) -> (name: String, sha256: String, bytes: Int64) {
        let content = try read()
        return (content.name, Hex.encode(SHA256Digest.of(content.bytes)), Int64(content.bytes.count))
    }

    /// Reads every file, before any change: a missing or unreadable file is an error naming it.
    public static func read(_ files: [EvidenceFile]) throws(LetheError) -> [EvidenceContent] {
        var contents: [EvidenceContent] = []
        for file in files { contents.append(try file.read()) }
        return contents
    }
}

/// What a job's recorded outside work was: the facts a technician gives for `job record`.
public struct JobWorkRecord: Sendable, Hashable {
    /// The technique used (one the job allows).
    public var technique: Technique
    /// The tool or vendor.
    public var tool: String
    /// The tool's version (or the vendor's certificate form).
    public var toolVersion: String
    /// The evidence (logs, certificates), whose digests are kept.
    public var evidence: [EvidenceContent]
    /// Free notes.
    public var notes: String?

    /// Creates a record of work.
    public init(
        technique: Technique, tool: String, toolVersion: String, evidence: [EvidenceContent] = [],
        notes: String? = nil
    ) {
        self.technique = technique
        self.tool = tool
        self.toolVersion = toolVersion
        self.evidence = evidence
        self.notes = notes
    }
}

/// Disposal jobs: listing, approval, work, cancellation, the schedule and verification. Every
/// front end calls these; each checks the principal's roles first, then separation of duties.
public struct JobsService: Sendable {
    let app: LetheApp

    /// The jobs matching a filter, by due date; `--overdue` keeps only open jobs past due now.
    public func list(_ filter: JobFilter, by principal: Principal) async throws(LetheError) -> JobListing {
        try app.authorize(.readJobs, principal)
        let now = app.now
        var query = JobQuery(assetTag: filter.assetTag, limit: filter.limit)
        if let state = filter.state { query.states = [state] }
        query.dueBefore = filter.dueBefore
        if filter.overdue {
            if query.states.isEmpty { query.states = JobState.open }
            query.states = query.states.filter { JobState.open.contains($0) }
            if query.states.isEmpty { return JobListing(jobs: []) }
            query.dueBefore = min(query.dueBefore ?? now, now)
        }
        let jobs = try await app.store.read { [query] (tx) throws(LetheError) in try tx.jobs(query) }
        return JobListing(jobs: jobs.map { JobStatus(job: $0, overdue: $0.isOverdue(at: now)) })
    }

    /// A job and its evidence; `not-found` when there is no such job.
    public func show(_ id: Int64, by principal: Principal) async throws(LetheError) -> JobDetails {
        try app.authorize(.readJobs, principal)
        let now = app.now
        return try await app.store.read { (tx) throws(LetheError) in
            let job = try LetheApp.requireJob(id, in: tx)
            return JobDetails(job: job, overdue: job.isOverdue(at: now), evidence: try tx.evidence(jobID: id))
        }
    }

    /// Approves a job that needs a second person; its requester cannot approve it (`forbidden`).
    @discardableResult
    public func approve(_ id: Int64, by principal: Principal) async throws(LetheError) -> DisposalJob {
        try app.authorize(.approveJob, principal)
        let time = app.now
        return try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.approveJob(id, by: principal, in: tx, at: time)
        }
    }

    /// Starts work on a job (scheduled → in-progress); refused before a required approval.
    @discardableResult
    public func start(_ id: Int64, by principal: Principal) async throws(LetheError) -> DisposalJob {
        try app.authorize(.startJob, principal)
        let time = app.now
        return try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.startJob(id, by: principal, in: tx, at: time)
        }
    }

    /// Cancels an open job that has not been executed, with a reason. The asset stays awaiting
    /// sanitization; the next schedule run plans it again.
    @discardableResult
    public func cancel(_ id: Int64, reason: String, by principal: Principal) async throws(LetheError) -> DisposalJob {
        try app.authorize(.cancelJob, principal)
        let reason = try LetheApp.cancellationReason(reason, job: id)
        let time = app.now
        return try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.cancelJob(id, reason: reason, by: principal, in: tx, at: time)
        }
    }

    /// Records work done outside Lethe (a vendor's shredding, a firmware sanitize): the job
    /// becomes executed, its evidence's digests are kept, and the asset becomes sanitized.
    @discardableResult
    public func record(
        _ id: Int64, _ work: JobWorkRecord, by principal: Principal
    ) async throws(LetheError)
        -> DisposalJob
    {
        try app.authorize(.recordJob, principal)
        let time = app.now
        let work = try LetheApp.checkedWork(work, job: id)
        // Hashing is CPU work: it runs inside the transaction, on the store's queue.
        return try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.recordJob(id, work, by: principal, in: tx, at: time)
        }
    }
}

extension LetheApp {
    /// Disposal jobs, the schedule and verification: the use cases every front end calls.
    public var jobs: JobsService { JobsService(app: self) }

    /// Starts a job (the synchronous form of ``JobsService/start(_:by:)``), as the local operator `actor`.
    @discardableResult
    func startJob(id: Int64, actor: String) throws(LetheError) -> DisposalJob {
        let principal = try Principal.localOperator(actor)
        let time = now
        return try store.write { (tx) throws(LetheError) in try Self.startJob(id, by: principal, in: tx, at: time) }
    }

    /// Records outside work (the synchronous form of ``JobsService/record(_:_:by:)``, reading the
    /// evidence files first), as the local operator `actor`.
    @discardableResult
    func recordJob(
        id: Int64, technique: Technique, tool: String, toolVersion: String, evidence: [EvidenceFile] = [],
        notes: String? = nil, actor: String
    ) throws(LetheError) -> DisposalJob {
        let principal = try Principal.localOperator(actor)
        let work = try Self.checkedWork(
            JobWorkRecord(
                technique: technique, tool: tool, toolVersion: toolVersion, evidence: try EvidenceFile.read(evidence),
                notes: notes),
            job: id)
        let time = now
        return try store.write { (tx) throws(LetheError) in
            try Self.recordJob(id, work, by: principal, in: tx, at: time)
        }
    }

    /// A job and its evidence (the synchronous form of ``JobsService/show(_:by:)``).
    func jobDetails(id: Int64) throws(LetheError) -> JobDetails {
        let time = now
        return try store.read { (tx) throws(LetheError) in
            let job = try Self.requireJob(id, in: tx)
            return JobDetails(job: job, overdue: job.isOverdue(at: time), evidence: try tx.evidence(jobID: id))
        }
    }

    static func approveJob(
        _ id: Int64, by principal: Principal, in tx: any StoreWriting, at time: Date
    ) throws(LetheError) -> DisposalJob {
        var job = try requireJob(id, in: tx)
        guard !job.state.isFinished else {
            throw LetheError(.illegalTransition, "job \(id) is \(job.state.rawValue); only open jobs can be approved")
        }
        if let refusal = JobRules.approvalRefusal(job, by: principal) { throw refusal }
        job.approvedBy = principal.name
        job.updatedAt = time
        try tx.update(job)
        try tx.append(
            EventDraft(
                type: .jobApproved, assetTag: job.assetTag,
                payload: ["job": .integer(id), "requested_by": .string(job.requestedBy)]),
            actor: principal.name, at: time)
        return job
    }

    static func startJob(
        _ id: Int64, by principal: Principal, in tx: any StoreWriting, at time: Date
    ) throws(LetheError) -> DisposalJob {
        var job = try requireJob(id, in: tx)
        job.state = try JobLifecycle.transition(job: id, from: job.state, to: .inProgress)
        if let refusal = JobRules.workRefusal(job) { throw refusal }
        job.updatedAt = time
        try tx.update(job)
        try tx.append(
            EventDraft(type: .jobStarted, assetTag: job.assetTag, payload: ["job": .integer(id)]),
            actor: principal.name, at: time)
        return job
    }

    static func cancellationReason(_ reason: String, job id: Int64) throws(LetheError) -> String {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw LetheError(.usage, "cancelling job \(id) needs a --reason") }
        try FieldLimits.check(reason, field: "reason", limit: FieldLimits.reason)
        return reason
    }

    static func cancelJob(
        _ id: Int64, reason: String, by principal: Principal, in tx: any StoreWriting, at time: Date
    ) throws(LetheError) -> DisposalJob {
        var job = try requireJob(id, in: tx)
        job.state = try JobLifecycle.transition(job: id, from: job.state, to: .cancelled)
        job.reason = reason
        job.updatedAt = time
        try tx.update(job)
        try tx.append(
            EventDraft(
                type: .jobCancelled, assetTag: job.assetTag, payload: ["job": .integer(id), "reason": .string(reason)]),
            actor: principal.name, at: time)
        return job
    }

    static func checkedWork(_ work: JobWorkRecord, job id: Int64) throws(LetheError) -> JobWorkRecord {
        var work = work
        work.tool = work.tool.trimmingCharacters(in: .whitespaces)
        work.toolVersion = work.toolVersion.trimmingCharacters(in: .whitespaces)
        guard !work.tool.isEmpty, !work.toolVersion.isEmpty else {
            throw LetheError(.usage, "recording job \(id) needs --tool and --tool-version (NIST SP 800-88 Appendix G)")
        }
        return work
    }

    static func recordJob(
        _ id: Int64, _ work: JobWorkRecord, by principal: Principal, in tx: any StoreWriting, at time: Date
    ) throws(LetheError) -> DisposalJob {
        let digests = work.evidence.map { $0.digest(jobID: id, purpose: .execution, at: time) }
        var job = try requireJob(id, in: tx)
        job.state = try JobLifecycle.transition(job: id, from: job.state, to: .executed)
        if let refusal = JobRules.workRefusal(job) { throw refusal }
        guard job.plan.techniques.contains(work.technique) else {
            throw LetheError(
                .invalidInput,
                "technique \(work.technique.rawValue) is not allowed for job \(id) (method \(job.plan.method.rawValue)); use one of: \(job.plan.techniques.map(\.rawValue).joined(separator: ", "))"
            )
        }
        job.executedBy = principal.name
        job.executedAt = time
        job.technique = work.technique
        job.tool = work.tool
        job.toolVersion = work.toolVersion
        job.updatedAt = time
        try tx.update(job)
        for digest in digests { try tx.insert(digest) }
        var payload: [String: JSONValue] = [
            "job": .integer(id), "technique": .string(work.technique.rawValue), "tool": .string(work.tool),
            "tool_version": .string(work.toolVersion), "method": .string(job.plan.method.rawValue),
            "evidence": .array(digests.map(\.json)),
        ]
        payload["notes"] = work.notes.map(JSONValue.string)
        try tx.append(
            EventDraft(type: .jobExecuted, assetTag: job.assetTag, payload: .object(payload)), actor: principal.name,
            at: time)
        let asset = try requireAsset(job.assetTag, in: tx)
        _ = try move(asset, to: .sanitized, in: tx, actor: principal.name, at: time, details: ["job": .integer(id)])
        return job
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
