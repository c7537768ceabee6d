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
        apply(Entry(event))
    }

    /// Folds the next entry of the log, read into an ``Entry``.
    mutating func apply(_ entry: Entry) {
        size = entry.seq
        time = entry.recordedAt
        if let focus, entry.assetTag == focus, let event = entry.event { timeline.append(event) }
        let time = entry.recordedAt
        switch entry.fact {
        case .none:
            break
        case .registered:
            if let tag = entry.assetTag { registered.insert(tag) }
        case .scheduled(let scheduled):
            var job =
                jobs[scheduled.id]
                ?? Job(
                    id: scheduled.id, asset: scheduled.asset, method: "", techniques: [], verification: .null,
                    policyVersion: "", dueAt: time, createdAt: time)
            job.method = scheduled.method ?? job.method
            job.techniques = scheduled.techniques
            job.verification = scheduled.verification
            job.policyVersion = scheduled.policyVersion ?? job.policyVersion
            job.dueAt = scheduled.dueAt ?? job.dueAt
            if entry.type == .jobScheduled {
                job.createdAt = time
                job.afterFailedJob = scheduled.afterFailedJob
                assets[scheduled.asset, default: AssetLife()].jobs.append(scheduled.id)
            }
            jobs[scheduled.id] = job
        case .approved(let id):
            update(id) { $0.approvedBy = entry.actor }
        case .started(let id):
            update(id) { $0.state = "in-progress" }
        case .executed(let id, let executed):
            update(id) {
                $0.state = "executed"
                $0.executedBy = entry.actor
                $0.executedAt = time
                $0.executedMethod = executed.method
                $0.technique = executed.technique
                $0.tool = executed.tool
                $0.toolVersion = executed.toolVersion
            }
        case .verified(let id, let passed, let verified):
            update(id) {
                $0.state = passed ? "verified" : "failed"
                $0.verifiedBy = entry.actor
                $0.verifiedAt = time
                $0.verifier = verified.verifier
                $0.readbackMode = verified.readbackMode
                $0.readbackRatePercent = verified.readbackRatePercent
                $0.readbackSeed = verified.readbackSeed
                if !passed { $0.failedAt = time }
                $0.finishedAt = time
            }
        case .cancelled(let id):
            update(id) {
                $0.state = "cancelled"
                $0.finishedAt = time
            }
        case .stateChanged(let to, let destination):
            guard let tag = entry.assetTag else { return }
            var life = assets[tag, default: AssetLife()]
            life.state = to
            life.stateSeen = true
            switch to {
            case "retired": life.retiredAt = time
            case "disposed":
                life.disposedAt = time
                life.destination = destination
            case "lost": life.lostAt = time
            case "in-service": life.retiredAt = nil
            default: break
            }
            assets[tag] = life
        case .custody(let move):
            guard let tag = entry.assetTag else { return }
            custody.append(
                Custody(
                    asset: tag, at: move.at ?? time, from: move.from, to: move.to, seals: move.seals,
                    manifest: move.manifest, locationTo: move.locationTo, actor: entry.actor, seq: entry.seq))
        case .recordIssued(let serial, let kind, let job):
            records[serial] = (kind, job, time)
            if kind == "disposal", let job { jobs[job]?.certificate = serial }
        case .recordRevoked(let serial, let reason):
            revocations[serial] = (time, reason)
        case .erasureRequested(let id, let reason, let dueAt, let allDone):
            erasures[id] = Erasure(
                id: id, reason: reason, receivedAt: time, dueAt: dueAt ?? time,
                // A request with nothing left to do completes as it is received (no completion event).
                completedAt: allDone ? time : nil)
        case .erasureCompleted(let id):
            erasures[id]?.completedAt = time
        case .partAttested(let request, let store):
            attestedParts.append((request, store, time))
        case .backupShredded(let backup, let method):
            let how =
                method.hasPrefix("crypto-erase")
                ? "shredded" : method.hasPrefix("media sanitized") ? "with-media" : "attested"
            backupsDestroyed.append(BackupDestroyed(backup: backup, at: time, how: how))
        }
    }

    private mutating func update(_ id: Int64?, _ change: (inout Job) -> Void) {
        guard let id, jobs[id] != nil else { return }
        change(&jobs[id]!)
    }
}

extension ReportLedger {
    /// One entry of the log as the ledger folds it: its top-level fields and the few payload
    /// fields its kind contributes (``Fact``), read from the payload once, on any thread.
    struct Entry: Sendable {
        var seq: Int64
        var recordedAt: Date
        var actor: String
        var type: EventType
        var assetTag: String?
        var fact: Fact
        /// The whole event, kept only where a timeline needs it (an entry about the focus).
        var event: Event?

        /// Reads a parsed event.
        init(_ event: Event) {
            seq = event.seq
            recordedAt = event.recordedAt
            actor = event.actor
            type = event.type
            assetTag = event.assetTag
            fact = Fact(type: event.type, payload: event.payload)
            self.event = event
        }

        /// Reads an event's stored bytes: in place when they are in the simple form canonical
        /// JSON takes (``StoredEventView``), else parsed whole as ``Event/init(storedBytes:)``
        /// does (which refuses what it always refused). The whole event is kept only when it is
        /// about `focus`.
        init(storedBytes bytes: [UInt8], focus: String?) throws(LetheError) {
            guard let view = StoredEventView(storedBytes: bytes) else {
                var entry = Entry(try Event(storedBytes: bytes))
                if focus == nil || entry.assetTag != focus { entry.event = nil }
                self = entry
                return
            }
            seq = view.seq
            recordedAt = view.recordedAt
            actor = view.actor
            type = view.type
            assetTag = view.assetTag
            fact = Fact(type: view.type, payload: view.payload)
            event = focus != nil && view.assetTag == focus ? try Event(storedBytes: bytes) : nil
        }
    }

    /// What an entry contributes to the ledger: the payload fields its kind needs, nothing else.
    /// A kind the ledger does not fold, or a payload that lacks what its kind needs, is `none`.
    enum Fact: Sendable {
        case none
        case registered
        case scheduled(Scheduled)
        case approved(Int64?)
        case started(Int64?)
        case executed(Int64?, Executed)
        case verified(Int64?, passed: Bool, Verified)
        case cancelled(Int64?)
        case stateChanged(to: String, destination: String?)
        case custody(Move)
        case recordIssued(serial: String, kind: String, job: Int64?)
        case recordRevoked(serial: String, reason: String)
        case erasureRequested(Int64, reason: String, dueAt: Date?, allPartsDone: Bool)
        case erasureCompleted(Int64)
        case partAttested(request: Int64, store: String)
        case backupShredded(Int64, method: String)

        struct Scheduled: Sendable {
            var id: Int64
            var asset: String
            var method: String?
            var techniques: [String]
            var verification: JSONValue
            var policyVersion: String?
            var dueAt: Date?
            var afterFailedJob: Int64?
        }

        struct Executed: Sendable {
            var method: String?
            var technique: String?
            var tool: String?
            var toolVersion: String?
        }

        struct Verified: Sendable {
            var verifier: String?
            var readbackMode: String?
            var readbackRatePercent: Int64?
            var readbackSeed: String?
        }

        struct Move: Sendable {
            var at: Date?
            var from: String?
            var to: String?
            var seals: [String]
            var manifest: String?
            var locationTo: String?
        }

        /// Reads the fields a kind of entry contributes from its payload (a tree or the stored
        /// bytes read in place: the same fields either way).
        init<Payload: JSONFieldReading>(type: EventType, payload: Payload) {
            switch type {
            case .assetRegistered:
                self = .registered
            case .jobScheduled, .jobReplanned:
                guard let job = payload["job"], let id = job["id"]?.integerValue,
                    let asset = job["asset"]?.stringValue
                else {
                    self = .none
                    return
                }
                self = .scheduled(
                    Scheduled(
                        id: id, asset: asset, method: job["method"]?.stringValue,
                        techniques: (job["techniques"]?.arrayValue ?? []).compactMap(\.stringValue),
                        verification: job["verification"]?.jsonValue ?? .null,
                        policyVersion: job["policy_version"]?.stringValue, dueAt: job["due_at"]?.dateValue,
                        afterFailedJob: payload["after_failed_job"]?.integerValue))
            case .jobApproved:
                self = .approved(payload["job"]?.integerValue)
            case .jobStarted:
                self = .started(payload["job"]?.integerValue)
            case .jobExecuted:
                self = .executed(
                    payload["job"]?.integerValue,
                    Executed(
                        method: payload["method"]?.stringValue, technique: payload["technique"]?.stringValue,
                        tool: payload["tool"]?.stringValue, toolVersion: payload["tool_version"]?.stringValue))
            case .jobVerified, .jobFailed:
                let details = payload["details"]
                self = .verified(
                    payload["job"]?.integerValue, passed: type == .jobVerified,
                    Verified(
                        verifier: payload["verifier"]?.stringValue, readbackMode: details?["mode"]?.stringValue,
                        readbackRatePercent: details?["sample_rate_percent"]?.integerValue,
                        readbackSeed: details?["sample_seed"]?.stringValue))
            case .jobCancelled:
                self = .cancelled(payload["job"]?.integerValue)
            case .assetStateChanged:
                guard let to = payload["to"]?.stringValue else {
                    self = .none
                    return
                }
                self = .stateChanged(to: to, destination: payload["destination"]?.stringValue)
            case .custodyTransferred:
                self = .custody(
                    Move(
                        at: payload["at"]?.dateValue, from: payload["from"]?.stringValue,
                        to: payload["to"]?.stringValue,
                        seals: (payload["seals"]?.arrayValue ?? []).compactMap(\.stringValue),
                        manifest: payload["manifest"]?.stringValue, locationTo: payload["location_to"]?.stringValue))
            case .recordIssued:
                guard let serial = payload["serial"]?.stringValue, let kind = payload["kind"]?.stringValue else {
                    self = .none
                    return
                }
                self = .recordIssued(serial: serial, kind: kind, job: payload["job"]?.integerValue)
            case .recordRevoked:
                guard let serial = payload["serial"]?.stringValue else {
                    self = .none
                    return
                }
                self = .recordRevoked(serial: serial, reason: payload["reason"]?.stringValue ?? "")
            case .erasureRequested:
                guard let id = payload["request"]?.integerValue else {
                    self = .none
                    return
                }
                self = .erasureRequested(
                    id, reason: payload["reason"]?.stringValue ?? "unknown", dueAt: payload["due_at"]?.dateValue,
                    allPartsDone: (payload["parts"]?.arrayValue ?? []).allSatisfy {
                        $0["state"]?.stringValue == "done"
                    })
            case .erasureCompleted:
                guard let id = payload["request"]?.integerValue else {
                    self = .none
                    return
                }
                self = .erasureCompleted(id)
            case .erasurePartChanged:
                guard payload["action"]?.stringValue == "attest", payload["state"]?.stringValue == "done",
                    let request = payload["request"]?.integerValue
                else {
                    self = .none
                    return
                }
                self = .partAttested(request: request, store: payload["store"]?.stringValue ?? "")
            case .backupShredded:
                guard let backup = payload["backup"]?.integerValue else {
                    self = .none
                    return
                }
                self = .backupShredded(backup, method: payload["method"]?.stringValue ?? "")
            default:
                self = .none
            }
        }
    }
}
