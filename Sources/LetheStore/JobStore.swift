import Foundation
import LetheCore

/// Which jobs a listing returns.
public struct JobQuery: Sendable, Hashable {
    /// Only jobs in one of these states (all when empty).
    public var states: [JobState]
    /// Only jobs due strictly before this time.
    public var dueBefore: Date?
    /// Only jobs due at or after this time.
    public var dueAtOrAfter: Date?
    /// Only jobs for this asset.
    public var assetTag: String?
    /// Only jobs planned under a policy version other than this one.
    public var policyVersionOtherThan: String?
    /// At most this many.
    public var limit: Int?

    /// Creates a query; with no arguments it matches every job.
    public init(
        states: [JobState] = [], dueBefore: Date? = nil, assetTag: String? = nil,
        policyVersionOtherThan: String? = nil, limit: Int? = nil
    ) {
        self.states = states
        self.dueBefore = dueBefore
        self.assetTag = assetTag
        self.policyVersionOtherThan = policyVersionOtherThan
        self.limit = limit
    }
}

/// An asset that needs a disposal job: retired or awaiting sanitization, with no open job.
public struct JobCandidate: Sendable, Hashable {
    /// Its tag.
    public var tag: String
    /// Its media type.
    public var mediaType: MediaType
    /// Its classification.
    public var classification: Classification
    /// Its lifecycle state.
    public var state: LifecycleState
    /// When it last became retired, from its `asset.state-changed` events; nil when it was
    /// registered or imported already retired.
    public var retiredAt: Date?

    /// Creates a candidate.
    public init(
        tag: String, mediaType: MediaType, classification: Classification, state: LifecycleState, retiredAt: Date?
    ) {
        self.tag = tag
        self.mediaType = mediaType
        self.classification = classification
        self.state = state
        self.retiredAt = retiredAt
    }
}

/// When a job was executed, and by which NIST method.
public struct JobExecution: Sendable, Hashable {
    /// When the job's sanitization was recorded as executed.
    public var executedAt: Date
    /// Clear, purge or destroy.
    public var method: MethodCategory

    /// Creates an execution.
    public init(executedAt: Date, method: MethodCategory) {
        self.executedAt = executedAt
        self.method = method
    }
}

/// Reads of disposal jobs, inside one snapshot.
public protocol JobStoreReading {
    /// The job with this number, or nil.
    func job(id: Int64) throws(LetheError) -> DisposalJob?
    /// The jobs matching a query, by due date then number.
    func jobs(_ query: JobQuery) throws(LetheError) -> [DisposalJob]
    /// How many jobs match a query (its limit ignored).
    func countJobs(_ query: JobQuery) throws(LetheError) -> Int
    /// When and by which method each job executed at or after `since` was executed (jobs now
    /// executed or verified), oldest first: what a chart of sanitizations per week needs.
    func jobExecutions(since: Date) throws(LetheError) -> [JobExecution]
    /// The asset's open job (scheduled, in progress or executed), if any.
    func openJob(assetTag: String) throws(LetheError) -> DisposalJob?
    /// Every asset that needs a job (retired or awaiting sanitization, no open job), by tag;
    /// one indexed query.
    func jobCandidates() throws(LetheError) -> [JobCandidate]
    /// The evidence digests kept for a job, in the order recorded.
    func evidence(jobID: Int64) throws(LetheError) -> [EvidenceDigest]
    /// The jobs that keep an evidence file with this SHA-256 (lowercase hex), by number.
    func jobsWithEvidence(sha256: String) throws(LetheError) -> [Int64]
}

/// Writes of disposal jobs, inside one transaction.
public protocol JobStoreWriting: JobStoreReading {
    /// Stores a new job and returns it with its number; a second open job for the same asset is
    /// a `conflict` error.
    func insert(_ job: DisposalJob) throws(LetheError) -> DisposalJob
    /// Replaces the stored job with the same number.
    func update(_ job: DisposalJob) throws(LetheError)
    /// Keeps an evidence digest; the same file twice for the same job and purpose is a `conflict`.
    func insert(_ evidence: EvidenceDigest) throws(LetheError)
}
