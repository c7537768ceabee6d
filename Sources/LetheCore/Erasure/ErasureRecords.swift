import Foundation

/// A data store as registered by `lethe store apply`: its declaration, stored as canonical JSON
/// with any connection string sealed (see ``DataStoreCoding``).
public struct RegisteredStore: Sendable, Hashable {
    /// The store's unique name.
    public var name: String
    /// Its kind's word (`sqlite`, `postgres`, `file-share`, `processor`, `device`).
    public var kind: String
    /// The canonical JSON of the declaration (connection strings sealed, never in clear).
    public var declaration: [UInt8]
    /// When the declaration was last applied.
    public var appliedAt: Date

    /// Creates a record.
    public init(name: String, kind: String, declaration: [UInt8], appliedAt: Date) {
        self.name = name
        self.kind = kind
        self.declaration = declaration
        self.appliedAt = appliedAt
    }
}

/// Why a subject asked for erasure.
public enum ErasureReason: String, Sendable, Hashable, CaseIterable {
    /// The subject withdrew consent (GDPR Art. 17(1)(b)).
    case withdrawal
    /// The subject objected to processing (Art. 17(1)(c)).
    case objection
    /// The retention period ended (Art. 17(1)(a)).
    case retention
    /// Any other ground.
    case other
}

/// Where an erasure request stands.
public enum ErasureRequestState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Some part is not done yet.
    case open
    /// Every part is done.
    case completed
}

/// Where one part of an erasure request stands.
public enum ErasurePartState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not run (or attested) yet, or waiting (for a backup's destruction).
    case pending
    /// Erased, attested, suppressed or ended with its backup.
    case done
    /// Its erasure or its re-verification failed (the subject was found again): run or reapply it.
    case failed
}

/// An erasure request: a subject known only by its keyed hash, a reason and a due date.
public struct ErasureRequest: Sendable, Hashable {
    /// Its number (0 before it is stored).
    public var id: Int64
    /// The subject's keyed hash (lowercase hex).
    public var subject: String
    /// The ground.
    public var reason: ErasureReason
    /// `open` until every part is done, then `completed`.
    public var state: ErasureRequestState
    /// When the erasure must be done (the policy's erasure SLA after the request).
    public var dueAt: Date
    /// The policy version whose SLA set the due date.
    public var policyVersion: String
    /// Who filed it.
    public var requestedBy: String
    /// When it was filed.
    public var createdAt: Date
    /// When its last part was done.
    public var completedAt: Date?

    /// Creates a request.
    public init(
        id: Int64 = 0, subject: String, reason: ErasureReason, state: ErasureRequestState = .open, dueAt: Date,
        policyVersion: String, requestedBy: String, createdAt: Date, completedAt: Date? = nil
    ) {
        self.id = id
        self.subject = subject
        self.reason = reason
        self.state = state
        self.dueAt = dueAt
        self.policyVersion = policyVersion
        self.requestedBy = requestedBy
        self.createdAt = createdAt
        self.completedAt = completedAt
    }
}

/// What one part of an erasure request does in one place where the subject's data lives.
public enum ErasurePartAction: String, Sendable, Hashable, CaseIterable {
    /// Lethe erases the subject in a database store (`erasure run`).
    case execute
    /// A backup holds the subject: it is suppressed (re-applied on restore) until the backup expires
    /// or its key is shredded.
    case suppress
    /// A processor or file share: someone is notified and attests the erasure (`erasure attest`).
    case attest
    /// A device: its data goes with the asset's sanitization job.
    case sanitizeDevice = "sanitize-device"
}

/// One part of an erasure request.
public struct ErasurePart: Sendable, Hashable {
    /// Its number (0 before it is stored).
    public var id: Int64
    /// The request it belongs to.
    public var requestID: Int64
    /// The store it concerns.
    public var store: String
    /// What it does.
    public var action: ErasurePartAction
    /// `pending`, `done` or `failed`.
    public var state: ErasurePartState
    /// For `suppress`: the backup.
    public var backupID: Int64?
    /// For `sanitize-device`: the asset.
    public var assetTag: String?
    /// For `sanitize-device`: the asset's disposal job when there is one.
    public var jobID: Int64?
    /// For `suppress`: when the data is finally gone (the backup's expiry).
    public var finalAt: Date?
    /// The last outcome recorded (canonical JSON object; counts and hashes, never identifiers).
    public var outcome: JSONValue
    /// When the last verification ran.
    public var verifiedAt: Date?
    /// When the part was last changed.
    public var updatedAt: Date

    /// Creates a part.
    public init(
        id: Int64 = 0, requestID: Int64, store: String, action: ErasurePartAction, state: ErasurePartState = .pending,
        backupID: Int64? = nil, assetTag: String? = nil, jobID: Int64? = nil, finalAt: Date? = nil,
        outcome: JSONValue = .object([:]), verifiedAt: Date? = nil, updatedAt: Date
    ) {
        self.id = id
        self.requestID = requestID
        self.store = store
        self.action = action
        self.state = state
        self.backupID = backupID
        self.assetTag = assetTag
        self.jobID = jobID
        self.finalAt = finalAt
        self.outcome = outcome
        self.verifiedAt = verifiedAt
        self.updatedAt = updatedAt
    }
}

/// A backup of a store: a file, when it was made and when it expires, and its data key (sealed)
/// while it is encrypted and not shredded.
public struct BackupRecord: Sendable, Hashable {
    /// Its number (0 before it is stored).
    public var id: Int64
    /// The store it copies.
    public var store: String
    /// The backup file's path as registered.
    public var file: String
    /// When the backup was made.
    public var createdAt: Date
    /// When its retention ends.
    public var expiresAt: Date?
    /// The data key sealed under the installation key (associated data: `backup-<id>`); nil before
    /// encryption and after shredding.
    public var sealedKey: [UInt8]?
    /// When the backup was destroyed: its key shredded, its medium's sanitization job verified, or
    /// its destruction attested.
    public var shreddedAt: Date?
    /// When it was registered.
    public var registeredAt: Date
    /// When `lethe schedule` found it expired and scheduled its destruction.
    public var destructionScheduledAt: Date?
    /// When its destruction is due: its expiry plus the policy's `backup_destruction_deadline`,
    /// set with `destructionScheduledAt`. Past it and not destroyed, `lethe verify --due` raises it.
    public var destructionDueAt: Date?
    /// The asset (a tape, a backup disk) its file lives on, if registered: sanitized through a
    /// disposal job when the backup's retention ends and Lethe holds no key to shred.
    public var mediaTag: String?
    /// How many subjects its store held when it was registered (set by the store).
    public var subjectCount: Int
    /// A copy made at one time (`snapshot`), or a declared residue that is continuously renewed
    /// (`rolling`: a WAL archive, dumps, a replica): rolling exactly when ``residue`` is set.
    public var kind: BackupKind { residue == nil ? .snapshot : .rolling }
    /// For a rolling backup: the residue entry it was declared as (its ``file`` is the entry's
    /// location, its ``mediaTag`` the entry's media).
    public var residue: RollingResidue?

    /// Creates a record.
    public init(
        id: Int64 = 0, store: String, file: String, createdAt: Date, expiresAt: Date?, sealedKey: [UInt8]? = nil,
        shreddedAt: Date? = nil, registeredAt: Date, destructionScheduledAt: Date? = nil, mediaTag: String? = nil,
        subjectCount: Int = 0, destructionDueAt: Date? = nil, residue: RollingResidue? = nil
    ) {
        self.residue = residue
        self.destructionDueAt = destructionDueAt
        self.subjectCount = subjectCount
        self.mediaTag = mediaTag
        self.destructionScheduledAt = destructionScheduledAt
        self.id = id
        self.store = store
        self.file = file
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.sealedKey = sealedKey
        self.shreddedAt = shreddedAt
        self.registeredAt = registeredAt
    }
}

/// Whether a backup is a copy made once or a continuously renewed one.
public enum BackupKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A copy of the store made at one time, kept until its expiry (`lethe backup register`).
    case snapshot
    /// A declared residue of the store (data-map `residue:`): it never expires as a whole; data
    /// erased at time T lingers in it until T plus its retention (a replica: until it replays).
    case rolling
}

/// What a rolling backup was declared as in its store's data map.
public struct RollingResidue: Sendable, Hashable {
    /// The entry's name, unique within the store.
    public var name: String
    /// What it is.
    public var kind: ResidueKind
    /// How long its oldest content is kept (nil for a replica).
    public var retention: ISODuration?
    /// When the entry was removed from the data map (nil while it is declared). Its history stays;
    /// no new erasure request plans a part for it.
    public var undeclaredAt: Date?

    /// Creates the description of a rolling backup.
    public init(name: String, kind: ResidueKind, retention: ISODuration?, undeclaredAt: Date? = nil) {
        self.name = name
        self.kind = kind
        self.retention = retention
        self.undeclaredAt = undeclaredAt
    }
}

extension EventType {
    /// A declared residue's rolling backup changed (its location, retention, media or kind) or was
    /// removed from the data map.
    public static let backupDeclarationChanged: EventType = "backup.declaration-changed"
    /// A data store was registered or its declaration changed.
    public static let storeApplied: EventType = "store.applied"
    /// Holdings were recorded (import or scan).
    public static let holdingsRecorded: EventType = "holdings.recorded"
    /// An erasure request was filed.
    public static let erasureRequested: EventType = "erasure.requested"
    /// A part of an erasure request changed state.
    public static let erasurePartChanged: EventType = "erasure.part-changed"
    /// An erasure request's parts are all done.
    public static let erasureCompleted: EventType = "erasure.completed"
    /// Completed erasures were re-applied to a restored store.
    public static let erasureReapplied: EventType = "erasure.reapplied"
    /// An erasure was verified again.
    public static let erasureVerified: EventType = "erasure.verified"
    /// A backup was registered.
    public static let backupRegistered: EventType = "backup.registered"
    /// A backup was encrypted under its own key.
    public static let backupEncrypted: EventType = "backup.encrypted"
    /// A backup's key was destroyed.
    public static let backupShredded: EventType = "backup.shredded"
    /// A backup's retention ended and its destruction was scheduled.
    public static let backupDestructionScheduled: EventType = "backup.destruction-scheduled"
}
