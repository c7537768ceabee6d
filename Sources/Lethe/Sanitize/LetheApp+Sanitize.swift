import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// What `lethe sanitize` was asked to do.
public struct SanitizeRequest: Sendable {
    /// The target path (block device or image file).
    public var target: String
    /// The pattern.
    public var pattern: OverwritePattern
    /// Passes.
    public var passes: Int
    /// The job, when the asset's open job is not meant.
    public var jobID: Int64?
    /// Follow a symlinked target on purpose.
    public var follow: Bool
    /// Skip the serial check, with the reason recorded.
    public var ignoreSerialReason: String?
    /// A throughput ceiling in bytes per second.
    public var maxBytesPerSecond: Int64?
    /// Seconds between checkpoints.
    public var checkpointInterval: Double
    /// Lethe's version, recorded as the tool version.
    public var toolVersion: String
    /// Overwrite an image file that has other hard links, on purpose (`--allow-hard-links`).
    public var allowHardLinks: Bool
    /// Start a new run although the job's last run was interrupted or killed (`--restart`),
    /// instead of resuming it.
    public var restart: Bool
    /// Overwrite a target whose size is not the asset's recorded capacity, with the reason
    /// recorded (`--ignore-size --reason`).
    public var ignoreSizeReason: String?

    /// Creates a request.
    public init(
        target: String, pattern: OverwritePattern = .zero, passes: Int = 1, jobID: Int64? = nil, follow: Bool = false,
        ignoreSerialReason: String? = nil, maxBytesPerSecond: Int64? = nil, checkpointInterval: Double = 2,
        toolVersion: String, allowHardLinks: Bool = false, restart: Bool = false, ignoreSizeReason: String? = nil
    ) {
        self.target = target
        self.pattern = pattern
        self.passes = passes
        self.jobID = jobID
        self.follow = follow
        self.ignoreSerialReason = ignoreSerialReason
        self.maxBytesPerSecond = maxBytesPerSecond
        self.checkpointInterval = checkpointInterval
        self.toolVersion = toolVersion
        self.allowHardLinks = allowHardLinks
        self.restart = restart
        self.ignoreSizeReason = ignoreSizeReason
    }
}

/// What a sanitize would do, once every safety check passed; nothing is written yet.
public struct SanitizePlan: Sendable {
    /// The job it executes.
    public internal(set) var job: DisposalJob
    /// The asset.
    public internal(set) var asset: Asset
    /// The checked target.
    public internal(set) var target: CheckedTarget
    /// The request.
    public internal(set) var request: SanitizeRequest
    /// The run it resumes, when resuming.
    public internal(set) var resuming: SanitizeRun?

    /// Bytes left to write.
    public var bytesToWrite: Int64 {
        guard let run = resuming else { return target.size * Int64(request.passes) }
        return Int64(run.passes - run.pass) * run.sizeBytes + (run.sizeBytes - run.offset)
    }
}

/// What a sanitize would overwrite, once every check passed (`sanitize --dry-run`); nothing is written.
public struct SanitizePreview: Codable, Sendable, Hashable {
    /// Always true: nothing was written.
    public var dryRun: Bool
    /// The job it would execute.
    public var job: Int64
    /// The asset.
    public var asset: String
    /// The resolved target.
    public var target: String
    /// Whether the target is a block device.
    public var blockDevice: Bool
    /// Bytes per pass.
    public var sizeBytes: Int64
    /// The pattern.
    public var pattern: String
    /// Passes.
    public var passes: Int
    /// Bytes left to write.
    public var bytesToWrite: Int64
    /// The device's serials.
    public var serials: [String]

    enum CodingKeys: String, CodingKey {
        case job, asset, target, pattern, passes, serials
        case dryRun = "dry_run"
        case blockDevice = "block_device"
        case sizeBytes = "size_bytes"
        case bytesToWrite = "bytes_to_write"
    }
}

extension SanitizePlan {
    /// What the plan would overwrite.
    public var preview: SanitizePreview {
        SanitizePreview(
            dryRun: true, job: job.id, asset: asset.tag, target: target.resolvedPath, blockDevice: target.isBlockDevice,
            sizeBytes: target.size, pattern: request.pattern.description, passes: request.passes,
            bytesToWrite: bytesToWrite, serials: target.serials)
    }
}

/// How a sanitize run ended.
public struct SanitizeOutcome: Codable, Sendable {
    /// The job after the run (executed, or still in progress when interrupted).
    public var job: DisposalJob
    /// The run record.
    public var run: SanitizeRun
    /// Bytes this invocation wrote.
    public var bytesWritten: Int64
    /// Seconds this invocation took.
    public var seconds: Double
    /// Whether every pass finished.
    public var completed: Bool

    /// Milliseconds this invocation took.
    public var milliseconds: Int64 { Int64(seconds * 1000) }
    /// This invocation's throughput.
    public var throughputBytesPerSecond: Int64 { seconds > 0 ? Int64(Double(bytesWritten) / seconds) : 0 }

    enum CodingKeys: String, CodingKey {
        case job, run, completed, milliseconds
        case bytesWritten = "bytes_written"
        case throughputBytesPerSecond = "throughput_bytes_per_second"
    }

    init(job: DisposalJob, run: SanitizeRun, bytesWritten: Int64, seconds: Double, completed: Bool) {
        self.job = job
        self.run = run
        self.bytesWritten = bytesWritten
        self.seconds = seconds
        self.completed = completed
    }

    /// Decodes an outcome as it is encoded (seconds from its milliseconds).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        job = try container.decode(DisposalJob.self, forKey: .job)
        run = try container.decode(SanitizeRun.self, forKey: .run)
        bytesWritten = try container.decode(Int64.self, forKey: .bytesWritten)
        seconds = Double(try container.decode(Int64.self, forKey: .milliseconds)) / 1000
        completed = try container.decode(Bool.self, forKey: .completed)
    }

    /// Encodes the job, the run, whether it completed and this invocation's bytes, time and throughput.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(job, forKey: .job)
        try container.encode(run, forKey: .run)
        try container.encode(completed, forKey: .completed)
        try container.encode(bytesWritten, forKey: .bytesWritten)
        try container.encode(milliseconds, forKey: .milliseconds)
        try container.encode(throughputBytesPerSecond, forKey: .throughputBytesPerSecond)
    }
}

extension SanitizationService {
    /// Checks everything before a single byte is written: the job (open, approved, overwrite
    /// allowed, no interrupted run to resume unless `restart`), the target's safety (on a thread
    /// of its own: it opens and queries the device). Writes nothing.
    public func plan(
        assetTag: String, _ request: SanitizeRequest, by principal: Principal
    ) async throws(LetheError)
        -> SanitizePlan
    {
        try app.authorize(.sanitize, principal)
        let app = app
        return try await OwnThread.run("lethe-plan") { () throws(LetheError) in
            try app.planSanitize(assetTag: assetTag, request)
        }
    }

    /// Plans the resumption of a job's interrupted or killed run from its last checkpoint; the
    /// target is checked again, as for a new run.
    public func planResume(
        jobID: Int64, toolVersion: String, maxBytesPerSecond: Int64? = nil, checkpointInterval: Double = 2,
        allowHardLinks: Bool = false, by principal: Principal
    ) async throws(LetheError) -> SanitizePlan {
        try app.authorize(.sanitize, principal)
        let app = app
        return try await OwnThread.run("lethe-plan") { () throws(LetheError) in
            try app.planResume(
                jobID: jobID, toolVersion: toolVersion, maxBytesPerSecond: maxBytesPerSecond,
                checkpointInterval: checkpointInterval, allowHardLinks: allowHardLinks)
        }
    }

    /// Runs a checked plan: starts the job, overwrites with checkpoints in the database, and on
    /// completion records the job executed and the asset sanitized; on a stop, records the job
    /// interrupted at the exact offset (it stays in progress, resumable). The overwrite runs on a
    /// thread of its own while the calling task is suspended; `progress` is called on that thread.
    public func run(
        _ plan: SanitizePlan, by principal: Principal, stop: StopSignal,
        progress: @escaping @Sendable (OverwriteProgress) -> Void = { _ in }
    ) async throws(LetheError) -> SanitizeOutcome {
        try app.authorize(.sanitize, principal)
        let app = app
        return try await OwnThread.run("lethe-sanitize") { () throws(LetheError) in
            try app.sanitize(plan, actor: principal.name, stop: stop, progress: progress)
        }
    }
}

extension LetheApp {
    /// Checks everything before a single byte is written: the job (open, approved, overwrite
    /// allowed, no interrupted run to resume unless `restart`), the target's safety. Writes nothing.
    func planSanitize(assetTag: String, _ request: SanitizeRequest) throws(LetheError) -> SanitizePlan {
        try plan(assetTag: assetTag, request, resuming: false)
    }

    private func plan(
        assetTag: String, _ request: SanitizeRequest, resuming: Bool
    ) throws(LetheError)
        -> SanitizePlan
    {
        try FieldLimits.check(request.ignoreSerialReason, field: "reason", limit: FieldLimits.reason)
        guard (1...35).contains(request.passes) else {
            throw LetheError(.usage, "--passes must be 1 to 35 (got \(request.passes))")
        }
        let (job, asset, lastRun) = try store.read { (tx) throws(LetheError) in
            let asset = try Self.requireAsset(assetTag, in: tx)
            let job: DisposalJob
            if let id = request.jobID {
                job = try Self.requireJob(id, in: tx)
                guard job.assetTag == asset.tag else {
                    throw LetheError(.conflict, "job \(id) is for asset \(job.assetTag), not \(asset.tag)")
                }
            } else {
                guard let open = try tx.openJob(assetTag: asset.tag) else {
                    throw LetheError(
                        .notFound,
                        "asset \(asset.tag) has no open disposal job; retire it and run 'lethe schedule' first (nothing was written)"
                    )
                }
                job = open
            }
            return (job, asset, try tx.latestSanitizeRun(jobID: job.id))
        }
        guard job.state == .scheduled || job.state == .inProgress else {
            throw LetheError(
                .illegalTransition,
                "job \(job.id) is \(job.state.rawValue); only a scheduled or in-progress job can be sanitized (nothing was written)"
            )
        }
        guard job.plan.techniques.contains(.overwrite) else {
            throw LetheError(
                .conflict,
                "job \(job.id) for asset \(asset.tag) needs \(job.plan.method.rawValue) (\(job.plan.techniques.map(\.rawValue).joined(separator: ", "))); an overwrite does not reach it, see docs/sanitization.md (nothing was written)"
            )
        }
        if let refusal = JobRules.workRefusal(job) { throw refusal }
        if !resuming, !request.restart, let run = lastRun, run.status == .interrupted || run.status == .running {
            let how =
                run.status == .interrupted
                ? "was interrupted" : "is still recorded as running (killed, or under way in another process)"
            throw LetheError(
                .conflict,
                "job \(job.id) for asset \(asset.tag) has an overwrite that \(how) at pass \(run.pass) of \(run.passes), offset \(run.offset) of \(run.sizeBytes) bytes (run \(run.id), \(run.target)); continue it with 'lethe sanitize --resume \(job.id)', or start again from the beginning with --restart (nothing was written)"
            )
        }
        let target = try TargetSafety().check(
            path: request.target, assetTag: asset.tag, assetSerial: asset.serial,
            dataDirectory: dataDirectory?.path, follow: request.follow, ignoreSerial: request.ignoreSerialReason != nil,
            allowHardLinks: request.allowHardLinks)
        if !resuming { try Self.refuseSizeMismatch(target, asset: asset, ignoreReason: request.ignoreSizeReason) }
        return SanitizePlan(job: job, asset: asset, target: target, request: request, resuming: nil)
    }

    /// Plans the resumption of a job's interrupted or killed run from its last checkpoint. The
    /// target is checked again, as for a new run (`allowHardLinks` as for ``SanitizeRequest``).
    func planResume(
        jobID: Int64, toolVersion: String, maxBytesPerSecond: Int64? = nil, checkpointInterval: Double = 2,
        allowHardLinks: Bool = false
    )
        throws(LetheError) -> SanitizePlan
    {
        let (job, run) = try store.read { (tx) throws(LetheError) in
            (try Self.requireJob(jobID, in: tx), try tx.latestSanitizeRun(jobID: jobID))
        }
        guard let run, run.status == .running || run.status == .interrupted, job.state == .inProgress else {
            throw LetheError(
                .conflict,
                "job \(jobID) has no interrupted overwrite to resume (job \(job.state.rawValue), run \(run?.status.rawValue ?? "none")); start one with 'lethe sanitize TAG --target PATH'"
            )
        }
        let request = SanitizeRequest(
            target: run.target, pattern: try OverwritePattern(parsing: run.pattern), passes: run.passes, jobID: jobID,
            follow: run.target != run.resolvedTarget, ignoreSerialReason: run.serialIgnoredReason,
            maxBytesPerSecond: maxBytesPerSecond, checkpointInterval: checkpointInterval, toolVersion: toolVersion,
            allowHardLinks: allowHardLinks, ignoreSizeReason: run.sizeIgnoredReason)
        var plan = try plan(assetTag: job.assetTag, request, resuming: true)
        guard plan.target.resolvedPath == run.resolvedTarget, plan.target.size == run.sizeBytes else {
            throw LetheError(
                .conflict,
                "the target of job \(jobID) changed since the run started (\(run.resolvedTarget), \(run.sizeBytes) bytes; now \(plan.target.resolvedPath), \(plan.target.size) bytes); start a new run instead with 'lethe sanitize \(job.assetTag) --target PATH --restart'"
            )
        }
        let replaced = "\(run.resolvedTarget) is not what run \(run.id) of job \(jobID) was overwriting"
        let advice =
            "resuming would overwrite only the rest of another medium; start again with 'lethe sanitize \(job.assetTag) --target PATH --restart' (nothing was written)"
        if let recorded = run.targetIdentity, recorded != plan.target.identity.key {
            throw LetheError(
                .conflict,
                "\(replaced) (file \(recorded), now \(plan.target.identity.key)): it was replaced; \(advice)")
        }
        guard
            try ResumeCheck.holdsWhatWasWritten(
                path: plan.target.resolvedPath, pattern: plan.request.pattern, seed: Self.bytes(hex: run.seedHex),
                pass: run.pass, offset: run.offset, size: run.sizeBytes)
        else {
            throw LetheError(
                .conflict,
                "\(replaced): the bytes it wrote before its checkpoint are not there, so it was replaced or written since; \(advice)"
            )
        }
        plan.resuming = run
        return plan
    }

    /// Runs a checked plan: starts the job, overwrites with checkpoints in the database, and on
    /// completion records the job executed and the asset sanitized; on a stop, records the job
    /// interrupted at the exact offset (it stays in progress, resumable).
    func sanitize(
        _ plan: SanitizePlan, actor: String, stop: StopSignal,
        progress: @escaping (OverwriteProgress) -> Void = { _ in }
    ) throws(LetheError) -> SanitizeOutcome {
        let actor = try Principal.localOperator(actor).name
        let time = now
        let seed: [UInt8]
        if let run = plan.resuming {
            seed = Self.bytes(hex: run.seedHex)
        } else {
            seed = plan.request.pattern == .random ? PatternStream.newSeed() : []
        }
        // The target's lock first: a run refused because another process holds the target must
        // record nothing (no run, no event), and must not touch that other process's run.
        let lock = try TargetLock(path: plan.target.resolvedPath)
        guard lock.identity == plan.target.identity else {
            throw LetheError(
                .conflict,
                "\(plan.target.path) is no longer the file that was checked: it was replaced since; run the command again (nothing was written)"
            )
        }
        var run = try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(plan.job.id, in: tx)
            // The job may have changed since it was planned (cancelled, executed by another run).
            guard job.state == .scheduled || job.state == .inProgress else {
                throw LetheError(
                    .illegalTransition,
                    "job \(job.id) is \(job.state.rawValue) now; only a scheduled or in-progress job can be sanitized (nothing was written)"
                )
            }
            if let refusal = JobRules.workRefusal(job) { throw refusal }
            if var run = plan.resuming {
                run.status = .running
                run.updatedAt = time
                try tx.update(run)
                try tx.append(
                    EventDraft(
                        type: .jobResumed, assetTag: job.assetTag,
                        payload: [
                            "job": .integer(job.id), "run": .integer(run.id), "pass": .integer(Int64(run.pass)),
                            "offset": .integer(run.offset),
                        ]),
                    actor: actor, at: time)
                return run
            }
            if job.state == .scheduled {
                job.state = try JobLifecycle.transition(job: job.id, from: job.state, to: .inProgress)
                job.updatedAt = time
                try tx.update(job)
                try tx.append(
                    EventDraft(type: .jobStarted, assetTag: job.assetTag, payload: ["job": .integer(job.id)]),
                    actor: actor, at: time)
            }
            var record = SanitizeRun(
                jobID: job.id, target: plan.target.path, resolvedTarget: plan.target.resolvedPath,
                isBlockDevice: plan.target.isBlockDevice, sizeBytes: plan.target.size,
                pattern: plan.request.pattern.description, passes: plan.request.passes, seedHex: Hex.encode(seed),
                serialIgnoredReason: plan.request.ignoreSerialReason, startedAt: time)
            record.targetIdentity = plan.target.isBlockDevice ? nil : plan.target.identity.key
            record.sizeIgnoredReason = plan.request.ignoreSizeReason
            return try tx.insert(record)
        }
        let request = OverwriteRequest(
            path: run.resolvedTarget, pattern: plan.request.pattern, passes: run.passes, seed: seed,
            start: OverwritePosition(pass: run.pass, offset: run.offset),
            maxBytesPerSecond: plan.request.maxBytesPerSecond, checkpointInterval: plan.request.checkpointInterval,
            expectedIdentity: plan.target.identity, heldLock: lock)
        let before = run
        let result: OverwriteResult
        let started = ContinuousClock.now
        do {
            result = try OverwriteEngine().run(request, stop: stop, progress: progress) {
                (position) throws(LetheError) in
                var checkpoint = before
                checkpoint.pass = position.pass
                checkpoint.offset = position.offset
                // The counters so far go with each checkpoint: a run killed after it (kill -9, a
                // power cut) keeps what it wrote, and its resume adds to that.
                let covered =
                    Int64(position.pass - before.pass) * before.sizeBytes + position.offset - before.offset
                checkpoint.bytesWritten = before.bytesWritten + max(0, covered)
                checkpoint.milliseconds = before.milliseconds + (ContinuousClock.now - started).wholeMilliseconds
                checkpoint.updatedAt = self.now
                try self.store.write { (tx) throws(LetheError) in try tx.update(checkpoint) }
            }
        } catch {
            let ours = run
            run = try store.write { (tx) throws(LetheError) in
                // This run, at its last checkpoint; never another run of the job.
                var failed = ours
                if let latest = try tx.latestSanitizeRun(jobID: ours.jobID), latest.id == ours.id { failed = latest }
                failed.status = .failed
                failed.updatedAt = self.now
                try tx.update(failed)
                return failed
            }
            throw error
        }
        run.pass = result.position.pass
        run.offset = result.position.offset
        run.bytesWritten += result.bytesWritten
        run.milliseconds += Int64(result.seconds * 1000)
        run.directIO = run.directIO && result.directIO
        run.status = result.completed ? .completed : .interrupted
        let finished = run
        let end = now
        let job = try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(finished.jobID, in: tx)
            var updated = finished
            updated.updatedAt = end
            try tx.update(updated)
            guard finished.status == .completed else {
                try tx.append(
                    EventDraft(
                        type: .jobInterrupted, assetTag: job.assetTag,
                        payload: [
                            "job": .integer(job.id), "run": .integer(finished.id),
                            "pass": .integer(Int64(finished.pass)), "offset": .integer(finished.offset),
                            "bytes_written": .integer(finished.bytesWritten),
                        ]),
                    actor: actor, at: end)
                return job
            }
            job.state = try JobLifecycle.transition(job: job.id, from: job.state, to: .executed)
            job.executedBy = actor
            job.executedAt = end
            job.technique = .overwrite
            job.tool = "lethe"
            job.toolVersion = plan.request.toolVersion
            job.updatedAt = end
            try tx.update(job)
            let seconds = max(Double(finished.milliseconds) / 1000, 0.001)
            var payload: [String: JSONValue] = [
                "job": .integer(job.id), "technique": .string("overwrite"), "tool": .string("lethe"),
                "tool_version": .string(plan.request.toolVersion), "method": .string(job.plan.method.rawValue),
                "run": finished.json, "pattern": .string(finished.pattern), "passes": .integer(Int64(finished.passes)),
                "bytes_written": .integer(finished.bytesWritten), "duration_ms": .integer(finished.milliseconds),
                "throughput_bytes_per_second": .integer(Int64(Double(finished.bytesWritten) / seconds)),
                "evidence": .array([]),
            ]
            payload["serials"] = .array(plan.target.serials.map(JSONValue.string))
            payload["size_check_skipped"] = plan.request.ignoreSizeReason.map(JSONValue.string)
            try tx.append(
                EventDraft(type: .jobExecuted, assetTag: job.assetTag, payload: .object(payload)), actor: actor, at: end
            )
            let asset = try Self.requireAsset(job.assetTag, in: tx)
            _ = try Self.move(
                asset, to: .sanitized, in: tx, actor: actor, at: end, details: ["job": .integer(job.id)])
            return job
        }
        return SanitizeOutcome(
            job: job, run: finished, bytesWritten: result.bytesWritten, seconds: result.seconds,
            completed: result.completed)
    }

    static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            if let byte = UInt8(hex[index..<next], radix: 16) { result.append(byte) }
            index = next
        }
        return result
    }
}

extension LetheApp {
    /// Refuses a target whose size differs from the asset's recorded capacity by more than 1 %:
    /// a partition or a smaller image is not the whole medium, a bigger one is another medium, and
    /// a record would claim the asset sanitized. Marketing capacities (1 TB = 10^12 bytes) are
    /// within that of the device's real size. An asset with no recorded capacity is not checked.
    static func refuseSizeMismatch(_ target: CheckedTarget, asset: Asset, ignoreReason: String?) throws(LetheError) {
        guard let capacity = asset.capacityBytes, capacity > 0, ignoreReason == nil else { return }
        let difference = abs(Double(target.size) - Double(capacity)) / Double(capacity)
        guard difference > 0.01 else { return }
        throw LetheError(
            .conflict,
            "target \(target.path) is \(target.size) bytes but asset \(asset.tag)'s recorded capacity is \(capacity) bytes: it is not the whole medium, or not this asset's; check the device (or correct the capacity with 'lethe asset update \(asset.tag) --capacity …'), or give --ignore-size --reason TEXT if that is meant (nothing was written)"
        )
    }
}
