/// Every use case a principal can ask for, by name. `Authorization` says which roles may run
/// each; the CLI, the HTTP API and the web console all ask it.
public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
    // Assets
    case registerAsset = "asset.register"
    case importAssets = "asset.import"
    case updateAsset = "asset.update"
    case moveAsset = "asset.move"
    case retireAsset = "asset.retire"
    case reportAssetLost = "asset.lost"
    case reportAssetFound = "asset.found"
    case disposeAsset = "asset.dispose"
    case readAssets = "asset.read"
    // Policies, scheduling, jobs
    case readPolicies = "policy.read"
    case schedule = "schedule.run"
    case readJobs = "job.read"
    case approveJob = "job.approve"
    case cancelJob = "job.cancel"
    case startJob = "job.start"
    case recordJob = "job.record"
    case attachEvidence = "job.evidence"
    case importNwipeLog = "job.nwipe"
    case sanitize = "sanitize.run"
    // Verification and records
    case attest = "verification.attest"
    case runVerification = "verification.run"
    case runDueVerifications = "verification.run-due"
    case issueRecord = "record.issue"
    case revokeRecord = "record.revoke"
    case readRecords = "record.read"
    case signCheckpoint = "log.checkpoint"
    case readLog = "log.read"
    case readKeys = "keys.read"
    case manageKeys = "keys.manage"
    // Data map, erasure, backups
    case applyDataMap = "store.apply"
    case scanStore = "store.scan"
    case readStores = "store.read"
    case importHoldings = "holding.import"
    case requestErasure = "erasure.request"
    case runErasure = "erasure.run"
    case attestErasure = "erasure.attest"
    case reapplyErasures = "erasure.reapply"
    case scanForResidue = "erasure.scan-file"
    case readErasures = "erasure.read"
    case registerBackup = "backup.register"
    case encryptBackup = "backup.encrypt"
    case decryptBackup = "backup.decrypt"
    case shredBackup = "backup.shred"
    case attestBackupDestroyed = "backup.attest"
    case readBackups = "backup.read"
    // Reports
    case generateReport = "report.generate"
    case readReports = "report.read"
    // The installation
    case readStatus = "status.read"
    case manageUsers = "user.manage"
    case manageTokens = "token.manage"
    case manageSettings = "settings.manage"
    case manageWebhooks = "webhook.manage"

    /// Whether the action only reads (an auditor's, and every role's).
    public var isRead: Bool { Authorization.reads.contains(self) }
}
