import Foundation

/// Where a backup stands on its way to destruction at a given time: one computation for
/// `lethe backup list`, the erasure report and anything else that says whether a backup's data
/// is gone.
public enum BackupDestructionState: String, Sendable, Hashable, CaseIterable {
    /// Destroyed: its key shredded, its medium's sanitization verified, or its destruction attested.
    case shredded
    /// Its destruction was scheduled and its due date has passed, and it is not destroyed.
    case destructionOverdue = "destruction-overdue"
    /// Its destruction is scheduled (its retention ended) and not yet due.
    case destructionDue = "destruction-due"
    /// Under retention, encrypted under a key Lethe holds.
    case encrypted
    /// Under retention, not encrypted by Lethe.
    case plain

    /// Whether the backup's data is gone: only a recorded destruction says so.
    public var isDestroyed: Bool { self == .shredded }
}

extension BackupRecord {
    /// The backup's destruction state at `time` (the caller's clock).
    public func destructionState(at time: Date) -> BackupDestructionState {
        if shreddedAt != nil { return .shredded }
        if let due = destructionDueAt, due < time { return .destructionOverdue }
        if destructionScheduledAt != nil { return .destructionDue }
        return sealedKey != nil ? .encrypted : .plain
    }
}
