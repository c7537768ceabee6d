import Foundation
import LetheCore

/// The facts a report needs, folded from the evidence log's entries in order: jobs, asset states,
/// custody moves, records and revocations, erasure requests and backups.
///
/// A report is computed from the first `N` entries of the log only (and the asset register's
/// descriptive fields as they stood at entry `N`), so computing it again at the same log size
/// gives the same facts whatever happened since. Pure: it sees events, never the store.
struct ReportLedger {
    /// One disposal job as its events describe it.
    struct Job {
        var id: Int64
        var asset: String
        var method: String
        var techniques: [String]
        var verification: JSONValue
        var policyVersion: String
        var dueAt: Date
        var createdAt: Date
        var afterFailedJob: Int64?
        var state = "scheduled"
        var approvedBy: String?
        var executedBy: String?
        var executedAt: Date?
        var executedMethod: String?
        var technique: String?
        var tool: String?
        var toolVersion: String?
        var verifiedBy: String?
        var verifiedAt: Date?
        var verifier: String?
        /// The read-back actually done: `full` or `sampled`, with the sample rate and seed.
        var readbackMode: String?
        var readbackRatePercent: Int64?
        var readbackSeed: String?
        var failedAt: Date?
        var finishedAt: Date?
        var certificate: String?
    }

    /// One asset's lifecycle as its events describe it.
    struct AssetLife {
        var state = "in-service"
        /// Whether a state change was seen (an imported asset's first state has no event).
        var stateSeen = false
        var retiredAt: Date?
        var disposedAt: Date?
        var destination: String?
        var lostAt: Date?
        var jobs: [Int64] = []
    }

    /// A custody hand-over.
    struct Custody {
        var asset: String
        var at: Date
        var from: String?
        var to: String?
        var seals: [String]
        var manifest: String?
        var locationTo: String?
        var actor: String
        var seq: Int64
    }

    /// An erasure request's dates and reason.
    struct Erasure {
        var id: Int64
        var reason: String
        var receivedAt: Date
        var dueAt: Date
        var completedAt: Date?
    }

    /// A backup recorded destroyed.
    struct BackupDestroyed {
        var backup: Int64
        var at: Date
        var how: String
    }

    var jobs: [Int64: Job] = [:]
    var assets: [String: AssetLife] = [:]
    /// The tags registered one by one (`asset.registered`) up to the log size: exact, where an
    /// import's single event leaves only the registration time to go by.
    var registered: Set<String> = []
    var custody: [Custody] = []
    var records: [String: (kind: String, job: Int64?, issuedAt: Date)] = [:]
    var revocations: [String: (at: Date, reason: String)] = [:]
    var erasures: [Int64: Erasure] = [:]
    var backupsDestroyed: [BackupDestroyed] = []
    var attestedParts: [(request: Int64, store: String, at: Date)] = []
    /// The asset whose every event is kept in ``timeline`` (a custody report's), if any.
    var focus: String?
    /// The events of ``focus``, in log order.
    var timeline: [Event] = []
    /// The entries folded so far.
    private(set) var size: Int64 = 0
    /// The time of the last entry folded.
    private(set) var time: Date?

    /// The kinds of entry ``apply(_:)`` folds; every other kind leaves the ledger as it is (but
    /// for ``timeline``, which keeps every entry about ``focus``), so a scan may skip them.
    static let foldedTypes: [EventType] = [
        .assetRegistered, .jobScheduled, .jobReplanned, .jobApproved, .jobStarted, .jobExecuted, .jobVerified,
        .jobFailed, .jobCancelled, .assetStateChanged, .custodyTransferred, .recordIssued, .recordRevoked,
        .erasureRequested, .erasureCompleted, .erasurePartChanged, .backupShredded,
    ]

    /// Marks the ledger as folded up to `event`, the log's entry at the size it was computed at,
    /// whether or not its kind was folded.
    mutating func end(at event: Event) {
        size = event.seq
        time = event.recordedAt
    }

    /// Folds the next entry of the log.
    mutating func apply(_ event: Event) {
        size = event.seq
        time = event.recordedAt
        if let focus, event.assetTag == focus { timeline.append(event) }
        let payload = event.payload
        let time = event.recordedAt
        func date(_ key: String, in value: JSONValue? = nil) -> Date? {
            (value ?? payload)[key]?.stringValue.flatMap { try? RFC3339.parse($0) }
        }
        switch event.type {
        case .assetRegistered:
            if let tag = event.assetTag { registered.insert(tag) }
        case .jobScheduled, .jobReplanned:
            guard let job = payload["job"], let id = job["id"]?.integerValue, let asset = job["asset"]?.stringValue
            else { return }
            var entry =
                jobs[id]
                ?? Job(
                    id: id, asset: asset, method: "", techniques: [], verification: .null, policyVersion: "",
                    dueAt: time, createdAt: time)
            entry.method = job["method"]?.stringValue ?? entry.method
            entry.techniques = (job["techniques"]?.arrayValue ?? []).compactMap(\.stringValue)
            entry.verification = job["verification"] ?? .null
            entry.policyVersion = job["policy_version"]?.stringValue ?? entry.policyVersion
            entry.dueAt = date("due_at", in: job) ?? entry.dueAt
            if event.type == .jobScheduled {
                entry.createdAt = time
                entry.afterFailedJob = payload["after_failed_job"]?.integerValue
                assets[asset, default: AssetLife()].jobs.append(id)
            }
            jobs[id] = entry
        case .jobApproved:
            update(payload) { $0.approvedBy = event.actor }
        case .jobStarted:
            update(payload) { $0.state = "in-progress" }
        case .jobExecuted:
            update(payload) {
                $0.state = "executed"
                $0.executedBy = event.actor
                $0.executedAt = time
                $0.executedMethod = payload["method"]?.stringValue
                $0.technique = payload["technique"]?.stringValue
                $0.tool = payload["tool"]?.stringValue
                $0.toolVersion = payload["tool_version"]?.stringValue
            }
        case .jobVerified, .jobFailed:
            let passed = event.type == .jobVerified
            update(payload) {
                $0.state = passed ? "verified" : "failed"
                $0.verifiedBy = event.actor
                $0.verifiedAt = time
                $0.verifier = payload["verifier"]?.stringValue
                let details = payload["details"]
                $0.readbackMode = details?["mode"]?.stringValue
                $0.readbackRatePercent = details?["sample_rate_percent"]?.integerValue
                $0.readbackSeed = details?["sample_seed"]?.stringValue
                if !passed { $0.failedAt = time }
                $0.finishedAt = time
            }
        case .jobCancelled:
            update(payload) {
                $0.state = "cancelled"
                $0.finishedAt = time
            }
        case .assetStateChanged:
            guard let tag = event.assetTag, let to = payload["to"]?.stringValue else { return }
            var life = assets[tag, default: AssetLife()]
            life.state = to
            life.stateSeen = true
            switch to {
            case "retired": life.retiredAt = time
            case "disposed":
                life.disposedAt = time
                life.destination = payload["destination"]?.stringValue
            case "lost": life.lostAt = time
            case "in-service": life.retiredAt = nil
            default: break
            }
            assets[tag] = life
        case .custodyTransferred:
            guard let tag = event.assetTag else { return }
            custody.append(
                Custody(
                    asset: tag, at: date("at") ?? time, from: payload["from"]?.stringValue,
                    to: payload["to"]?.stringValue,
                    seals: (payload["seals"]?.arrayValue ?? []).compactMap(\.stringValue),
                    manifest: payload["manifest"]?.stringValue, locationTo: payload["location_to"]?.stringValue,
                    actor: event.actor, seq: event.seq))
        case .recordIssued:
            guard let serial = payload["serial"]?.stringValue, let kind = payload["kind"]?.stringValue else { return }
            let job = payload["job"]?.integerValue
            records[serial] = (kind, job, time)
            if kind == "disposal", let job { jobs[job]?.certificate = serial }
        case .recordRevoked:
            guard let serial = payload["serial"]?.stringValue else { return }
            revocations[serial] = (time, payload["reason"]?.stringValue ?? "")
        case .erasureRequested:
            guard let id = payload["request"]?.integerValue else { return }
            erasures[id] = Erasure(
                id: id, reason: payload["reason"]?.stringValue ?? "unknown", receivedAt: time,
                dueAt: date("due_at") ?? time,
                // A request with nothing left to do completes as it is received (no completion event).
                completedAt: (payload["parts"]?.arrayValue ?? []).allSatisfy { $0["state"]?.stringValue == "done" }
                    ? time : nil)
        case .erasureCompleted:
            guard let id = payload["request"]?.integerValue else { return }
            erasures[id]?.completedAt = time
        case .erasurePartChanged:
            if payload["action"]?.stringValue == "attest", payload["state"]?.stringValue == "done",
                let request = payload["request"]?.integerValue
            {
                attestedParts.append((request, payload["store"]?.stringValue ?? "", time))
            }
        case .backupShredded:
            guard let backup = payload["backup"]?.integerValue else { return }
            let method = payload["method"]?.stringValue ?? ""
            let how =
                method.hasPrefix("crypto-erase")
                ? "shredded" : method.hasPrefix("media sanitized") ? "with-media" : "attested"
            backupsDestroyed.append(BackupDestroyed(backup: backup, at: time, how: how))
        default:
            break
        }
    }

    private mutating func update(_ payload: JSONValue, _ change: (inout Job) -> Void) {
        guard let id = payload["job"]?.integerValue, var job = jobs[id] else { return }
        change(&job)
        jobs[id] = job
    }
}
