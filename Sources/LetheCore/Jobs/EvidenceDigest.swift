import Foundation

/// What an evidence file supports.
public enum EvidencePurpose: String, LetheVocabulary {
    /// The work itself: a tool's log, a vendor's certificate of destruction.
    case execution
    /// The check of the work: a read-back report, an inspector's photo or signed form.
    case verification
    public static let fieldName = "evidence purpose"
}

/// The SHA-256 digest of an evidence file kept for a job; the file itself stays where it is.
public struct EvidenceDigest: Sendable, Hashable {
    /// The job the file belongs to.
    public var jobID: Int64
    /// What it supports.
    public var purpose: EvidencePurpose
    /// The file's name (its last path component) when it was recorded.
    public var fileName: String
    /// The SHA-256 of its bytes, lowercase hex.
    public var sha256: String
    /// Its size.
    public var sizeBytes: Int64
    /// When it was recorded.
    public var recordedAt: Date

    /// Creates a digest record.
    public init(
        jobID: Int64, purpose: EvidencePurpose, fileName: String, sha256: String, sizeBytes: Int64,
        recordedAt: Date
    ) {
        self.jobID = jobID
        self.purpose = purpose
        self.fileName = fileName
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.recordedAt = recordedAt
    }

    /// The digest as JSON.
    public var json: JSONValue {
        [
            "purpose": .string(purpose.rawValue), "file": .string(fileName), "sha256": .string(sha256),
            "size_bytes": .integer(sizeBytes), "recorded_at": .string(RFC3339.format(recordedAt)),
        ]
    }
}
