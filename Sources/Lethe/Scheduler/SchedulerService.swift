import Foundation
import LetheCore
import LetheStore

/// One run of the service's scheduler, as every front end shows it
/// (`GET /api/v1/scheduler/runs`).
public struct SchedulerRun: Codable, Sendable, Hashable {
    /// The failure that stopped a run: its stable code and message.
    public struct Failure: Codable, Sendable, Hashable {
        /// The error's stable code (`locked`, `io`, ...).
        public var code: String
        /// What went wrong.
        public var message: String
    }

    /// The run's number.
    public var id: Int64
    /// When it started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date
    /// How it ended: `ok`, `attention` (something failed, could not run or is overdue), or
    /// `failed` (a step stopped with an error).
    public var outcome: StoredSchedulerRun.Outcome
    /// What it did and found, by name (every name of ``SchedulerService/countNames``).
    public var counts: [String: Int]
    /// The error when it failed.
    public var error: Failure?

    enum CodingKeys: String, CodingKey {
        case id, outcome, counts, error
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    init(_ stored: StoredSchedulerRun) {
        id = stored.id
        startedAt = stored.startedAt
        finishedAt = stored.finishedAt
        outcome = stored.outcome
        counts = stored.counts
        error = stored.errorCode.map { Failure(code: $0, message: stored.errorMessage ?? "") }
    }
}

extension EventType {
    /// One run of the service's scheduler: its outcome and counts.
    public static let schedulerRun: EventType = "scheduler.run"
}

/// The service's scheduler: what `lethe schedule` and `lethe verify --due` do (scheduling, due
/// verifications, erasure re-verification, the overdue checks), run as one unit whose outcome is
/// recorded. `lethe serve` runs it on an interval as the ``Principal/scheduler`` principal.
public struct SchedulerService: Sendable {
    let app: LetheApp

    /// The counts every run records, zero included.
    public static let countNames = [
        "jobs_created", "jobs_replanned", "backup_destructions_scheduled", "erasure_requests_completed",
        "verified", "verification_failed", "verification_errors", "needs_person", "overdue_jobs",
        "overdue_backups", "erasures_reverified", "erasures_refound", "reports_produced", "notifications",
    ]

    /// Runs the schedule, then every due verification (with erasure re-verification and the
    /// overdue checks), then records the run: a `scheduler_run` row and a `scheduler.run` event in
    /// one transaction. A step that fails ends the run as `failed` with its error, still recorded.
    /// Runs never overlap: a second one while one runs is a `conflict`.
    ///
    /// - Throws: `forbidden` unless the principal may both schedule and run due verifications;
    ///   `conflict` while another run is in progress; a store error when the run cannot be recorded.
    public func run(policies: LoadedPolicies, by principal: Principal) async throws(LetheError) -> SchedulerRun {
        try app.authorize(.schedule, principal)
        try app.authorize(.runDueVerifications, principal)
        guard app.schedulerGate.enter() else {
            throw LetheError(.conflict, "a scheduler run is in progress; wait for it to end")
        }
        defer { app.schedulerGate.leave() }
        let started = app.now
        var counts = Dictionary(uniqueKeysWithValues: Self.countNames.map { ($0, 0) })
        var outcome = StoredSchedulerRun.Outcome.ok
        var failure: LetheError?
        do {
            let schedule = try await app.jobs.schedule(policies: policies, by: principal)
            counts["jobs_created"] = schedule.jobs.created.count
            counts["jobs_replanned"] = schedule.jobs.replanned.count
            counts["backup_destructions_scheduled"] = schedule.backupDestructions.count
            counts["erasure_requests_completed"] = schedule.completedRequests.count
            let due = try await app.jobs.verifyDue(policies: policies, by: principal)
            counts["verified"] = due.verified.count
            counts["verification_failed"] = due.failed.count
            counts["verification_errors"] = due.errors.count
            counts["needs_person"] = due.needsPerson.count
            counts["overdue_jobs"] = due.overdue.count
            counts["overdue_backups"] = due.overdueBackups.count
            counts["erasures_reverified"] = due.erasures.passed.count
            counts["erasures_refound"] = due.erasures.refound.count
            if due.needsAttention { outcome = .attention }
            var notified = try await app.notifications.publishFindings(due)
            // The scheduled reports whose period has ended: produced, signed, and announced.
            let produced = try await app.reports.runDue(at: app.now, by: principal)
            counts["reports_produced"] = produced.count
            notified += try await app.notifications.publish(
                produced.map { scheduled in
                    (
                        event: NotificationEvent.reportReady, key: "report.ready:\(scheduled.report.serial)",
                        data: [
                            "serial": .string(scheduled.report.serial), "definition": .string(scheduled.definition),
                            "format": .string(scheduled.format), "from": .string(scheduled.period.from),
                            "to": .string(scheduled.period.to),
                        ]
                    )
                })
            counts["notifications"] = notified
        } catch {
            failure = error
            outcome = .failed
        }
        let finished = app.now
        let run = StoredSchedulerRun(
            startedAt: started, finishedAt: finished, outcome: outcome, counts: counts,
            errorCode: failure?.code.rawValue, errorMessage: failure?.message)
        var draft: [String: JSONValue] = [
            "outcome": .string(outcome.rawValue),
            "counts": .object(counts.mapValues { .integer(Int64($0)) }),
        ]
        draft["error_code"] = failure.map { .string($0.code.rawValue) }
        let payload = draft
        let recorded = try await app.store.write { (tx) throws(LetheError) in
            let stored = try tx.insert(run)
            var eventPayload = payload
            eventPayload["run"] = .integer(stored.id)
            _ = try tx.append(
                EventDraft(type: .schedulerRun, payload: .object(eventPayload)), actor: principal.name, at: finished)
            return stored
        }
        return SchedulerRun(recorded)
    }

    /// The recorded runs, newest first: at most `limit` (1 to 100), numbered below `before` when given.
    public func runs(
        before: Int64? = nil, limit: Int = 20, by principal: Principal
    ) async throws(LetheError)
        -> [SchedulerRun]
    {
        try app.authorize(.readStatus, principal)
        guard (1...100).contains(limit) else {
            throw LetheError(.usage, "limit must be 1 to 100 (got \(limit))")
        }
        return try await app.store.read { (tx) throws(LetheError) in
            try tx.schedulerRuns(before: before, limit: limit).map(SchedulerRun.init)
        }
    }
}

/// Lets one scheduler run in at a time (shared by copies of the application value).
final class RunGate: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false

    /// Whether the caller may run now (then it must call ``leave()``).
    func enter() -> Bool {
        lock.withLock {
            guard !running else { return false }
            running = true
            return true
        }
    }

    /// Ends the caller's run.
    func leave() { lock.withLock { running = false } }
}

extension LetheApp {
    /// The service's scheduler: scheduling and due verifications as one recorded run.
    public var scheduler: SchedulerService { SchedulerService(app: self) }
}
