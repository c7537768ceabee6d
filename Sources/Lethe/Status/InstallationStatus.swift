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
        public var state: JobState
        /// When it was due.
        public var dueAt: Date

        enum CodingKeys: String, CodingKey {
            case id, state
            case assetTag = "asset_tag"
            case dueAt = "due_at"
        }

        public init(id: Int64, assetTag: String, state: JobState, dueAt: Date) {
            self.id = id
            self.assetTag = assetTag
            self.state = state
            self.dueAt = dueAt
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                id: try c.decode(Int64.self, forKey: .id), assetTag: try c.decode(String.self, forKey: .assetTag),
                state: try c.decode(JobState.self, forKey: .state), dueAt: try c.decodeRFC3339(forKey: .dueAt))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(assetTag, forKey: .assetTag)
            try c.encode(state, forKey: .state)
            try c.encode(RFC3339.format(dueAt), forKey: .dueAt)
        }
    }

    /// An expired backup whose destruction is past due.
    public struct OverdueBackup: Sendable, Hashable, Codable {
        /// The backup's number.
        public var id: Int64
        /// The data store it is a copy of.
        public var store: String
        /// When its destruction was due.
        public var destructionDueAt: Date

        enum CodingKeys: String, CodingKey {
            case id, store
            case destructionDueAt = "destruction_due_at"
        }

        public init(id: Int64, store: String, destructionDueAt: Date) {
            self.id = id
            self.store = store
            self.destructionDueAt = destructionDueAt
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                id: try c.decode(Int64.self, forKey: .id), store: try c.decode(String.self, forKey: .store),
                destructionDueAt: try c.decodeRFC3339(forKey: .destructionDueAt))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(store, forKey: .store)
            try c.encode(RFC3339.format(destructionDueAt), forKey: .destructionDueAt)
        }
    }

    /// An open erasure request past its due date (no subject identifier: only its number).
    public struct OverdueErasure: Sendable, Hashable, Codable {
        /// The request's number.
        public var id: Int64
        /// When it was due.
        public var dueAt: Date

        enum CodingKeys: String, CodingKey {
            case id
            case dueAt = "due_at"
        }

        public init(id: Int64, dueAt: Date) {
            self.id = id
            self.dueAt = dueAt
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(id: try c.decode(Int64.self, forKey: .id), dueAt: try c.decodeRFC3339(forKey: .dueAt))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(RFC3339.format(dueAt), forKey: .dueAt)
        }
    }

    /// The last `lethe verify --due` run, from its `verification.run` event.
    public struct VerificationRun: Sendable, Hashable, Codable {
        /// When it ran.
        public var at: Date
        /// Who ran it.
        public var actor: String
        /// What a run found.
        public enum Result: String, Sendable, Hashable, Codable {
            /// Everything due verified.
            case passed
            /// Anything failed, could not run or was overdue.
            case needsAttention = "needs-attention"
            /// An event this version does not know how to read.
            case unknown
        }

        /// Its result.
        public var result: Result
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

        enum CodingKeys: String, CodingKey {
            case at, actor, result, verified, failed, errors
            case needsPerson = "needs_person"
            case eventSeq = "event_seq"
        }

        public init(
            at: Date, actor: String, result: Result, verified: Int64, failed: Int64, errors: Int64,
            needsPerson: Int64, eventSeq: Int64
        ) {
            self.at = at
            self.actor = actor
            self.result = result
            self.verified = verified
            self.failed = failed
            self.errors = errors
            self.needsPerson = needsPerson
            self.eventSeq = eventSeq
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                at: try c.decodeRFC3339(forKey: .at), actor: try c.decode(String.self, forKey: .actor),
                result: try c.decode(Result.self, forKey: .result),
                verified: try c.decode(Int64.self, forKey: .verified),
                failed: try c.decode(Int64.self, forKey: .failed), errors: try c.decode(Int64.self, forKey: .errors),
                needsPerson: try c.decode(Int64.self, forKey: .needsPerson),
                eventSeq: try c.decode(Int64.self, forKey: .eventSeq))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(RFC3339.format(at), forKey: .at)
            try c.encode(actor, forKey: .actor)
            try c.encode(result, forKey: .result)
            try c.encode(verified, forKey: .verified)
            try c.encode(failed, forKey: .failed)
            try c.encode(errors, forKey: .errors)
            try c.encode(needsPerson, forKey: .needsPerson)
            try c.encode(eventSeq, forKey: .eventSeq)
        }
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

    enum CodingKeys: String, CodingKey {
        case at, assets, jobs
        case overdueJobCount = "overdue_job_count"
        case overdueJobs = "overdue_jobs"
        case overdueBackups = "overdue_backups"
        case openErasureRequests = "open_erasure_requests"
        case overdueErasureRequests = "overdue_erasure_requests"
        case lastVerificationRun = "last_verification_run"
    }

    /// Creates a status.
    public init(
        at: Date, assets: [String: Int], jobs: [String: Int], overdueJobCount: Int, overdueJobs: [OverdueJob],
        overdueBackups: [OverdueBackup], openErasureRequests: Int, overdueErasureRequests: [OverdueErasure],
        lastVerificationRun: VerificationRun?
    ) {
        self.at = at
        self.assets = assets
        self.jobs = jobs
        self.overdueJobCount = overdueJobCount
        self.overdueJobs = overdueJobs
        self.overdueBackups = overdueBackups
        self.openErasureRequests = openErasureRequests
        self.overdueErasureRequests = overdueErasureRequests
        self.lastVerificationRun = lastVerificationRun
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            at: try c.decodeRFC3339(forKey: .at), assets: try c.decode([String: Int].self, forKey: .assets),
            jobs: try c.decode([String: Int].self, forKey: .jobs),
            overdueJobCount: try c.decode(Int.self, forKey: .overdueJobCount),
            overdueJobs: try c.decode([OverdueJob].self, forKey: .overdueJobs),
            overdueBackups: try c.decode([OverdueBackup].self, forKey: .overdueBackups),
            openErasureRequests: try c.decode(Int.self, forKey: .openErasureRequests),
            overdueErasureRequests: try c.decode([OverdueErasure].self, forKey: .overdueErasureRequests),
            lastVerificationRun: try c.decodeIfPresent(VerificationRun.self, forKey: .lastVerificationRun))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(RFC3339.format(at), forKey: .at)
        try c.encode(assets, forKey: .assets)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(overdueJobCount, forKey: .overdueJobCount)
        try c.encode(overdueJobs, forKey: .overdueJobs)
        try c.encode(overdueBackups, forKey: .overdueBackups)
        try c.encode(openErasureRequests, forKey: .openErasureRequests)
        try c.encode(overdueErasureRequests, forKey: .overdueErasureRequests)
        try c.encodeIfPresent(lastVerificationRun, forKey: .lastVerificationRun)
    }

    /// Whether anything is overdue: a job, a backup destruction or an erasure request.
    public var anythingOverdue: Bool {
        overdueJobCount > 0 || !overdueBackups.isEmpty || !overdueErasureRequests.isEmpty
    }
}

extension EventType {
    /// One `lethe verify --due` run: its counts and whether it needs attention.
    public static let verificationRun: EventType = "verification.run"
}

/// `lethe status`: what stands where in the installation, and what is overdue.
public struct StatusService: Sendable {
    let app: LetheApp

    /// The installation's status: assets and jobs by state, what is overdue (jobs, backup
    /// destructions, erasure requests), and the last verification run. One read.
    public func report(by principal: Principal) async throws(LetheError) -> InstallationStatus {
        try app.authorize(.readStatus, principal)
        let time = app.now
        return try await app.store.read { (tx) throws(LetheError) in
            let assetCounts = try tx.assetCountsByState()
            let jobCounts = try tx.jobCountsByState()
            let overdue = try tx.jobs(
                JobQuery(states: JobState.open, dueBefore: time, limit: InstallationStatus.listLimit))
            let open = try tx.erasureRequests(openOnly: true, dueBefore: nil)
            let overdueBackups = try tx.backups(store: nil).compactMap { backup -> InstallationStatus.OverdueBackup? in
                guard backup.shreddedAt == nil, let due = backup.destructionDueAt, due < time else { return nil }
                return .init(id: backup.id, store: backup.store, destructionDueAt: due)
            }.sorted { ($0.destructionDueAt, $0.id) < ($1.destructionDueAt, $1.id) }
            return InstallationStatus(
                at: time,
                assets: Dictionary(
                    uniqueKeysWithValues: LifecycleState.allCases.map { ($0.rawValue, assetCounts[$0] ?? 0) }),
                jobs: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, jobCounts[$0] ?? 0) }),
                overdueJobCount: try tx.countOverdueJobs(before: time),
                overdueJobs: overdue.map {
                    .init(id: $0.id, assetTag: $0.assetTag, state: $0.state, dueAt: $0.plan.dueAt)
                },
                overdueBackups: overdueBackups,
                openErasureRequests: open.count,
                overdueErasureRequests: open.filter { $0.dueAt < time }.map { .init(id: $0.id, dueAt: $0.dueAt) },
                lastVerificationRun: try tx.lastEvent(type: .verificationRun).map(LetheApp.verificationRun))
        }
    }
}

extension StatusService {
    /// Whether the service can serve: the database answers a read and holds exactly the
    /// migrations this version knows (`/readyz`). Open to every caller: it says nothing else.
    ///
    /// - Throws: the store's error when the database cannot be read; `incompatible` when its
    ///   migrations are not current.
    public func checkReady() async throws(LetheError) {
        let current = try await app.store.read { (tx) throws(LetheError) in try tx.migrationsCurrent() }
        guard current else {
            throw LetheError(
                .incompatible, "the database's migrations are not this version's; restart the service to migrate it")
        }
    }
}

extension LetheApp {
    /// The installation's status.
    public var status: StatusService { StatusService(app: self) }

    static func verificationRun(_ event: Event) -> InstallationStatus.VerificationRun {
        func count(_ key: String) -> Int64 { event.payload[key]?.integerValue ?? 0 }
        return InstallationStatus.VerificationRun(
            at: event.recordedAt, actor: event.actor,
            result: event.payload["result"]?.stringValue.flatMap(
                InstallationStatus.VerificationRun.Result.init(rawValue:))
                ?? .unknown,
            verified: count("verified"), failed: count("failed"), errors: count("errors"),
            needsPerson: count("needs_person"), eventSeq: event.seq)
    }

    /// Records the end of a `verify --due` run as an event, so that `lethe status` can show the
    /// last run and its result. Counts only: no subject or asset data.
    func recordVerificationRun(_ summary: VerificationRunSummary, actor: String) throws(LetheError) {
        let time = now
        try store.write { (tx) throws(LetheError) in
            try Self.recordVerificationRun(summary, in: tx, actor: actor, at: time)
        }
    }

    /// ``recordVerificationRun(_:actor:)`` in the caller's transaction (for an async use case's
    /// write).
    static func recordVerificationRun(
        _ summary: VerificationRunSummary, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) {
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
