import Foundation
import LetheCore

/// A signed checkpoint as stored: the tree size and root it commits to, and the signed note.
public struct StoredCheckpoint: Sendable, Hashable {
    /// How many entries the checkpoint covers.
    public var size: Int64
    /// The root hash of those entries.
    public var root: [UInt8]
    /// The C2SP signed note, verbatim.
    public var note: String
    /// When it was signed.
    public var signedAt: Date

    /// Creates a stored checkpoint.
    public init(size: Int64, root: [UInt8], note: String, signedAt: Date) {
        self.size = size
        self.root = root
        self.note = note
        self.signedAt = signedAt
    }
}

/// One entry of the log as stored, for a full verification: its row number, its bytes and the
/// leaf hash written with it (nil for rows written before the log kept leaf hashes).
public struct StoredLogEntry: Sendable, Hashable {
    /// The event's sequence number (log index + 1) as the row says.
    public var seq: Int64
    /// The stored body: the entry's bytes.
    public var body: [UInt8]
    /// The leaf hash stored with it.
    public var leafHash: [UInt8]?

    /// Creates an entry.
    public init(seq: Int64, body: [UInt8], leafHash: [UInt8]?) {
        self.seq = seq
        self.body = body
        self.leafHash = leafHash
    }
}

/// A signed record's columns without its bytes (a report's can be tens of megabytes), with its
/// revocation if it was revoked: a row of a list of records.
public struct RecordListing: Sendable, Hashable {
    /// The serial number.
    public var serial: String
    /// What kind of record (`disposal`, `erasure`, `report`).
    public var kind: String
    /// The job it records, for a disposal record.
    public var jobID: Int64?
    /// The asset it is about, when there is one.
    public var assetTag: String?
    /// When it was issued.
    public var issuedAt: Date
    /// The sequence number of the event that entered it in the log.
    public var eventSeq: Int64
    /// Its revocation, when it was revoked.
    public var revocation: RecordRevocation?

    /// Creates a listing row.
    public init(
        serial: String, kind: String, jobID: Int64?, assetTag: String?, issuedAt: Date, eventSeq: Int64,
        revocation: RecordRevocation?
    ) {
        self.serial = serial
        self.kind = kind
        self.jobID = jobID
        self.assetTag = assetTag
        self.issuedAt = issuedAt
        self.eventSeq = eventSeq
        self.revocation = revocation
    }
}

/// A signed record (a disposal record, an erasure report) as stored: the exact signed bytes and
/// their detached CMS signature, never re-encoded.
public struct StoredRecord: Sendable, Hashable {
    /// The serial number (`ORG-2026-000001`).
    public var serial: String
    /// What kind of record (`disposal`, `erasure`).
    public var kind: String
    /// The job it certifies, if any.
    public var jobID: Int64?
    /// The asset it is about, if any.
    public var assetTag: String?
    /// When it was issued.
    public var issuedAt: Date
    /// The canonical JSON that was signed (empty when ``splicedBody`` holds it).
    public var body: [UInt8]
    /// The canonical JSON that was signed, when it is too large to hold in memory (a year's
    /// report on its way into the store, written there piece by piece; or read back with
    /// ``EvidenceStoreReading/record(serial:spoolingBodyOver:in:)``, copied to a file without a
    /// name): ``body`` is then empty.
    public var splicedBody: SplicedBytes?
    /// The detached CMS SignedData (DER).
    public var signature: [UInt8]
    /// The issuance event's sequence number (log index + 1).
    public var eventSeq: Int64

    /// Creates a stored record; its canonical JSON is `body`, or `splicedBody` when given
    /// (`body` must then be empty).
    public init(
        serial: String, kind: String, jobID: Int64?, assetTag: String?, issuedAt: Date, body: [UInt8],
        splicedBody: SplicedBytes? = nil, signature: [UInt8], eventSeq: Int64
    ) {
        precondition(splicedBody == nil || body.isEmpty, "a record's body is in memory or spliced, not both")
        self.splicedBody = splicedBody
        self.serial = serial
        self.kind = kind
        self.jobID = jobID
        self.assetTag = assetTag
        self.issuedAt = issuedAt
        self.body = body
        self.signature = signature
        self.eventSeq = eventSeq
    }
}

/// The revocation of a record, recorded by an event.
public struct RecordRevocation: Sendable, Hashable {
    /// The revoked record's serial.
    public var serial: String
    /// Why it was revoked.
    public var reason: String
    /// When.
    public var revokedAt: Date
    /// The revocation event's sequence number.
    public var eventSeq: Int64

    /// Creates a revocation.
    public init(serial: String, reason: String, revokedAt: Date, eventSeq: Int64) {
        self.serial = serial
        self.reason = reason
        self.revokedAt = revokedAt
        self.eventSeq = eventSeq
    }
}

/// Reads of the evidence log and signed records, inside one snapshot.
public protocol EvidenceStoreReading: LogTreeReading {
    /// Stored log entries from log index `from` (0-based), at most `limit`, in row order.
    func logEntries(from index: Int64, limit: Int) throws(LetheError) -> [StoredLogEntry]
    /// The events of one type about one asset, in log order (one indexed query).
    func events(assetTag: String, type: EventType) throws(LetheError) -> [Event]
    /// Copies every stored entry from log index `from` into batches, in row order: fills `batch`
    /// (emptied first), hands it to `handOff` when it is full and at the end when it holds
    /// entries, and goes on filling the batch `handOff` returns; stops early when it returns nil.
    func readLogEntries(
        from index: Int64, into batch: LogEntryBatch,
        handOff: (LogEntryBatch) throws(LetheError) -> LogEntryBatch?
    ) throws(LetheError)
    /// Every stored subtree hash of one level in index order, concatenated (32 bytes each; one
    /// sequential read), up to the first one that is not 32 bytes long (which no hash matches).
    func storedLogNodeHashes(level: Int) throws(LetheError) -> [UInt8]
    /// The bytes of log entry `index` (0-based), or nil.
    func logEntry(index: Int64) throws(LetheError) -> [UInt8]?
    /// Every stored checkpoint, smallest first.
    func checkpoints() throws(LetheError) -> [StoredCheckpoint]
    /// The largest stored checkpoint, if any.
    func latestCheckpoint() throws(LetheError) -> StoredCheckpoint?
    /// The record with this serial, or nil.
    func record(serial: String) throws(LetheError) -> StoredRecord?
    /// The record with this serial, or nil; its body, when larger than `threshold` bytes, copied
    /// a piece at a time into a file without a name in `directory` (``StoredRecord/splicedBody``,
    /// checked against the SHA-256 taken as it was copied) rather than read into memory: a year's
    /// report is hundreds of megabytes.
    func record(
        serial: String, spoolingBodyOver threshold: Int, in directory: String
    ) throws(LetheError)
        -> StoredRecord?
    /// Calls `body` with the signed bytes of record `serial` in order, a megabyte at a time, read
    /// straight from the store (a listing hashes and reads a year's report without holding its
    /// hundreds of megabytes); false when there is no such record.
    func forEachRecordBodyPiece(
        serial: String, _ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void
    ) throws(LetheError) -> Bool
    /// Records, newest first; only of `kind` when given, only for `jobID` when given.
    func records(kind: String?, jobID: Int64?, limit: Int?) throws(LetheError) -> [StoredRecord]
    /// What a list of records shows, newest first, without their signed bytes and with their
    /// revocations, in one query: only of `kind`, of `jobID`, and whose serial or asset tag contains
    /// `text` (ASCII case ignored; `%`, `_` and a backslash match only themselves), when given.
    func recordListings(
        kind: String?, jobID: Int64?, text: String?, limit: Int?
    ) throws(LetheError)
        -> [RecordListing]
    /// What a list of records shows of record `serial`, or nil when there is none.
    func recordListing(serial: String) throws(LetheError) -> RecordListing?
    /// The serials of the records of `kind` whose top-level integer `field` equals `value`
    /// (an erasure record's `request`), newest first.
    func recordSerials(kind: String, field: String, equals value: Int64) throws(LetheError) -> [String]
    /// The jobs that have a record of `kind` that is not revoked (one query).
    func jobsWithValidRecords(kind: String) throws(LetheError) -> Set<Int64>
    /// The revocation of a record, if it was revoked.
    func revocation(serial: String) throws(LetheError) -> RecordRevocation?
    /// How many records have a serial starting with `prefix`.
    func countRecords(serialPrefix prefix: String) throws(LetheError) -> Int
    /// The size in bytes of record `serial`'s signed bytes, without reading them; nil when
    /// there is no such record.
    func recordSize(serial: String) throws(LetheError) -> Int?
}

/// Writes of the evidence log and signed records, inside one transaction.
public protocol EvidenceStoreWriting: EvidenceStoreReading {
    /// Stores a signed checkpoint; a second one of the same size is a `conflict`.
    func insert(_ checkpoint: StoredCheckpoint) throws(LetheError)
    /// Stores a signed record; its serial must be new.
    func insert(_ record: StoredRecord) throws(LetheError)
    /// Stores a revocation; a record is revoked at most once.
    func insert(_ revocation: RecordRevocation) throws(LetheError)
}
