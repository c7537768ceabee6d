import Foundation

/// One sanitization rule: for its media types and classifications, the method category, the
/// techniques allowed, how the result is verified, who must approve and how long it may take.
public struct SanitizationRule: Sendable, Hashable {
    /// The media types the rule covers.
    public var mediaTypes: [MediaType]
    /// The classifications the rule covers.
    public var classifications: [Classification]
    /// The NIST SP 800-88 category required.
    public var method: MethodCategory
    /// The techniques allowed; each reaches at least ``method``.
    public var techniques: [Technique]
    /// How the result is verified.
    public var verification: VerificationRequirement
    /// Whether a second person must approve the job before work starts.
    public var secondPerson: Bool
    /// Whether whoever verifies must differ from whoever executed (and the approver from the requester).
    public var separationOfDuties: Bool
    /// How long after retirement the medium must be sanitized.
    public var deadline: ISODuration
    /// Whether the signed disposal record is issued automatically when a job is verified.
    public var issueRecord: Bool
    /// Where the rule was written, for messages (`default.yaml:12:5`).
    public var source: String

    /// Creates a rule.
    public init(
        mediaTypes: [MediaType], classifications: [Classification], method: MethodCategory,
        techniques: [Technique], verification: VerificationRequirement, secondPerson: Bool = false,
        separationOfDuties: Bool = true, deadline: ISODuration, issueRecord: Bool = false, source: String = ""
    ) {
        self.mediaTypes = mediaTypes
        self.classifications = classifications
        self.method = method
        self.techniques = techniques
        self.verification = verification
        self.secondPerson = secondPerson
        self.separationOfDuties = separationOfDuties
        self.deadline = deadline
        self.issueRecord = issueRecord
        self.source = source
    }

    /// The rule as JSON, without its source position (which does not change its meaning).
    /// `issue_record` appears only when true, so the versions of policies without it are unchanged.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "media": .array(mediaTypes.map { .string($0.rawValue) }),
            "classification": .array(classifications.map { .string($0.rawValue) }),
            "method": .string(method.rawValue),
            "techniques": .array(techniques.map { .string($0.rawValue) }),
            "verification": verification.json,
            "second_person": .bool(secondPerson),
            "separation_of_duties": .bool(separationOfDuties),
            "deadline": .string(deadline.description),
        ]
        if issueRecord { object["issue_record"] = .bool(true) }
        return .object(object)
    }
}

/// What starts a retention period.
public enum RetentionTrigger: String, LetheVocabulary {
    case collected
    case lastActivity = "last-activity"
    case accountClosed = "account-closed"
    case backupCreated = "backup-created"
    public static let fieldName = "trigger"
}

/// How long data of one category is kept, counted from a trigger.
public struct RetentionRule: Sendable, Hashable {
    /// The data category (`user.contact.email`), from ``DataCategory/taxonomy``.
    public var category: String
    /// How long the data is kept.
    public var period: ISODuration
    /// What starts the period.
    public var trigger: RetentionTrigger

    /// Creates a rule.
    public init(category: String, period: ISODuration, trigger: RetentionTrigger) {
        self.category = category
        self.period = period
        self.trigger = trigger
    }

    /// The rule as JSON.
    public var json: JSONValue {
        ["category": .string(category), "period": .string(period.description), "trigger": .string(trigger.rawValue)]
    }
}

/// A complete, validated set of policies.
public struct PolicySet: Sendable, Hashable {
    /// The sanitization rules, in file order.
    public var sanitization: [SanitizationRule]
    /// The retention rules, in file order.
    public var retention: [RetentionRule]
    /// How long an erasure request may take (GDPR Art. 12(3): one month).
    public var erasureSLA: ISODuration
    /// How often erased data is checked again (PCI DSS 4.0 req. 3.2.1: every three months).
    public var reverificationInterval: ISODuration
    /// What an erasure request does about each backup holding the subject (`backup_erasure`).
    public var backupErasure: BackupErasure
    /// How long after its expiry an expired backup must be destroyed (`backup_destruction_deadline`).
    public var backupDestructionDeadline: ISODuration

    /// The default erasure SLA, `P30D`.
    public static let defaultErasureSLA = ISODuration(days: 30)
    /// The default re-verification interval, `P90D`.
    public static let defaultReverificationInterval = ISODuration(days: 90)
    /// The default deadline for destroying an expired backup, `P7D` after its expiry.
    public static let defaultBackupDestructionDeadline = ISODuration(days: 7)

    /// Creates a policy set.
    public init(
        sanitization: [SanitizationRule], retention: [RetentionRule] = [],
        erasureSLA: ISODuration = PolicySet.defaultErasureSLA,
        reverificationInterval: ISODuration = PolicySet.defaultReverificationInterval,
        backupErasure: BackupErasure = .suppress,
        backupDestructionDeadline: ISODuration = PolicySet.defaultBackupDestructionDeadline
    ) {
        self.backupErasure = backupErasure
        self.backupDestructionDeadline = backupDestructionDeadline
        self.sanitization = sanitization
        self.retention = retention
        self.erasureSLA = erasureSLA
        self.reverificationInterval = reverificationInterval
    }

    /// The parsed model as JSON; its canonical bytes define the policy version.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "sanitization": .array(sanitization.map(\.json)),
            "retention": .array(retention.map(\.json)),
            "erasure_sla": .string(erasureSLA.description),
            "reverification_interval": .string(reverificationInterval.description),
        ]
        // Only when it differs from the default: policy sets written before the key existed (or
        // that spell out the default) keep the version they had.
        if backupErasure != .suppress { object["backup_erasure"] = .string(backupErasure.rawValue) }
        if backupDestructionDeadline != Self.defaultBackupDestructionDeadline {
            object["backup_destruction_deadline"] = .string(backupDestructionDeadline.description)
        }
        return .object(object)
    }

    /// The canonical JSON whose SHA-256 is the policy version.
    public func canonicalBytes() throws(LetheError) -> [UInt8] { try CanonicalJSON.encode(json) }

    /// The rule for a media type and classification; the validator guarantees exactly one.
    public func rule(for mediaType: MediaType, _ classification: Classification) -> SanitizationRule? {
        sanitization.first { $0.mediaTypes.contains(mediaType) && $0.classifications.contains(classification) }
    }
}

/// What an erasure request does about a backup that holds the subject (policy key `backup_erasure`).
public enum BackupErasure: String, Sendable, Hashable, CaseIterable {
    /// Keep the backup and suppress the subject (erase it again after any restore) until the
    /// backup expires: the backup's part is done at once. The default.
    case suppress
    /// Suppress as above, and destroy the backup: its part stays pending until the backup is
    /// crypto-shredded (`lethe backup shred ID`) or its destruction attested.
    case shred
}
