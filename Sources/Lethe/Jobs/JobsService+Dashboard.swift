import Foundation
import LetheCore
import LetheStore

/// Open jobs coming due, counted without loading them all.
public struct DueSoon: Sendable {
    /// How many open jobs fall due from now until the end of the window.
    public var count: Int
    /// The first of them, by due date (at most the limit asked for).
    public var first: [JobStatus]
}

extension JobsService {
    /// The open jobs not yet overdue that fall due within `window` from now: their number and the
    /// first `limit` of them. One read; the count is one indexed query however many there are.
    public func dueSoon(
        within window: TimeInterval, limit: Int, by principal: Principal
    ) async throws(LetheError)
        -> DueSoon
    {
        try app.authorize(.readJobs, principal)
        let now = app.now
        var query = JobQuery(states: JobState.open, dueBefore: now.addingTimeInterval(window), limit: limit)
        query.dueAtOrAfter = now
        return try await app.store.read { [query] (tx) throws(LetheError) in
            DueSoon(
                count: try tx.countJobs(query),
                first: try tx.jobs(query).map { JobStatus(job: $0, overdue: $0.isOverdue(at: now)) })
        }
    }

    /// When and by which method each job executed at or after `since` was executed, oldest first
    /// (the dashboard's sanitizations-per-week chart): every one of them, never a truncated list.
    public func executions(since: Date, by principal: Principal) async throws(LetheError) -> [JobExecution] {
        try app.authorize(.readJobs, principal)
        return try await app.store.read { (tx) throws(LetheError) in try tx.jobExecutions(since: since) }
    }
}
