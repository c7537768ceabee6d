import Crypto
import Foundation
import LetheCore
import LetheEvidence
import LetheStore

extension EventType {
    /// A signed record (a disposal record, an erasure report) was issued; the payload holds its
    /// serial and the SHA-256 of its bytes and signature.
    public static let recordIssued: EventType = "record.issued"
    /// A signed record was revoked, with a reason.
    public static let recordRevoked: EventType = "record.revoked"
}

/// A record about to be issued: its kind and fields; issuance adds the serial, time, issuer and
/// log index, signs the canonical bytes and logs them.
public struct RecordDraft: Sendable {
    /// The kind (`disposal`, `erasure`): part of the record and of its issuance event.
    public var kind: String
    /// The job it certifies, if any.
    public var jobID: Int64?
    /// The asset it is about, if any.
    public var assetTag: String?
    /// The record's own fields (everything but `serial`, `issued_at`, `issuer`, `log_index`, `format`).
    public var fields: [String: JSONValue]
    /// Fields of the record given as their canonical JSON already (a report's content, hundreds
    /// of megabytes at a year's size): written into the record's bytes verbatim, where their keys
    /// sort, instead of being encoded again, and let go once written. The keys differ from those
    /// of ``fields``.
    public var encodedFields: [String: EncodedField]

    /// Creates a draft.
    public init(
        kind: String, jobID: Int64? = nil, assetTag: String? = nil, fields: [String: JSONValue],
        encodedFields: [String: EncodedField] = [:]
    ) {
        self.kind = kind
        self.jobID = jobID
        self.assetTag = assetTag
        self.fields = fields
        self.encodedFields = encodedFields
    }
}

/// Canonical JSON given to issuance to be copied into one record, then let go: a report's
/// content is hundreds of megabytes at a year's size, and holding it beside the record that
/// embeds it (and SQLite's copy of that) would add as much again to the memory issuance needs.
///
/// The bytes are in memory, or in the file they were spooled to as they were computed: then
/// the record is never held whole either, but hashed, signed and stored from that file.
public final class EncodedField: @unchecked Sendable {
    /// Where the bytes are.
    enum Bytes {
        case memory([UInt8])
        /// A spool file, the SHA-256 of its bytes as they were written to it (nil: unknown), and
        /// the record's digest begun as they were (nil: none).
        case file(SpoolFile, sha256: [UInt8]?, recordDigest: PrefixedDigest?)
    }

    // @unchecked: `bytes` is read and changed only under `lock`.
    private let lock = NSLock()
    private var bytes: Bytes?

    /// Holds `bytes` (canonical JSON) until issuance takes them.
    public init(_ bytes: [UInt8]) {
        self.bytes = .memory(bytes)
    }

    /// Holds the canonical JSON that `file` holds until issuance takes it; `sha256` is its
    /// digest as it was written, which issuance checks the file's bytes against, unless
    /// `recordDigest` (the record's digest, begun as the bytes were written) gives the record's
    /// digest without reading them: then every pass that stores or copies the record checks them.
    init(file: SpoolFile, sha256: [UInt8]?, recordDigest: PrefixedDigest? = nil) {
        self.bytes = .file(file, sha256: sha256, recordDigest: recordDigest)
    }

    /// Takes the bytes out: the field holds none after. A second take is refused, so no record
    /// is ever written without them.
    func take() throws(LetheError) -> Bytes {
        let taken = lock.withLock { () -> Bytes? in
            defer { bytes = nil }
            return bytes
        }
        guard let taken else {
            throw LetheError(.internal, "a record field given as canonical JSON was taken twice; nothing was issued")
        }
        return taken
    }
}

/// The SHA-256 of a record up to the end of a field given as canonical JSON in a file, begun
/// as the field's bytes were written: the record's digest is `state` with the bytes after the
/// field added, when the bytes before the field are `head` (a report's record starts with its
/// content: `{"content":`). Signing then does not read the file (hundreds of megabytes) for it.
///
/// `@unchecked`: `SHA256` is a value whose context is copied before it is changed, unless unique;
/// the spool that begins the digest changes it no more once it is handed on, so a copy read on
/// another thread is never read while it changes.
struct PrefixedDigest: @unchecked Sendable {
    /// The record's bytes before the field, hashed first.
    var head: [UInt8]
    /// The digest of `head` and the field's bytes, not finalised.
    var state: SHA256
}

/// A record as issuance reads it on the database's thread: what its event and row need, and a
/// function that builds its fields, called on a signing thread.
struct RecordSource: Sendable {
    var kind: String
    var jobID: Int64?
    var assetTag: String?
    var fields: @Sendable () throws(LetheError) -> [String: JSONValue]
    /// Fields given as canonical JSON already (``RecordDraft/encodedFields``).
    var encodedFields: [String: EncodedField] = [:]

    init(_ draft: RecordDraft) {
        kind = draft.kind
        jobID = draft.jobID
        assetTag = draft.assetTag
        let fields = draft.fields
        self.fields = { fields }
        encodedFields = draft.encodedFields
    }

    init(
        kind: String, jobID: Int64?, assetTag: String?,
        fields: @escaping @Sendable () throws(LetheError) -> [String: JSONValue]
    ) {
        self.kind = kind
        self.jobID = jobID
        self.assetTag = assetTag
        self.fields = fields
    }
}

/// A record's canonical bytes, its signature, and its `record.issued` event (which names the
/// SHA-256 of both).
struct SignedBody: Sendable {
    /// The canonical bytes, when held in memory.
    var body: [UInt8]
    /// The canonical bytes, when one of the record's fields was spooled to a file (`body` is then empty).
    var spliced: SplicedBytes? = nil
    var signature: [UInt8]
    var event: Event
}

/// What signing needs: the issuer identity, the log key, the organisation and serial prefix.
struct RecordIssuer: Sendable {
    var identity: IssuerIdentity
    var logKey: LogSigningKey
    var organization: String
    var serialPrefix: String
    /// The SHA-256 of the issuer certificate, computed once.
    var fingerprint: String
}

extension LetheApp {
    /// Loads (creating on first use) what issuing a record needs; call before opening the transaction.
    func recordIssuer() throws(LetheError) -> RecordIssuer {
        let organization = try organization()
        let prefix = settings[Settings.serialPrefix] ?? Self.serialPrefix(for: organization)
        guard !prefix.isEmpty, prefix.count <= 16,
            prefix.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) })
        else {
            throw LetheError(
                .usage,
                "serial prefix '\(prefix)' must be 1 to 16 capital letters or digits (\(Settings.serialPrefix.name))")
        }
        let identity = try issuerIdentity()
        return RecordIssuer(
            identity: identity, logKey: try logSigningKey(), organization: organization, serialPrefix: prefix,
            fingerprint: identity.certificateFingerprint)
    }

    /// `PREFIX-YEAR-`: the serials of records issued at `time` start with it.
    static func serialStem(_ issuer: RecordIssuer, _ time: Date) -> String {
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: time).year!
        return "\(issuer.serialPrefix)-\(year)-"
    }

    /// `Acme Data Services` → `ADS`; a one-word name → its first six letters, upper-cased.
    static func serialPrefix(for organization: String) -> String {
        let words = organization.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).filter { !$0.isEmpty }
        let letters = words.count > 1 ? String(words.compactMap(\.first)) : String(words.first?.prefix(6) ?? "LETHE")
        let cleaned = letters.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return cleaned.isEmpty ? "LETHE" : String(cleaned.prefix(16))
    }

    /// Issues a signed record inside a write transaction: the serial, the canonical bytes, the
    /// detached CMS signature, the `record.issued` event (a log entry), the stored record and a
    /// new checkpoint — all in `tx`, so a failure anywhere leaves none of them.
    ///
    /// This is the one issuance path; disposal records and other kinds (erasure reports) call it
    /// (or ``issueRecords(_:issuer:in:actor:at:)`` for several at once).
    ///
    /// - Parameter signed: told of the record once it is signed, with its `record.issued` event,
    ///   before either is stored (a report's record is copied to its reader meanwhile).
    static func issueRecord(
        _ draft: RecordDraft, issuer: RecordIssuer, in tx: any StoreWriting, actor: String, at time: Date,
        signed: ((StoredRecord, Event) throws(LetheError) -> Void)? = nil
    ) throws(LetheError) -> StoredRecord {
        try issueRecords([draft], issuer: issuer, in: tx, actor: actor, at: time, signed: signed)[0]
    }

    /// Issues several records in one transaction: serials and log indexes in order, the signatures
    /// computed on other threads, one `record.issued` event per record, one checkpoint at the end.
    static func issueRecords(
        _ drafts: [RecordDraft], issuer: RecordIssuer, in tx: any StoreWriting, actor: String, at time: Date,
        signed: ((StoredRecord, Event) throws(LetheError) -> Void)? = nil
    ) throws(LetheError) -> [StoredRecord] {
        // A report's content (an encoded field) is hundreds of megabytes at a year's size:
        // `CMS.sign` would hash it once more, which costs far more than the template's signature.
        try issueRecords(
            count: drafts.count, sources: { drafts[$0].map(RecordSource.init) }, issuer: issuer, in: tx, actor: actor,
            at: time, useTemplate: drafts.count > 2 || drafts.contains { !$0.encodedFields.isEmpty }, signed: signed)
    }

    /// Issues `count` records whose sources `sources(range)` gives, chunk by chunk (read from
    /// `tx` on this thread, in order), in one transaction with one checkpoint at the end.
    ///
    /// A pipeline over chunks of records: while other threads build, encode and sign chunk k,
    /// this thread reads the rows of chunk k + 1, hands it over, then writes chunk k's events and
    /// rows while chunk k + 1 is signed. Every record is still signed on its own, logged by its
    /// own event and stored verbatim, in order, in this one transaction.
    ///
    /// `useTemplate` (default: more than two records) signs from a template of `CMS.sign`'s
    /// output around each record's digest (``RecordSigner``) rather than by `CMS.sign` itself.
    /// `signed` is told of each record, with its event, before they are stored.
    static func issueRecords(
        count: Int, sources: (Range<Int>) throws(LetheError) -> [RecordSource], issuer: RecordIssuer,
        in tx: any StoreWriting, actor: String, at time: Date, chunkSize: Int = IssuanceChunk.size,
        useTemplate: Bool? = nil, signed: ((StoredRecord, Event) throws(LetheError) -> Void)? = nil
    ) throws(LetheError) -> [StoredRecord] {
        guard count > 0 else { return [] }
        try issuer.identity.checkValidity(at: time)
        let signer = try RecordSigner(identity: issuer.identity, at: time, useTemplate: useTemplate ?? (count > 2))
        let serialStem = Self.serialStem(issuer, time)
        let firstNumber = try tx.countRecords(serialPrefix: serialStem) + 1
        let firstIndex = try tx.eventCount()
        let issuerFields: JSONValue = [
            "organization": .string(issuer.organization),
            "certificate_sha256": .string(issuer.fingerprint),
            "log_origin": .string(issuer.logKey.name),
        ]
        let issuedAt = JSONValue.string(RFC3339.format(time))
        if count > IssuanceChunk.size { try tx.prepareBulkIssuance(records: count) }
        let signing = SigningQueue(signer: signer)
        var pending: [IssuanceChunk] = []
        var records: [StoredRecord] = []
        records.reserveCapacity(count)
        for chunkStart in stride(from: 0, to: count, by: max(1, chunkSize)) {
            // 1. The sources of this chunk and their serials; each record names the log index its
            // issuance event will take.
            let range = chunkStart..<min(count, chunkStart + max(1, chunkSize))
            var chunk = IssuanceChunk(start: chunkStart, sources: try sources(range))
            guard chunk.sources.count == range.count else {
                throw LetheError(.internal, "issuance read \(chunk.sources.count) records for \(range.count) jobs")
            }
            for offset in range {
                let number = String(firstNumber + offset)
                chunk.serials.append(serialStem + String(repeating: "0", count: max(0, 6 - number.count)) + number)
            }
            // 2. Fields, canonical bytes, signatures and digests on other threads (no database).
            chunk.signed = signing.submit(
                chunk, firstIndex: firstIndex, issuedAt: issuedAt, issuerFields: issuerFields, actor: actor, at: time)
            pending.append(chunk)
            // 3. The events and rows of the chunk before, in order.
            if pending.count > 1 {
                try writeChunk(pending.removeFirst(), firstIndex: firstIndex, in: tx, at: time, signed, &records)
            }
        }
        for chunk in pending {
            try writeChunk(chunk, firstIndex: firstIndex, in: tx, at: time, signed, &records)
        }
        _ = try signCheckpoint(in: tx, key: issuer.logKey, at: time)
        return records
    }

    /// Writes the `record.issued` events and the stored rows of a signed chunk, in order.
    private static func writeChunk(
        _ chunk: IssuanceChunk, firstIndex: Int64, in tx: any StoreWriting, at time: Date,
        _ signed: ((StoredRecord, Event) throws(LetheError) -> Void)?, _ records: inout [StoredRecord]
    ) throws(LetheError) {
        guard let future = chunk.signed else { return }
        let bodies = try future.wait()
        for (position, draft) in chunk.sources.enumerated() {
            let offset = chunk.start + position
            let event = bodies[position].event
            guard event.seq == firstIndex + Int64(offset) + 1 else {
                throw LetheError(
                    .internal, "the issuance event took log index \(event.seq - 1), not \(firstIndex + Int64(offset))")
            }
            let record = StoredRecord(
                serial: chunk.serials[position], kind: draft.kind, jobID: draft.jobID, assetTag: draft.assetTag,
                issuedAt: time, body: bodies[position].body, splicedBody: bodies[position].spliced,
                signature: bodies[position].signature, eventSeq: event.seq)
            try signed?(record, event)
            try tx.append(built: event)
            try tx.insert(record)
            records.append(record)
        }
    }

    /// One record and its revocation, if any, inside a transaction; its body copied to a file
    /// without a name in `spool`'s directory when larger than its threshold.
    static func recordDetails(
        serial: String, spooling spool: (threshold: Int, directory: String)? = nil, in tx: any StoreReading
    ) throws(LetheError) -> (record: StoredRecord, revocation: RecordRevocation?) {
        let found =
            if let spool {
                try tx.record(serial: serial, spoolingBodyOver: spool.threshold, in: spool.directory)
            } else {
                try tx.record(serial: serial)
            }
        guard let record = found else {
            throw LetheError(.notFound, "no record has serial \(serial); see 'lethe certificate list'")
        }
        return (record, try tx.revocation(serial: serial))
    }
}
