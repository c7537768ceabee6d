import Foundation
import LetheCore

/// How an expired backup gets destroyed, decided once from its facts: every front end renders its
/// own words from it.
public enum BackupDestructionMethod: String, Codable, Sendable, Hashable {
    /// Lethe holds its key: destroying the key destroys the backup (`backup shred`).
    case cryptoErase = "crypto-erase"
    /// It lives on a registered medium, destroyed through that asset's disposal job.
    case medium
    /// Neither: its medium must be registered and sanitized, or its destruction attested.
    case attestation

    /// The method for `backup`.
    public init(_ backup: BackupRecord) {
        if backup.sealedKey != nil {
            self = .cryptoErase
        } else if backup.mediaTag != nil {
            self = .medium
        } else {
            self = .attestation
        }
    }

    /// What has to happen, in words that name no front end's commands.
    public func action(for backup: BackupRecord) -> String {
        switch self {
        case .cryptoErase: "crypto-erase it: destroy the key Lethe holds for backup \(backup.id)"
        case .medium: "sanitize its medium, asset \(backup.mediaTag ?? "?"), through that asset's disposal job"
        case .attestation:
            "sanitize its medium through a disposal job (register and retire it), or attest the backup's destruction"
        }
    }
}

/// `verify --due --json`: the run's findings under the keys it has always printed.
extension VerificationRunSummary: Encodable {
    private enum Keys: String, CodingKey {
        case verified, failed, errors, overdue
        case needsPerson = "needs_person"
        case overdueBackups = "overdue_backups"
        case erasuresVerified = "erasures_verified"
        case erasuresRefound = "erasures_refound"
        case erasureErrors = "erasure_errors"
        case needsAttention = "needs_attention"
    }

    private struct Outcome: Encodable {
        var job: Int64
        var verifier: String
        var summary: String
    }

    private struct Failure: Encodable {
        var job: Int64
        var verifier: String
        var summary: String
        var newJob: Int64?
        enum CodingKeys: String, CodingKey {
            case job, verifier, summary
            case newJob = "new_job"
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(job, forKey: .job)
            try container.encode(verifier, forKey: .verifier)
            try container.encode(summary, forKey: .summary)
            try container.encode(newJob, forKey: .newJob)  // null when none, as before
        }
    }

    private struct Error: Encodable {
        var job: Int64
        var message: String
    }

    private struct Waiting: Encodable {
        var job: Int64
        var asset: String
        var mode: String
    }

    private struct Late: Encodable {
        var job: Int64
        var asset: String
        var state: String
        var dueAt: String
        enum CodingKeys: String, CodingKey {
            case job, asset, state
            case dueAt = "due_at"
        }
    }

    private struct LateBackup: Encodable {
        var backup: Int64
        var store: String
        var expiredAt: String?
        var dueAt: String?
        var method: BackupDestructionMethod
        var action: String
        enum CodingKeys: String, CodingKey {
            case backup, store, method, action
            case expiredAt = "expired_at"
            case dueAt = "due_at"
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(backup, forKey: .backup)
            try container.encode(store, forKey: .store)
            try container.encode(expiredAt, forKey: .expiredAt)
            try container.encode(dueAt, forKey: .dueAt)
            try container.encode(method, forKey: .method)
            try container.encode(action, forKey: .action)
        }
    }

    private struct Refound: Encodable {
        var request: Int64
        var part: Int64
        var store: String
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(
            verified.map { Outcome(job: $0.job.id, verifier: $0.verifier, summary: $0.summary) }, forKey: .verified)
        try container.encode(
            failed.map { Failure(job: $0.job.id, verifier: $0.verifier, summary: $0.summary, newJob: $0.newJob?.id) },
            forKey: .failed)
        try container.encode(errors.map { Error(job: $0.job.id, message: $0.message) }, forKey: .errors)
        try container.encode(
            needsPerson.map { Waiting(job: $0.id, asset: $0.assetTag, mode: $0.plan.verification.mode.rawValue) },
            forKey: .needsPerson)
        try container.encode(
            overdue.map {
                Late(job: $0.id, asset: $0.assetTag, state: $0.state.rawValue, dueAt: RFC3339.format($0.plan.dueAt))
            }, forKey: .overdue)
        try container.encode(
            overdueBackups.map { backup in
                let method = BackupDestructionMethod(backup)
                return LateBackup(
                    backup: backup.id, store: backup.store, expiredAt: backup.expiresAt.map(RFC3339.format),
                    dueAt: backup.destructionDueAt.map(RFC3339.format), method: method,
                    action: method.action(for: backup))
            }, forKey: .overdueBackups)
        try container.encode(erasures.passed.count, forKey: .erasuresVerified)
        try container.encode(
            erasures.refound.map { Refound(request: $0.requestID, part: $0.id, store: $0.store) },
            forKey: .erasuresRefound)
        try container.encode(erasures.errors, forKey: .erasureErrors)
        try container.encode(needsAttention, forKey: .needsAttention)
    }
}
