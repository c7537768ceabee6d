import Foundation
import LetheCore

/// One run of the service's scheduler as stored.
public struct StoredSchedulerRun: Sendable, Hashable {
    /// How a run ended.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        /// Everything ran and nothing needs attention.
        case ok
        /// Everything ran, and something failed verification, could not run or is overdue.
        case attention
        /// A step stopped with an error (its code is kept).
        case failed
    }

    /// The run's number (0 before it is stored).
    public var id: Int64
    /// When it started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date
    /// How it ended.
    public var outcome: Outcome
    /// What it did and found, by name (`jobs_created`, `verification_failed`, ...).
    public var counts: [String: Int]
    /// The error's stable code when it failed.
    public var errorCode: String?
    /// The error's message when it failed.
    public var errorMessage: String?

    /// Creates a stored run.
    public init(
        id: Int64 = 0, startedAt: Date, finishedAt: Date, outcome: Outcome, counts: [String: Int],
        errorCode: String? = nil, errorMessage: String? = nil
    ) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.counts = counts
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// Reading the scheduler's runs.
public protocol SchedulerStoreReading {
    /// The newest runs first, at most `limit`, and only those numbered below `before` when given.
    func schedulerRuns(before: Int64?, limit: Int) throws(LetheError) -> [StoredSchedulerRun]
}

/// Recording the scheduler's runs.
public protocol SchedulerStoreWriting: SchedulerStoreReading {
    /// Stores a run and returns it with its number.
    func insert(_ run: StoredSchedulerRun) throws(LetheError) -> StoredSchedulerRun
}
