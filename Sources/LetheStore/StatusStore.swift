import Foundation
import LetheCore

/// Reads for the installation's status: counts by state, what is overdue, the last event of a kind.
public protocol StatusStoreReading {
    /// How many assets are in each lifecycle state (states with none are absent).
    func assetCountsByState() throws(LetheError) -> [LifecycleState: Int]
    /// How many jobs are in each state (states with none are absent).
    func jobCountsByState() throws(LetheError) -> [JobState: Int]
    /// How many open jobs are due strictly before `time`.
    func countOverdueJobs(before time: Date) throws(LetheError) -> Int
    /// The newest event of a type, or nil.
    func lastEvent(type: EventType) throws(LetheError) -> Event?
    /// Whether the database holds exactly the migrations this version knows: none missing,
    /// none from a newer version.
    func migrationsCurrent() throws(LetheError) -> Bool
}
