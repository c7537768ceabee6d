import Foundation
import LetheCore
import Logging

/// What a verifier is given besides the job.
public struct VerificationContext: Sendable {
    /// The asset the job sanitized.
    public var asset: Asset
    /// The evidence digests already kept for the job.
    public var evidence: [EvidenceDigest]
    /// The time of the run.
    public var now: Date
    /// A logger for the engine (never given secrets).
    public var logger: Logger

    /// Creates a context.
    public init(asset: Asset, evidence: [EvidenceDigest], now: Date, logger: Logger) {
        self.asset = asset
        self.evidence = evidence
        self.now = now
        self.logger = logger
    }
}

/// The result of one verification.
public struct VerificationOutcome: Sendable, Hashable {
    /// Whether the result meets the job's requirement.
    public var passed: Bool
    /// One line saying what was checked and found.
    public var summary: String
    /// The method used, for records (`full read-back`, `sample read-back seed 42`, `query check`).
    public var method: String
    /// Digests of the reports the engine wrote, kept as verification evidence.
    public var evidence: [EvidenceDigest]
    /// Engine-specific details for the event (sample seed, positions read, mismatches).
    public var details: JSONValue

    /// Creates an outcome.
    public init(
        passed: Bool, summary: String, method: String, evidence: [EvidenceDigest] = [], details: JSONValue = .null
    ) {
        self.passed = passed
        self.summary = summary
        self.method = method
        self.evidence = evidence
        self.details = details
    }
}

/// An engine that can check a job's result: the media read-back engine of `LetheSanitize`, a
/// database erasure checker. Registered on ``LetheApp/verifiers``; `lethe verify --due` runs
/// the first registered verifier that accepts a due job, and lists the jobs none accepts as
/// needing a person.
public protocol Verifier: Sendable {
    /// A short name for records and output (`media-readback`).
    var name: String { get }
    /// Whether this engine can verify the job, and if not, why (nil means it can).
    func refusal(_ job: DisposalJob, asset: Asset) -> String?
    /// Verifies the job. Throwing means the engine could not run (the job stays due); a failed
    /// check is an outcome with `passed == false`.
    func verify(_ job: DisposalJob, context: VerificationContext) throws(LetheError) -> VerificationOutcome
}

extension Verifier {
    /// Whether this engine can verify the job.
    public func canVerify(_ job: DisposalJob, asset: Asset) -> Bool { refusal(job, asset: asset) == nil }
}

/// The verifiers an application knows, in registration order. Thread-safe; shared by every
/// copy of the ``LetheApp`` it belongs to.
public final class VerifierRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var engines: [any Verifier] = []
    private var erasureEngines: [any ErasureQueryVerifier] = [
        SQLiteErasureQueryVerifier(), PostgresErasureQueryVerifier(),
    ]

    /// Creates an empty registry.
    public init() {}

    /// Adds an engine; earlier registrations win when several accept a job.
    public func register(_ verifier: any Verifier) {
        lock.withLock { engines.append(verifier) }
    }

    /// The registered engines.
    public var all: [any Verifier] { lock.withLock { engines } }

    /// Adds an engine that checks erasures in a kind of database store (SQLite is built in).
    public func register(_ verifier: any ErasureQueryVerifier) {
        lock.withLock { erasureEngines.append(verifier) }
    }

    /// The first engine that can check erasures in `store`, if any.
    public func erasureVerifier(for store: DataStoreDeclaration) -> (any ErasureQueryVerifier)? {
        lock.withLock { erasureEngines }.first { $0.canVerify(store) }
    }

    /// The first engine that accepts the job, or nil when it needs a person.
    public func verifier(for job: DisposalJob, asset: Asset) -> (any Verifier)? {
        all.first { $0.canVerify(job, asset: asset) }
    }
}
