import Foundation
import LetheCore
import LetheSanitize

// The typed results of the erasure and backup use cases. Each encodes exactly the JSON `--json`
// has always printed (keys, RFC 3339 dates, optional keys omitted when absent); the CLI's text is
// rendered from the same values, and so will the HTTP API's and the console's be.

/// What `store apply` did to one store.
public enum StoreChange: String, Sendable, Hashable, Codable, CaseIterable {
    /// The store was not registered before.
    case added
    /// Its declaration changed.
    case changed
    /// Its declaration is the one registered: nothing was recorded.
    case unchanged
}

/// What `store apply` did to one store.
public struct StoreApplyChange: Sendable, Hashable, Codable {
    /// The store's name.
    public var name: String
    /// What happened to it.
    public var change: StoreChange
    /// What happened to the rolling backups of its declared residue (none when it declares none
    /// and had none).
    public var residue: [ResidueApplyChange] = []

    /// A store's change, with its residue's.
    init(name: String, change: StoreChange, residue: [ResidueApplyChange] = []) {
        self.name = name
        self.change = change
        self.residue = residue
    }

    /// Encodes `residue` only when there is any (the shape of a store without residue is unchanged).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(change, forKey: .change)
        if !residue.isEmpty { try container.encode(residue, forKey: .residue) }
    }

    /// Decodes a change; `residue` defaults to none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        change = try container.decode(StoreChange.self, forKey: .change)
        residue = try container.decodeIfPresent([ResidueApplyChange].self, forKey: .residue) ?? []
    }

    private enum CodingKeys: String, CodingKey { case name, change, residue }
}

/// What `store apply` did to the rolling backup of one declared residue entry.
public struct ResidueApplyChange: Sendable, Hashable, Codable {
    /// The entry's name.
    public var name: String
    /// The rolling backup's number.
    public var backup: Int64
    /// What happened to it.
    public var change: ResidueChange
}

/// What `store apply` did to a rolling backup.
public enum ResidueChange: String, Sendable, Hashable, Codable, CaseIterable {
    /// The entry is new: its rolling backup was registered.
    case added
    /// Its location, kind, retention or media changed (or it was declared again after removal).
    case changed
    /// As registered: nothing was recorded.
    case unchanged
    /// The entry is no longer in the data map: the backup is marked no longer declared, its history kept.
    case undeclared
}

/// What `store apply` did: one entry per store the data map declares.
public struct StoreApplyResult: Sendable, Hashable, Codable {
    /// The stores, in the data map's order.
    public var stores: [StoreApplyChange]
}

/// Every registered store (`store list`).
public struct StoreListResult: Sendable, Encodable {
    /// The stores, by name.
    public var stores: [StoreSummary]
}

extension StoreSummary: Encodable {
    /// The declaration without secrets, with `subjects_held` and `applied_at`.
    public var view: JSONValue {
        var object = json.objectValue ?? [:]
        object["subjects_held"] = .integer(Int64(holdings))
        object["applied_at"] = .string(RFC3339.format(appliedAt))
        return .object(object)
    }

    /// Encodes ``view``.
    public func encode(to encoder: any Encoder) throws { try view.encode(to: encoder) }
}

/// What `store scan` recorded.
public struct StoreScanResult: Sendable, Hashable, Codable {
    /// The store.
    public var store: String
    /// Non-null identities read.
    public var identitiesRead: Int
    /// Holdings that were new.
    public var added: Int

    enum CodingKeys: String, CodingKey {
        case store, added
        case identitiesRead = "identities_read"
    }
}

/// What `holding import` recorded.
public struct HoldingsImportResult: Sendable, Hashable, Codable {
    /// Rows read.
    public var rows: Int
    /// Holdings that were new.
    public var added: Int
    /// Per store, holdings that were new.
    public var byStore: [String: Int]

    enum CodingKeys: String, CodingKey {
        case rows, added
        case byStore = "by_store"
    }
}

/// JSON views of erasure requests and parts, as `--json` prints them.
enum ErasureJSON {
    static func request(_ request: ErasureRequest) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "id": .integer(request.id), "subject": .string(request.subject), "reason": .string(request.reason.rawValue),
            "state": .string(request.state.rawValue), "due_at": .string(RFC3339.format(request.dueAt)),
            "requested_by": .string(request.requestedBy), "created_at": .string(RFC3339.format(request.createdAt)),
            "policy_version": .string(request.policyVersion),
        ]
        object["completed_at"] = request.completedAt.map { .string(RFC3339.format($0)) }
        return object
    }

    static func part(_ part: ErasurePart) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "id": .integer(part.id), "store": .string(part.store), "action": .string(part.action.rawValue),
            "state": .string(part.state.rawValue), "outcome": part.outcome,
            "updated_at": .string(RFC3339.format(part.updatedAt)),
        ]
        object["backup"] = part.backupID.map(JSONValue.integer)
        object["asset"] = part.assetTag.map(JSONValue.string)
        object["job"] = part.jobID.map(JSONValue.integer)
        object["final_at"] = part.finalAt.map { .string(RFC3339.format($0)) }
        object["verified_at"] = part.verifiedAt.map { .string(RFC3339.format($0)) }
        return object
    }
}

extension ErasureDetails: Encodable {
    /// The request's fields with its `parts`.
    public func encode(to encoder: any Encoder) throws {
        var object = ErasureJSON.request(request)
        object["parts"] = .array(parts.map { .object(ErasureJSON.part($0)) })
        try JSONValue.object(object).encode(to: encoder)
    }
}

/// One erasure part (what `erasure attest` returns).
public struct ErasurePartResult: Sendable, Hashable, Encodable {
    /// The part.
    public var part: ErasurePart

    /// The part's fields.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(ErasureJSON.part(part)).encode(to: encoder)
    }
}

extension ErasureRunOutcome: Encodable {
    /// The part's fields, with `error` when it failed.
    public func encode(to encoder: any Encoder) throws {
        var object = ErasureJSON.part(part)
        object["error"] = error.map(JSONValue.string)
        try JSONValue.object(object).encode(to: encoder)
    }
}

/// What `erasure run` did: each database part it ran, and the request's state afterwards.
public struct ErasureRunResult: Sendable, Hashable, Encodable {
    /// The request.
    public var request: Int64
    /// Its state after the run (`open` or `completed`).
    public var requestState: ErasureRequestState
    /// The parts run, by number.
    public var parts: [ErasureRunOutcome]
    /// Whether any part is not done after the run.
    public var failed: Bool { parts.contains { $0.part.state != .done } }

    /// `{"parts": [...]}`, as `--json` has always printed.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(parts, forKey: .parts)
    }

    enum CodingKeys: String, CodingKey { case parts }
}

/// Erasure requests by due date (`erasure list`).
public struct ErasureListResult: Sendable, Hashable, Encodable {
    /// The requests.
    public var requests: [ErasureRequest]

    /// `{"requests": [...]}`.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(["requests": .array(requests.map { .object(ErasureJSON.request($0)) })]).encode(
            to: encoder)
    }
}

extension ReapplyOutcome: Encodable {
    /// `store`, `subjects`, `subject_rows_found`, `tables`, `compacted`, `cleared`.
    public func encode(to encoder: any Encoder) throws {
        let object: JSONValue = [
            "store": .string(store), "subjects": .integer(Int64(subjects)),
            "subject_rows_found": .integer(Int64(subjectRowsFound)),
            "tables": .array(
                tables.map { ["table": .string($0.table), "rows_affected": .integer(Int64($0.rowsAffected))] }),
            "compacted": .bool(compacted), "cleared": .integer(Int64(cleared)),
        ]
        try object.encode(to: encoder)
    }
}

extension FileResidueScan: Encodable {
    /// Counts, files and the first 100 matches by offset and identifier line: never an identifier.
    public func encode(to encoder: any Encoder) throws {
        let object: JSONValue = [
            "identifiers": .integer(Int64(identifiers)),
            "files": .array(report.files.map { ["file": .string($0.path), "bytes": .integer($0.bytes)] }),
            "matches": .integer(Int64(report.totalMatches)),
            "first_matches": .array(
                report.matches.prefix(100).map {
                    [
                        "file": .string($0.file), "offset": .integer($0.offset),
                        "identifier_line": .integer(Int64($0.patternIndex + 1)),
                        "encoding": .string($0.encoding.rawValue),
                    ]
                }),
            "seconds": .string(String(format: "%.3f", seconds)),
        ]
        try object.encode(to: encoder)
    }
}

extension ErasureReport: Encodable {
    /// The report's body.
    public func encode(to encoder: any Encoder) throws { try body.encode(to: encoder) }
}

/// A backup with its destruction state at the application's clock.
public struct BackupResult: Sendable, Hashable, Encodable {
    /// The backup.
    public var backup: BackupRecord
    /// Its state when the use case ran (computed once, with the injected clock).
    public var state: BackupDestructionState

    /// The backup at `time`.
    init(_ backup: BackupRecord, at time: Date) {
        self.backup = backup
        state = backup.destructionState(at: time)
    }

    /// The backup's fields (never its sealed key).
    public func encode(to encoder: any Encoder) throws {
        var object: [String: JSONValue] = [
            "id": .integer(backup.id), "store": .string(backup.store), "file": .string(backup.file),
            "created_at": .string(RFC3339.format(backup.createdAt)), "state": .string(state.rawValue),
            "subjects": .integer(Int64(backup.subjectCount)),
        ]
        object["expires_at"] = backup.expiresAt.map { .string(RFC3339.format($0)) }
        object["shredded_at"] = backup.shreddedAt.map { .string(RFC3339.format($0)) }
        object["destruction_scheduled_at"] = backup.destructionScheduledAt.map { .string(RFC3339.format($0)) }
        object["destruction_due_at"] = backup.destructionDueAt.map { .string(RFC3339.format($0)) }
        object["media"] = backup.mediaTag.map(JSONValue.string)
        object["kind"] = .string(backup.kind.rawValue)
        if let residue = backup.residue {
            // A declared residue: its location is the backup's file.
            object["residue"] = .string(residue.kind.rawValue)
            object["name"] = .string(residue.name)
            object["location"] = .string(backup.file)
            object["retention"] = residue.retention.map { .string($0.description) }
            object["declared"] = .bool(residue.undeclaredAt == nil)
            object["undeclared_at"] = residue.undeclaredAt.map { .string(RFC3339.format($0)) }
        }
        try JSONValue.object(object).encode(to: encoder)
    }
}

/// The backups (`backup list`).
public struct BackupListResult: Sendable, Hashable, Encodable {
    /// The backups, by number.
    public var backups: [BackupResult]
}

/// What `backup decrypt` wrote.
public struct BackupDecrypted: Sendable, Hashable, Codable {
    /// The backup.
    public var backup: Int64
    /// The plaintext file written.
    public var output: String
    /// Its size.
    public var bytes: Int64
}

/// An evidence file handed to an attestation as bytes: its name (for the record) and content
/// (only its SHA-256 and size are kept).
public struct AttestationEvidence: Sendable, Hashable {
    /// The file's name as the user knows it (no directory is recorded).
    public var name: String
    /// Its content.
    public var bytes: Data

    /// Evidence named `name` (its last path component is kept).
    public init(name: String, bytes: Data) {
        self.name = (name as NSString).lastPathComponent
        self.bytes = bytes
    }
}

/// Holdings CSV handed to ``ErasureService/importHoldings(csv:fileName:by:)`` as a stream the use
/// case reads once, on its own thread, so memory stays flat however large the file: bytes in
/// memory (an upload), or a stream a front end opens (the CLI's file).
public struct HoldingsSource: Sendable {
    let open: @Sendable () -> InputStream?

    /// A source that opens its stream when the import reads it (nil: it cannot be read).
    public init(_ open: @escaping @Sendable () -> InputStream?) { self.open = open }

    /// Bytes already in memory.
    public static func bytes(_ data: Data) -> HoldingsSource { HoldingsSource { InputStream(data: data) } }
}
