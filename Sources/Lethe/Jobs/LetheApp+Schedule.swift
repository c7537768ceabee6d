import Foundation
import LetheCore
import LetheStore

/// What one `schedule` run did.
public struct ScheduleResult: Sendable {
    /// The jobs created.
    public var created: [DisposalJob]
    /// The open jobs whose plan was remade under the new policy version, with the version they had.
    public var replanned: [(job: DisposalJob, previousVersion: String)]
    /// The policy version used.
    public var policyVersion: String
}

/// What one `lethe schedule` run did, in one transaction.
public struct ScheduleRun: Sendable {
    /// The time the run was made at (the clock's time).
    public var time: Date
    /// The backups whose destruction was scheduled now.
    public var backupDestructions: [BackupRecord]
    /// The jobs created and re-planned.
    public var jobs: ScheduleResult
    /// Expired backups whose medium waits for backups still under retention, with those backups' numbers.
    public var backupsWaitingForTheirMedium: [(backup: BackupRecord, retainedBy: [Int64])]
    /// Open erasure requests found with every part done (left by a crash of an older Lethe) and completed now.
    public var completedRequests: [Int64]
}

/// A backup as a schedule run reports it: its facts and its destruction state at the run's time.
public struct BackupStatus: Codable, Sendable, Hashable {
    /// The backup's number.
    public var id: Int64
    /// The data store it backs up.
    public var store: String
    /// Its file.
    public var file: String
    /// When it was made (RFC 3339).
    public var createdAt: String
    /// Its destruction state at the run's time (`destruction-due`, `shredded`, ...).
    public var state: String
    /// How many subjects it holds.
    public var subjects: Int
    /// When its retention ends (RFC 3339).
    public var expiresAt: String?
    /// When its key was shredded (RFC 3339).
    public var shreddedAt: String?
    /// When its destruction was scheduled (RFC 3339).
    public var destructionScheduledAt: String?
    /// When its destruction is due (RFC 3339).
    public var destructionDueAt: String?
    /// The asset tag of the medium it is on.
    public var media: String?

    enum CodingKeys: String, CodingKey {
        case id, store, file, state, subjects, media
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case shreddedAt = "shredded_at"
        case destructionScheduledAt = "destruction_scheduled_at"
        case destructionDueAt = "destruction_due_at"
    }

    /// The backup's status at `time`.
    public init(_ backup: BackupRecord, at time: Date) {
        id = backup.id
        store = backup.store
        file = backup.file
        createdAt = RFC3339.format(backup.createdAt)
        state = backup.destructionState(at: time).rawValue
        subjects = backup.subjectCount
        expiresAt = backup.expiresAt.map(RFC3339.format)
        shreddedAt = backup.shreddedAt.map(RFC3339.format)
        destructionScheduledAt = backup.destructionScheduledAt.map(RFC3339.format)
        destructionDueAt = backup.destructionDueAt.map(RFC3339.format)
        media = backup.mediaTag
    }
}

/// What a schedule run did, as every front end shows it (`schedule --json`).
public struct ScheduleReport: Codable, Sendable {
    /// A job re-planned under the new policy version.
    public struct Replanned: Codable, Sendable, Hashable {
        /// The job's number.
        public var job: Int64
        /// The policy version it had.
        public var fromVersion: String
        /// The policy version it has now.
        public var toVersion: String

        enum CodingKeys: String, CodingKey {
            case job
            case fromVersion = "from_version"
            case toVersion = "to_version"
        }
    }

    /// An expired backup whose medium waits for backups still under retention.
    public struct WaitingBackup: Codable, Sendable, Hashable {
        /// The expired backup's number.
        public var backup: Int64
        /// The backups on the same medium still retained.
        public var retainedBy: [Int64]

        enum CodingKeys: String, CodingKey {
            case backup
            case retainedBy = "retained_by"
        }
    }

    /// The policy version used.
    public var policyVersion: String
    /// How many jobs were created.
    public var created: Int
    /// The jobs re-planned.
    public var replanned: [Replanned]
    /// The jobs created (the first 1000).
    public var jobs: [DisposalJob]
    /// The backups whose destruction was scheduled now.
    public var backupDestructions: [BackupStatus]
    /// Erasure requests found with every part done and completed now.
    public var completedErasureRequests: [Int64]
    /// Expired backups whose medium waits for backups still retained.
    public var backupsWaitingForTheirMedium: [WaitingBackup]

    enum CodingKeys: String, CodingKey {
        case created, replanned, jobs
        case policyVersion = "policy_version"
        case backupDestructions = "backup_destructions"
        case completedErasureRequests = "completed_erasure_requests"
        case backupsWaitingForTheirMedium = "backups_waiting_for_their_medium"
    }
}

extension ScheduleRun {
    /// The run as every front end shows it.
    public var report: ScheduleReport {
        ScheduleReport(
            policyVersion: jobs.policyVersion, created: jobs.created.count,
            replanned: jobs.replanned.map {
                ScheduleReport.Replanned(
                    job: $0.job.id, fromVersion: $0.previousVersion, toVersion: jobs.policyVersion)
            },
            jobs: Array(jobs.created.prefix(1000)),
            backupDestructions: backupDestructions.map { BackupStatus($0, at: time) },
            completedErasureRequests: completedRequests,
            backupsWaitingForTheirMedium: backupsWaitingForTheirMedium.map {
                ScheduleReport.WaitingBackup(backup: $0.backup.id, retainedBy: $0.retainedBy)
            })
    }
}

extension JobsService {
    /// One schedule run, in one transaction at the clock's time: schedules the destruction of
    /// expired backups first (a medium retired for them gets its job in the same run), then plans
    /// and re-plans disposal jobs, lists the backups waiting for their medium, and completes any
    /// open erasure request whose parts are all done (what a crash between two transactions of an
    /// older Lethe could leave). Either all of it is recorded or none of it; a second run changes
    /// nothing. Records of completed requests are issued afterwards, on a thread of their own.
    ///
    /// - Parameters:
    ///   - at: the retirement time to assume for assets registered already retired.
    ///   - dryRun: plan everything and return it, but record nothing (the transaction is rolled back).
    /// - Throws: `forbidden` for a principal without the compliance or scheduler role; `usage`
    ///   when the clock is earlier than the log's newest event (nothing is changed then).
    public func schedule(
        policies: LoadedPolicies, at: Date? = nil, dryRun: Bool = false, by principal: Principal
    ) async throws(LetheError)
        -> ScheduleRun
    {
        try app.authorize(.schedule, principal)
        let time = app.now
        let planningTime = at.map { Date(timeIntervalSince1970: floor($0.timeIntervalSince1970)) } ?? time
        let run = try await app.store.write(dryRun: dryRun) { (tx) throws(LetheError) in
            try LetheApp.scheduleRun(
                policies: policies, planningTime: planningTime, in: tx, actor: principal.name, at: time)
        }
        if !dryRun, !run.completedRequests.isEmpty {
            let app = app
            try await OwnThread.run("lethe-records") { () throws(LetheError) in
                app.issueErasureRecordsOnCompletion(run.completedRequests, actor: principal.name)
            }
        }
        return run
    }
}

extension LetheApp {
    /// One schedule run (the synchronous form of ``JobsService/schedule(policies:at:by:)``, for
    /// fixtures and engines on their own threads), as the local operator named `actor`.
    func runSchedule(policies: LoadedPolicies, at: Date? = nil, actor: String) throws(LetheError) -> ScheduleRun {
        let principal = try Principal.localOperator(actor)
        let time = now
        let planningTime = at.map { Date(timeIntervalSince1970: floor($0.timeIntervalSince1970)) } ?? time
        let run = try store.write { (tx) throws(LetheError) in
            try Self.scheduleRun(
                policies: policies, planningTime: planningTime, in: tx, actor: principal.name, at: time)
        }
        issueErasureRecordsOnCompletion(run.completedRequests, actor: principal.name)
        return run
    }

    /// A schedule run in the caller's transaction.
    static func scheduleRun(
        policies: LoadedPolicies, planningTime: Date, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> ScheduleRun {
        if let newest = try tx.lastEvent(), newest.recordedAt > time {
            throw LetheError(
                .usage,
                "the run's time \(RFC3339.format(time)) is before the log's newest event (\(RFC3339.format(newest.recordedAt))); a run cannot be dated in the past (nothing was scheduled)"
            )
        }
        let backups = try scheduleBackupDestructions(
            deadline: policies.set.backupDestructionDeadline, in: tx, actor: actor, at: time)
        let jobs = try schedule(policies: policies, planningTime: planningTime, in: tx, actor: actor, at: time)
        let waiting = try backupsWaitingForTheirMedium(in: tx, at: time)
        try endAgedOutRollingParts(in: tx, actor: actor, at: time)
        let completed = try completeFinishedRequests(in: tx, actor: actor, at: time)
        return ScheduleRun(
            time: time, backupDestructions: backups, jobs: jobs, backupsWaitingForTheirMedium: waiting,
            completedRequests: completed)
    }

    /// The same application with its clock fixed at `date` (truncated to the second): `lethe
    /// schedule --as-of DATE` runs as it would on that date.
    public func asOf(_ date: Date) -> LetheApp {
        let fixed = Date(timeIntervalSince1970: floor(date.timeIntervalSince1970))
        var app = LetheApp(store: store, dataDirectory: dataDirectory, clock: { fixed }, logger: logger)
        app.settings = settings
        return app
    }

    /// Creates a disposal job for every asset that needs one (retired, or awaiting sanitization,
    /// with no open job) and moves retired assets to awaiting-sanitization; re-plans open jobs
    /// made under another policy version. One transaction; a second run with the same policies
    /// changes nothing. (`lethe schedule` runs this inside ``runSchedule(policies:at:actor:)``.)
    ///
    /// - Parameter at: the planning time (default: now), used as the retirement time of assets whose
    ///   retirement is not in the log (registered or imported already retired). Events and jobs are
    ///   recorded at the clock's time, so the log's times never go backwards.
    func schedule(
        policies: LoadedPolicies, at: Date? = nil, actor: String
    ) throws(LetheError)
        -> ScheduleResult
    {
        let actor = try Principal.localOperator(actor).name
        let time = now
        let planningTime = at.map { Date(timeIntervalSince1970: floor($0.timeIntervalSince1970)) } ?? time
        return try store.write { (tx) throws(LetheError) in
            try Self.schedule(policies: policies, planningTime: planningTime, in: tx, actor: actor, at: time)
        }
    }

    /// ``schedule(policies:at:actor:)`` in the caller's transaction, at `time`.
    static func schedule(
        policies: LoadedPolicies, planningTime: Date, in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> ScheduleResult {
        var result = ScheduleResult(created: [], replanned: [], policyVersion: policies.version)
        result.replanned = try replan(policies: policies, in: tx, actor: actor, at: time)
        for candidate in try tx.jobCandidates() {
            guard let rule = policies.set.rule(for: candidate.mediaType, candidate.classification) else {
                throw LetheError(
                    .internal,
                    "the policies in \(policies.directory) have no rule for \(candidate.mediaType.rawValue) × \(candidate.classification.rawValue) although they validated"
                )
            }
            let retiredAt = candidate.retiredAt ?? planningTime
            let plan = JobPlan(rule: rule, retiredAt: retiredAt)
            let job = try tx.insert(
                DisposalJob(
                    assetTag: candidate.tag, plan: plan, policyVersion: policies.version, requestedBy: actor,
                    createdAt: time))
            try tx.append(
                EventDraft(
                    type: .jobScheduled, assetTag: candidate.tag,
                    // The retirement time the due date counts from (for an asset registered already
                    // retired, the one assumed with --at): a re-plan counts from it again.
                    payload: .object([
                        "job": job.json, "rule": .string(rule.source),
                        "retired_at": .string(RFC3339.format(retiredAt)),
                    ])),
                actor: actor, at: time)
            if candidate.state == .retired {
                try moveState(
                    of: candidate.tag, from: .retired, to: .awaitingSanitization, in: tx, actor: actor, at: time,
                    details: ["job": .integer(job.id)])
            }
            result.created.append(job)
        }
        return result
    }

    /// Re-plans the scheduled and in-progress jobs made under another policy version; finished
    /// and executed jobs are never touched.
    static func replan(
        policies: LoadedPolicies, in tx: any StoreWriting, actor: String, at time: Date
    )
        throws(LetheError) -> [(job: DisposalJob, previousVersion: String)]
    {
        var replanned: [(job: DisposalJob, previousVersion: String)] = []
        let stale = JobQuery(states: JobState.replannable, policyVersionOtherThan: policies.version)
        for job in try tx.jobs(stale) {
            let asset = try requireAsset(job.assetTag, in: tx)
            guard let rule = policies.set.rule(for: asset.mediaType, asset.classification) else { continue }
            var retiredAt = try retirementTime(of: job.assetTag, in: tx)
            if retiredAt == nil { retiredAt = try scheduledRetirement(of: job, in: tx) }
            var updated = job
            updated.plan = JobPlan(rule: rule, retiredAt: retiredAt ?? job.createdAt)
            updated.policyVersion = policies.version
            updated.updatedAt = time
            try tx.update(updated)
            try tx.append(
                EventDraft(
                    type: .jobReplanned, assetTag: job.assetTag,
                    payload: [
                        "job": .integer(job.id), "from_version": .string(job.policyVersion),
                        "to_version": .string(policies.version), "before": .object(job.plan.jsonMembers),
                        "after": .object(updated.plan.jsonMembers), "rule": .string(rule.source),
                    ]),
                actor: actor, at: time)
            replanned.append((updated, job.policyVersion))
        }
        return replanned
    }

    /// The retirement time a job's due date was counted from when it was scheduled (kept in its
    /// `job.scheduled` event since December 2026), or nil.
    static func scheduledRetirement(of job: DisposalJob, in tx: any StoreReading) throws(LetheError) -> Date? {
        let scheduled = try tx.events(assetTag: job.assetTag, type: .jobScheduled).last {
            $0.payload["job"]?["id"]?.integerValue == job.id
        }
        guard let text = scheduled?.payload["retired_at"]?.stringValue else { return nil }
        return try? RFC3339.parse(text)
    }

    /// When the asset last became retired, from its events.
    static func retirementTime(of tag: String, in tx: any StoreReading) throws(LetheError) -> Date? {
        try tx.events(assetTag: tag).last {
            $0.type == .assetStateChanged && $0.payload["to"]?.stringValue == LifecycleState.retired.rawValue
        }?.recordedAt
    }
}
