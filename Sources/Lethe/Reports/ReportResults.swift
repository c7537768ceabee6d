import Crypto
import Foundation
import LetheCore
import LetheEvidence
import LetheStore

/// A signed report: what it is, the log state it states (its ``ReportSummary``, whose fields it
/// answers as its own: `report.serial`), and its signed bytes.
@dynamicMemberLookup
public struct IssuedReport: Encodable, Sendable, Hashable {
    /// What the report states, as a listing shows it.
    public var summary: ReportSummary
    /// The signed record's canonical JSON (record.json): in memory, or spliced around a file
    /// without a name, never held whole — a report just issued from a content spooled to a file,
    /// or a large stored one copied from the store to a file to be shown.
    private var record: RecordBytes
    /// The detached CMS signature (record.p7s).
    public var signature: [UInt8]

    private enum RecordBytes: Sendable, Hashable {
        case memory([UInt8])
        case spliced(SplicedBytes)
    }

    /// A field of the summary.
    public subscript<Value>(dynamicMember field: KeyPath<ReportSummary, Value>) -> Value { summary[keyPath: field] }

    /// Encodes the summary (not the bytes).
    public func encode(to encoder: any Encoder) throws { try summary.encode(to: encoder) }

    /// The signed record's canonical JSON, verbatim (record.json), read whole from its spool
    /// file when it is there: a year's report is hundreds of megabytes, so a reader that only
    /// copies it somewhere uses ``writeRecord(to:name:)``.
    public func recordBytes() throws(LetheError) -> [UInt8] {
        switch record {
        case .memory(let bytes): bytes
        case .spliced(let spliced): try spliced.load()
        }
    }

    /// Writes record.json to `descriptor` (its name `name`, for errors), a piece at a time when
    /// it is spliced around its spool file.
    public func writeRecord(to descriptor: Int32, name: String) throws(LetheError) {
        switch record {
        case .memory(let bytes): try DescriptorIO.writeAll(bytes, to: descriptor, name: name)
        case .spliced(let spliced): try spliced.write(to: descriptor, name: name)
        }
    }

    /// Hands record.json to `sink` in order: a megabyte at a time when it is spliced around its
    /// spool file, checked as ``writeRecord(to:name:)`` checks it; else whole.
    ///
    /// The last piece is handed on only once the whole has the digest signed: a reader (an HTTP
    /// client told the length) never receives all of a record that failed its check.
    public func writeRecord(to sink: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) {
        switch record {
        case .memory(let bytes): try sink(bytes)
        case .spliced(let spliced): try spliced.handOn(to: sink)
        }
    }

    /// A reader of record.json that reads it once in order, then a range at a time, every read
    /// checked against the digest the summary states (``CheckedSplicedReader``): the one it was
    /// signed with, or for a stored report the one taken as it was copied from the store; nil
    /// when it is held in memory.
    func recordReader() throws(LetheError) -> CheckedSplicedReader? {
        guard case .spliced(let spliced) = record else { return nil }
        if spliced.sha256 != nil { return CheckedSplicedReader(spliced) }
        guard let digest = Hex.decode(summary.recordSHA256), digest.count == 32 else {
            throw LetheError(.internal, "report \(summary.serial) states no SHA-256 to check its record against")
        }
        return CheckedSplicedReader(spliced.checking(sha256: digest))
    }

    /// The record read once with the values `deferring` picks left unparsed (an array standing
    /// as `[]`, anything else as null), and a reader of each such value's items, a window at a
    /// time: from the file the record is spliced around, every read checked against its digest
    /// (``recordReader()``), or from memory. Every rendering that reads long tables reads them so.
    func deferredRecord(
        deferring: @escaping @Sendable ([String]) -> Bool
    ) throws(LetheError) -> (value: JSONValue, items: ([String]) -> DeferredItems) {
        if let reader = try recordReader() {
            let document = try StreamedJSON(reader, deferring: deferring)
            return (document.value, { document.items(at: $0) })
        }
        let document = try DeferredJSON(recordBytes(), deferring: deferring)
        return (document.value, { document.deferredItems(at: $0) })
    }

    /// Whether record.json is spliced around a spool file rather than held in memory.
    var isSpliced: Bool {
        if case .spliced = record { return true }
        return false
    }

    /// The size of record.json.
    public var recordCount: Int {
        switch record {
        case .memory(let bytes): bytes.count
        case .spliced(let spliced): spliced.count
        }
    }

    /// The signed record as a value.
    public var value: JSONValue { (try? CanonicalJSON.decode(recordBytes())) ?? .null }

    /// The report just issued from `computed`: what the record states is known without parsing
    /// its body again (at a year's size the body is hundreds of megabytes of JSON), nor hashing
    /// its content again (its digest was taken as it was written), and `recordSHA256` is the
    /// record's, as its signing computed it.
    init(record: StoredRecord, computed: ReportService.ComputedContent, recordSHA256: String) throws(LetheError) {
        guard record.kind == ReportService.recordKind else {
            throw LetheError(.notFound, "record \(record.serial) is a \(record.kind) record, not a report")
        }
        summary = ReportSummary(
            serial: record.serial, reportKind: computed.parameters.kind.rawValue,
            issuedAt: RFC3339.format(record.issuedAt), logIndex: record.eventSeq - 1, logSize: computed.logSize,
            logRoot: computed.logRoot, contentSHA256: computed.content.sha256,
            recordSHA256: recordSHA256, status: .valid,
            parameters: computed.parameters.json)
        self.record = record.splicedBody.map(RecordBytes.spliced) ?? .memory(record.body)
        self.signature = record.signature
    }

    init(record: StoredRecord, revoked: Bool) throws(LetheError) {
        guard record.kind == ReportService.recordKind else {
            throw LetheError(.notFound, "record \(record.serial) is a \(record.kind) record, not a report")
        }
        // What the summary states, read without the content: a year's content is hundreds of
        // megabytes, and listing the reports parsed every one of them whole. A body copied to a
        // spool file is read from there, a piece at a time, checked against its digest.
        let value: JSONValue
        let recordSHA256: [UInt8]
        if let spliced = record.splicedBody {
            var digest = spliced.sha256 ?? []
            if digest.isEmpty { digest = try spliced.digests().whole }
            value = try StreamedJSON(CheckedSplicedReader(spliced.checking(sha256: digest))) { $0 == ["content"] }
                .value
            recordSHA256 = digest
        } else {
            value = try DeferredJSON(record.body) { $0 == ["content"] }.value
            recordSHA256 = Array(SHA256.hash(data: record.body))
        }
        summary = ReportSummary(
            serial: record.serial, issuedAt: record.issuedAt, eventSeq: record.eventSeq, value: value,
            recordSHA256: recordSHA256, revoked: revoked)
        self.record = record.splicedBody.map(RecordBytes.spliced) ?? .memory(record.body)
        self.signature = record.signature
    }
}

/// The signed bytes of a stored record, read from the store in order a piece at a time and
/// hashed as they go (``PiecewiseBytes`` read once: a listing's).
final class StoredRecordPieces: PiecewiseBytes {
    let serial: String
    let tx: any StoreReading
    /// The bytes' SHA-256, once read (nil: not read, or no such record).
    private(set) var sha256: [UInt8]?

    init(serial: String, tx: any StoreReading) {
        self.serial = serial
        self.tx = tx
    }

    func forEachPiece(_ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void) throws(LetheError) {
        var hasher = SHA256()
        let found = try tx.forEachRecordBodyPiece(serial: serial) { (piece) throws(LetheError) in
            hasher.update(bufferPointer: piece)
            try body(piece)
        }
        guard found else { throw LetheError(.notFound, "no record has serial \(serial)") }
        sha256 = Array(hasher.finalize())
    }

    func bytes(in range: Range<Int>) throws(LetheError) -> [UInt8] {
        throw LetheError(.internal, "a listing reads record \(serial) once, in order")
    }
}

/// What a signed report states, as a listing shows it, without the record's bytes (a year's
/// report is hundreds of megabytes; a list of them held every one).
public struct ReportSummary: Encodable, Sendable, Hashable {
    /// The record's serial (`ADS-2026-000007`).
    public var serial: String
    /// The kind of report (`disposal`).
    public var reportKind: String
    /// When it was issued (RFC 3339).
    public var issuedAt: String
    /// The 0-based index of its `record.issued` entry in the log.
    public var logIndex: Int64
    /// The log size its content was computed at.
    public var logSize: Int64
    /// The root of the log's tree at ``logSize`` (base64).
    public var logRoot: String
    /// The SHA-256 of the content's canonical JSON (hex).
    public var contentSHA256: String
    /// The SHA-256 of the signed record (record.json), printed on every page of its renderings.
    public var recordSHA256: String
    /// Valid or revoked.
    public var status: RecordStatus
    /// The parameters the report states (`from`, `to`, …); not part of the JSON summary.
    public var parameters: JSONValue

    enum CodingKeys: String, CodingKey {
        case serial, status
        case reportKind = "report_kind"
        case issuedAt = "issued_at"
        case logIndex = "log_index"
        case logSize = "log_size"
        case logRoot = "log_root"
        case contentSHA256 = "content_sha256"
        case recordSHA256 = "record_sha256"
    }

    /// Encodes the summary (without the parameters).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(serial, forKey: .serial)
        try container.encode(reportKind, forKey: .reportKind)
        try container.encode(issuedAt, forKey: .issuedAt)
        try container.encode(logIndex, forKey: .logIndex)
        try container.encode(logSize, forKey: .logSize)
        try container.encode(logRoot, forKey: .logRoot)
        try container.encode(contentSHA256, forKey: .contentSHA256)
        try container.encode(recordSHA256, forKey: .recordSHA256)
        try container.encode(status, forKey: .status)
    }
}

/// A report computed again at the log size it states, compared with the signed one.
public struct ReportReproduction: Codable, Sendable, Hashable {
    /// The report's serial.
    public var serial: String
    /// The log size it was computed at (and again now).
    public var logSize: Int64
    /// Whether the log's root at that size is still the one the report states.
    public var sameLogRoot: Bool
    /// The content digest the signed report states.
    public var signedContentSHA256: String
    /// The digest of the content computed now.
    public var recomputedContentSHA256: String
    /// Whether the content computed now is byte-identical to the signed one.
    public var identical: Bool

    enum CodingKeys: String, CodingKey {
        case serial, identical
        case logSize = "log_size"
        case sameLogRoot = "same_log_root"
        case signedContentSHA256 = "signed_content_sha256"
        case recomputedContentSHA256 = "recomputed_content_sha256"
    }
}

extension ReportService {
    /// The signed reports, newest first, as summaries: each record is read, summarised and let
    /// go before the next, so listing holds one report's bytes at a time, not all of them.
    public func list(limit: Int? = nil, by principal: Principal) async throws(LetheError) -> [ReportSummary] {
        try app.authorize(.readReports, principal)
        if let limit, limit < 1 { throw LetheError(.usage, "--limit \(limit) must be 1 or more") }
        return try await app.store.read { (tx) throws(LetheError) in
            try tx.recordListings(kind: Self.recordKind, jobID: nil, text: nil, limit: limit).map {
                (listing) throws(LetheError) in
                // Read from the store in pieces, hashed as they are read: a year's report is
                // hundreds of megabytes, and is never held here.
                try Self.summary(of: listing, in: tx)
            }
        }
    }

    /// What one signed report states (its summary, as a listing shows it), read from the store in
    /// pieces without keeping its record: the API's answer about a report, which a year's report
    /// would otherwise copy whole.
    public func summary(serial: String, by principal: Principal) async throws(LetheError) -> ReportSummary {
        try app.authorize(.readReports, principal)
        return try await app.store.read { (tx) throws(LetheError) in
            guard
                let listing = try tx.recordListings(kind: Self.recordKind, jobID: nil, text: nil, limit: nil)
                    .first(where: { $0.serial == serial })
            else {
                throw LetheError(.notFound, "no report has serial \(serial); see 'lethe report list'")
            }
            return try Self.summary(of: listing, in: tx)
        }
    }

    /// The summary of the report `listing` lists, its record read once in pieces and kept nowhere.
    static func summary(of listing: RecordListing, in tx: any StoreReading) throws(LetheError) -> ReportSummary {
        let pieces = StoredRecordPieces(serial: listing.serial, tx: tx)
        let value = try StreamedJSON(pieces) { $0 == ["content"] }.value
        guard let digest = pieces.sha256 else {
            throw LetheError(.internal, "report \(listing.serial) is listed but cannot be read")
        }
        return ReportSummary(
            serial: listing.serial, issuedAt: listing.issuedAt, eventSeq: listing.eventSeq, value: value,
            recordSHA256: digest, revoked: listing.revocation != nil)
    }

    /// One signed report. A record larger than the spool threshold is copied from the store to
    /// a file without a name in the data directory, a piece at a time, and read from there (a
    /// year's is hundreds of megabytes): its PDF is drawn from that file and `--out` written from
    /// it, never holding it whole.
    public func show(serial: String, by principal: Principal) async throws(LetheError) -> IssuedReport {
        try app.authorize(.readReports, principal)
        let spool = app.dataDirectory.map { (threshold: spoolThreshold, directory: $0.path) }
        let (record, revocation) = try await app.store.read { (tx) throws(LetheError) in
            do throws(LetheError) {
                return try LetheApp.recordDetails(serial: serial, spooling: spool, in: tx)
            } catch  where error.code == .notFound {
                throw LetheError(.notFound, "no report has serial \(serial); see 'lethe report list'")
            }
        }
        return try IssuedReport(record: record, revoked: revocation != nil)
    }

    /// The size in bytes of signed report `serial`'s record (record.json), without reading it:
    /// what a download of it will cost before ``show(serial:by:)`` copies it.
    public func recordSize(serial: String, by principal: Principal) async throws(LetheError) -> Int {
        try app.authorize(.readReports, principal)
        guard let size = try await app.store.read({ (tx) throws(LetheError) in try tx.recordSize(serial: serial) })
        else {
            throw LetheError(.notFound, "no report has serial \(serial); see 'lethe report list'")
        }
        return size
    }

    /// Computes a signed report again at the log size it states and compares the bytes.
    public func reproduce(serial: String, by principal: Principal) async throws(LetheError) -> ReportReproduction {
        let report = try await show(serial: serial, by: principal)
        guard report.parameters != .null else {
            throw LetheError(.invalidInput, "report \(serial) states no parameters")
        }
        let computed = try await computeSpooled(
            try ReportParameters(json: report.parameters), atLogSize: report.logSize)
        let content = computed.content
        // A year's signed record and its content computed again are hundreds of megabytes each:
        // both are read from their files, a window at a time, and compared as they go. Only when
        // they differ is the signed content read whole, in case it is equal once re-encoded.
        var same = false
        if let reader = try report.recordReader(), let file = content.file {
            same = try Self.sameBytes(content: reader, file: file)
        }
        if !same {
            let signed = try Self.canonicalContent(of: report.recordBytes())
            same = signed.elementsEqual(try content.load())
        }
        return ReportReproduction(
            serial: serial, logSize: report.logSize, sameLogRoot: computed.logRoot == report.logRoot,
            signedContentSHA256: report.contentSHA256, recomputedContentSHA256: content.sha256,
            identical: same && content.sha256 == report.contentSHA256 && computed.logRoot == report.logRoot)
    }

    /// Whether the bytes of the signed record's content, read through `reader` (every read
    /// checked), are those of `file`, compared 4 MB at a time.
    static func sameBytes(content reader: CheckedSplicedReader, file: SpoolFile) throws(LetheError) -> Bool {
        let document = try StreamedJSON(reader) { $0 == ["content"] }
        guard let range = document.range(at: ["content"]) else {
            throw LetheError(.invalidInput, "the report's record has no content")
        }
        guard range.count == file.count else { return false }
        let window = 4 << 20
        var recomputed = [UInt8](repeating: 0, count: min(window, file.count))
        var offset = 0
        while offset < file.count {
            let length = min(window, file.count - offset)
            let signed = try reader.bytes(in: (range.lowerBound + offset)..<(range.lowerBound + offset + length))
            var failure: LetheError?
            recomputed.withUnsafeMutableBytes { buffer in
                do throws(LetheError) {
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length]), at: offset)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            guard signed.elementsEqual(recomputed[0..<length]) else { return false }
            offset += length
        }
        return true
    }

    /// The evidence bundle of a report: the files of a record's bundle (record.json, record.p7s,
    /// issuer.pem, the log entry, its proof, the log key, VERIFY.txt), with the report's own
    /// printable HTML as record.html.
    public func bundle(serial: String, by principal: Principal) async throws(LetheError) -> RecordBundle {
        try app.authorize(.readReports, principal)
        // The record's bundle carries the report's own page (EvidenceService.bundle); the report
        // is read once, with the rest of its bundle.
        return try await app.evidence.bundle(serial: serial, by: principal, spoolingOver: spoolThreshold)
    }

    /// Checks a report's evidence bundle offline: every check of a record's bundle (canonical
    /// form, CMS signature, log entry, checkpoint, inclusion), then that it is a report whose
    /// content digest matches its content and whose log size precedes its own log entry.
    public static func verifyBundle(
        _ bundle: EvidenceBundle, trust: (pem: String, source: String)? = nil,
        logKey: (text: String, source: String)? = nil
    ) async throws(LetheError) -> BundleVerification {
        var verification = try await EvidenceService.verifyBundle(bundle, trust: trust, logKey: logKey)
        let check: BundleVerification.Check
        do throws(LetheError) {
            check = BundleVerification.Check(name: "report", passed: true, detail: try reportCheck(bundle))
        } catch {
            check = BundleVerification.Check(name: "report", passed: false, detail: error.message)
        }
        verification.checks.append(check)
        verification.passed = verification.passed && check.passed
        return verification
    }

    /// The canonical encoding of a report record's content: the content's own bytes when they
    /// are canonical (as in every record Lethe signs), else the encoding of the value they hold —
    /// without a tree of the content in the first case (a year's is hundreds of megabytes).
    static func canonicalContent(
        of record: [UInt8], _ document: DeferredJSON? = nil
    ) throws(LetheError) -> ArraySlice<UInt8> {
        let read: DeferredJSON
        if let document {
            read = document
        } else {
            read = try DeferredJSON(record) { $0 == ["content"] }
        }
        guard let range = read.range(at: ["content"]) else {
            throw LetheError(.invalidInput, "the report's record has no content")
        }
        if CanonicalJSON.isCanonical(record, in: range, depth: 1) { return record[range] }
        return ArraySlice(try CanonicalJSON.encode(try CanonicalJSON.decode(record[range])))
    }

    static func reportCheck(_ bundle: EvidenceBundle) throws(LetheError) -> String {
        guard let bytes = bundle.files[.record] else { throw LetheError(.notFound, "record.json is missing") }
        // The record without its content, which is read as bytes: a year's content is hundreds of
        // megabytes, and its tree takes several times that.
        let document = try DeferredJSON(bytes) { $0 == ["content"] }
        let record = document.value
        guard record["record_type"]?.stringValue == recordKind, let kind = record["report_kind"]?.stringValue else {
            throw LetheError(.invalidInput, "record.json is not a report (record_type is not 'report')")
        }
        guard document.range(at: ["content"]) != nil, let stated = record["content_sha256"]?.stringValue else {
            throw LetheError(.invalidInput, "record.json has no content or content_sha256")
        }
        let digest = Hex.encode(Array(SHA256.hash(data: try canonicalContent(of: bytes, document))))
        guard digest == stated else {
            throw LetheError(.invalidInput, "the report's content does not have the SHA-256 it states (\(stated))")
        }
        guard let size = record["log_size"]?.integerValue, let index = record["log_index"]?.integerValue,
            size >= 0, size <= index, record["log_root"]?.stringValue != nil
        else {
            throw LetheError(.invalidInput, "the report's log size must be stated and precede its own log entry")
        }
        return "a \(kind) report computed at log size \(size); its content has the SHA-256 it states"
    }
}

extension ReportSummary {
    /// What record `serial`, issued at `issuedAt` by log entry `eventSeq`, states: its `value`
    /// (the record with its content left out) and the SHA-256 of its bytes.
    init(serial: String, issuedAt: Date, eventSeq: Int64, value: JSONValue, recordSHA256: [UInt8], revoked: Bool) {
        self.init(
            serial: serial, reportKind: value["report_kind"]?.stringValue ?? "", issuedAt: RFC3339.format(issuedAt),
            logIndex: eventSeq - 1, logSize: value["log_size"]?.integerValue ?? -1,
            logRoot: value["log_root"]?.stringValue ?? "", contentSHA256: value["content_sha256"]?.stringValue ?? "",
            recordSHA256: Hex.encode(recordSHA256), status: revoked ? .revoked : .valid,
            parameters: value["parameters"] ?? .null)
    }
}
