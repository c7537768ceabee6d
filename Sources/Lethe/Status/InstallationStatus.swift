import Foundation
import LetheCore
import LetheStore

/// What stands where in an installation, and what is overdue: `lethe status`.
public struct InstallationStatus: Sendable, Hashable, Codable {
    /// An open disposal job past its due date.
    public struct OverdueJob: Sendable, Hashable, Codable {
        /// The job's number.
        public var id: Int64
        /// The asset it is for.
        public var assetTag: String
        /// Its state (scheduled, in-progress or executed).
        public var state: String
        /// When it was due.
        public var dueAt: Date
    }

    /// An expired backup whose destruction is past due.
    public struct OverdueBackup: Sendable, Hashable, Codable {
        /// The backup's number.
        public var id: Int64
        /// The data store it is a copy of.
        public var store: String
        /// When its destruction was due.
        public var destructionDueAt: Date
    }

    /// An open erasure request past its due date (no subject identifier: only its number).
    public struct OverdueErasure: Sendable, Hashable, Codable {
        /// The request's number.
        public var id: Int64
        /// When it was due.
        public var dueAt: Date
    }

    /// The last `lethe verify --due` run, from its `verification.run` event.
    public struct VerificationRun: Sendable, Hashable, Codable {
        /// When it ran.
        public var at: Date
        /// Who ran it.
        public var actor: String
        /// Its result: `passed`, or `needs-attention` when anything failed, could not run or was overdue.
        public var result: String
        /// Jobs it verified.
        public var verified: Int64
        /// Jobs whose verification failed.
        public var failed: Int64
        /// Jobs whose engine could not run.
        public var errors: Int64
        /// Jobs that need a person's attestation.
        public var needsPerson: Int64
        /// The event's sequence number in the log.
        public var eventSeq: Int64
    }

    /// When the status was taken.
    public var at: Date
    /// Assets by lifecycle state (every state, zero included).
    public var assets: [String: Int]
    /// Disposal jobs by state (every state, zero included).
    public var jobs: [String: Int]
    /// How many open jobs are past due.
    public var overdueJobCount: Int
    /// The most overdue open jobs (at most ``listLimit``).
    public var overdueJobs: [OverdueJob]
    /// Backups whose destruction is past due.
    public var overdueBackups: [OverdueBackup]
    /// How many erasure requests are open.
    public var openErasureRequests: Int
    /// Open erasure requests past their due date.
    public var overdueErasureRequests: [OverdueErasure]
    /// The last verification run, if any has been recorded.
    public var lastVerificationRun: VerificationRun?

    /// How many overdue jobs are listed.
    public static let listLimit = 20

    /// Whether anything is overdue: a job, a backup destruction or an erasure request.
    public var anythingOverdue: Bool {
        overdueJobCount > 0 || !overdueBackups.isEmpty || !overdueErasureRequests.isEmpty
    }
}

extension EventType {
    /// One `lethe verify --due` run: its counts and whether it needs attention.
    public static let verificationRun: EventType = "verification.run"
}

extension LetheApp {
    /// The installation's status: assets and jobs by state, what is overdue (jobs, backup
    /// destructions, erasure requests), and the last verification run. Reads only.
    public func status() throws(LetheError) -> InstallationStatus {
        let time = now
        let overdueBackups = try overdueBackupDestructions().compactMap { backup in
            backup.destructionDueAt.map {
                InstallationStatus.OverdueBackup(id: backup.id, store: backup.store, destructionDueAt: $0)
            }
        }
        return try store.read { (tx) throws(LetheError) in
            let assetCounts = try tx.assetCountsByState()
            let jobCounts = try tx.jobCountsByState()
            let overdue = try tx.jobs(
                JobQuery(states: JobState.open, dueBefore: time, limit: InstallationStatus.listLimit))
            let open = try tx.erasureRequests(openOnly: true, dueBefore: nil)
            return InstallationStatus(
                at: time,
                assets: Dictionary(
                    uniqueKeysWithValues: LifecycleState.allCases.map { ($0.rawValue, assetCounts[$0] ?? 0) }),
                jobs: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, jobCounts[$0] ?? 0) }),
                overdueJobCount: try tx.countOverdueJobs(before: time),
                overdueJobs: overdue.map {
                    .init(id: $0.id, assetTag: $0.assetTag, state: $0.state.rawValue, dueAt: $0.plan.dueAt)
                },
                overdueBackups: overdueBackups,
                openErasureRequests: open.count,
                overdueErasureRequests: open.filter { $0.dueAt < time }.map { .init(id: $0.id, dueAt: $0.dueAt) },
                lastVerificationRun: try tx.lastEvent(type: .verificationRun).map(Self.verificationRun))
        }
    }

    private static func verificationRun(_ event: Event) -> InstallationStatus.VerificationRun {
        func count(_ key: String) -> Int64 { event.payload[key]?.integerValue ?? 0 }
        return InstallationStatus.VerificationRun(
            at: event.recordedAt, actor: event.actor, result: event.payload["result"]?.stringValue ?? "unknown",
            verified: count("verified"), failed: count("failed"), errors: count("errors"),
            needsPerson: count("needs_person"), eventSeq: event.seq)
    }

    /// Records the end of a `verify --due` run as an event, so that `lethe status` can show the
    /// last run and its result. Counts only: no subject or asset data.
    func recordVerificationRun(_ summary: VerificationRunSummary, actor: String) throws(LetheError) {
        let time = now
        try store.write { (tx) throws(LetheError) in
            _ = try tx.append(
                EventDraft(
                    type: .verificationRun,
                    payload: [
                        "result": .string(summary.needsAttention ? "needs-attention" : "passed"),
                        "verified": .integer(Int64(summary.verified.count)),
                        "failed": .integer(Int64(summary.failed.count)),
                        "errors": .integer(Int64(summary.errors.count)),
                        "needs_person": .integer(Int64(summary.needsPerson.count)),
                        "overdue_jobs": .integer(Int64(summary.overdue.count)),
                        "overdue_backups": .integer(Int64(summary.overdueBackups.count)),
                    ]),
                actor: actor, at: time)
        }
    }
}
