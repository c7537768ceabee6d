import Foundation
import LetheCore
import LetheEvidence
import LetheStore

// The typed results of the evidence use cases: what `--json` prints (the same keys), what the
// CLI renders as text, what the HTTP API and the console will render. Times are RFC 3339 strings,
// hashes and roots base64, as the log's own formats write them.

/// Whether a record stands or was revoked.
public enum RecordStatus: String, Codable, Sendable, Hashable {
    case valid
    case revoked
}

/// A signed record as lists and issuance show it: serial, kind, job or asset, issuance time, log
/// index and status (with the revocation's time and reason when revoked).
public struct RecordSummary: Codable, Sendable, Hashable {
    /// The serial (`ADS-2026-000001`).
    public var serial: String
    /// The kind (`disposal`, `erasure`).
    public var kind: String
    /// The job it certifies, if any.
    public var job: Int64?
    /// The asset it is about, if any.
    public var asset: String?
    /// When it was issued (RFC 3339).
    public var issuedAt: String
    /// The 0-based index of its `record.issued` entry in the evidence log.
    public var logIndex: Int64
    /// Valid or revoked.
    public var status: RecordStatus
    /// When it was revoked (RFC 3339), if it was.
    public var revokedAt: String?
    /// Why it was revoked, if it was.
    public var revocationReason: String?

    enum CodingKeys: String, CodingKey {
        case serial, kind, job, asset, status
        case issuedAt = "issued_at"
        case logIndex = "log_index"
        case revokedAt = "revoked_at"
        case revocationReason = "revocation_reason"
    }

    init(_ listing: RecordListing) {
        serial = listing.serial
        kind = listing.kind
        job = listing.jobID
        asset = listing.assetTag
        issuedAt = RFC3339.format(listing.issuedAt)
        logIndex = listing.eventSeq - 1
        status = listing.revocation == nil ? .valid : .revoked
        revokedAt = listing.revocation.map { RFC3339.format($0.revokedAt) }
        revocationReason = listing.revocation?.reason
    }

    init(_ record: StoredRecord, _ revocation: RecordRevocation?) {
        serial = record.serial
        kind = record.kind
        job = record.jobID
        asset = record.assetTag
        issuedAt = RFC3339.format(record.issuedAt)
        logIndex = record.eventSeq - 1
        status = revocation == nil ? .valid : .revoked
        revokedAt = revocation.map { RFC3339.format($0.revokedAt) }
        revocationReason = revocation?.reason
    }
}

/// One record in full: its summary and its signed fields (the canonical JSON decoded).
public struct RecordDetails: Codable, Sendable, Hashable {
    /// Serial, kind, status and the rest of the list's columns.
    public var summary: RecordSummary
    /// The record's signed fields — but `content`, when ``contentOmitted`` says it was left out.
    public var record: JSONValue
    /// Why and where instead the record's `content` is not in ``record``: a record over
    /// ``largestShownWhole`` bytes (a large report: a year's is 600 MB, millions of values as a
    /// tree) is shown without it. Nil when `record` is whole.
    public var contentOmitted: String?

    /// The largest record shown whole: 4 MiB.
    public static let largestShownWhole = 4 << 20

    enum CodingKeys: String, CodingKey {
        case record
        case contentOmitted = "content_omitted"
    }

    init(summary: RecordSummary, record: JSONValue, contentOmitted: String? = nil) {
        self.summary = summary
        self.record = record
        self.contentOmitted = contentOmitted
    }

    /// The summary's keys, `record` and `content_omitted`, in one object.
    public init(from decoder: any Decoder) throws {
        summary = try RecordSummary(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        record = try container.decode(JSONValue.self, forKey: .record)
        contentOmitted = try container.decodeIfPresent(String.self, forKey: .contentOmitted)
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record, forKey: .record)
        try container.encodeIfPresent(contentOmitted, forKey: .contentOmitted)
    }
}

/// A revocation: the record's serial, the reason, when, and its `record.revoked` log entry.
public struct RecordRevocationResult: Codable, Sendable, Hashable {
    public var serial: String
    public var reason: String
    /// When (RFC 3339).
    public var revokedAt: String
    /// The 0-based index of the `record.revoked` entry.
    public var logIndex: Int64

    enum CodingKeys: String, CodingKey {
        case serial, reason
        case revokedAt = "revoked_at"
        case logIndex = "log_index"
    }
}

/// A record's evidence bundle: a front end writes its files (the CLI into a directory), or
/// serves them.
public struct RecordBundle: Sendable {
    /// The record's serial.
    public var serial: String
    /// Whether the record was revoked when the bundle was made (record.html says so too).
    public var revoked: Bool
    /// The bundle's files held in memory: every file but those in ``streamed``.
    public var bundle: EvidenceBundle
    /// The files too large to hold in memory — a large report's record.json and record.html —
    /// written a piece at a time from the files without a name they were spooled to, every piece
    /// checked against the digest taken as they were written.
    public var streamed: [EvidenceBundle.File: Entry]

    /// A bundle of `bundle`'s files and the `streamed` ones.
    public init(
        serial: String, revoked: Bool, bundle: EvidenceBundle, streamed: [EvidenceBundle.File: Entry] = [:]
    ) {
        self.serial = serial
        self.revoked = revoked
        self.bundle = bundle
        self.streamed = streamed
    }

    /// One file of a bundle: its name, its size, and a writer of its bytes.
    public struct Entry: Sendable {
        /// The file's name in the bundle (`record.json`).
        public let name: String
        /// Its size in bytes.
        public let count: Int
        private let pieces: @Sendable (_ sink: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) -> Void

        /// A file of `count` bytes, which `pieces` hands over in order.
        public init(
            name: String, count: Int,
            _ pieces: @escaping @Sendable (_ sink: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) -> Void
        ) {
            self.name = name
            self.count = count
            self.pieces = pieces
        }

        /// Hands the file's bytes to `sink` in order; throws when they are not `count` bytes.
        public func write(to sink: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) {
            var written = 0
            try pieces { (piece) throws(LetheError) in
                written += piece.count
                guard written <= count else {
                    throw LetheError(.internal, "the bundle's \(name) is longer than its \(count) bytes")
                }
                try sink(piece)
            }
            guard written == count else {
                throw LetheError(.internal, "the bundle's \(name) has \(written) bytes, not \(count)")
            }
        }
    }

    /// Every file of the bundle, in name order, the streamed ones among them.
    public var entries: [Entry] {
        var all = Array(streamed.values)
        for (file, bytes) in bundle.files where streamed[file] == nil {
            all.append(Entry(name: file.rawValue, count: bytes.count) { (sink) throws(LetheError) in try sink(bytes) })
        }
        return all.sorted { $0.name < $1.name }
    }

    /// The bundle's file names, sorted.
    public var fileNames: [String] { entries.map(\.name) }

    /// Writes every file into `directory` (created if needed), each whole or not at all, mode
    /// 0600; the streamed ones a piece at a time.
    public func write(directory: String) throws(LetheError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LetheError(.io, "cannot write the bundle into \(directory): \(error.localizedDescription)")
        }
        for entry in entries {
            let path = directory + "/" + entry.name
            try OutputDestination.writeFile(path, force: true, flag: "--out") { (descriptor) throws(LetheError) in
                try entry.write { (piece) throws(LetheError) in
                    try DescriptorIO.writeAll(piece, to: descriptor, name: path)
                }
            }
        }
    }

    /// What a front end reports after writing the files into `directory`.
    public func written(to directory: String) -> BundleExport {
        BundleExport(serial: serial, directory: directory, revoked: revoked, files: fileNames)
    }
}

/// A bundle written out: where, which files, and whether the record is revoked.
public struct BundleExport: Codable, Sendable, Hashable {
    public var serial: String
    public var directory: String
    public var revoked: Bool
    public var files: [String]
}

/// Every check of an evidence bundle, in order, and whether all passed.
public struct BundleVerification: Codable, Sendable, Hashable {
    /// One check: its name (`record`, `signature`, `log entry`, `checkpoint`, `inclusion`), whether
    /// it passed, and what was found.
    public struct Check: Codable, Sendable, Hashable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    /// Whether every check passed.
    public var passed: Bool
    /// The checks, in order.
    public var checks: [Check]

    init(_ checks: [EvidenceBundle.Check]) {
        self.checks = checks.map { Check(name: $0.name, passed: $0.passed, detail: $0.detail) }
        passed = checks.allSatisfy(\.passed)
    }
}

/// A signed checkpoint of the log: size, root (base64), when, and the signed note.
public struct SignedCheckpoint: Codable, Sendable, Hashable {
    public var size: Int64
    /// The root hash, base64.
    public var root: String
    /// When it was signed (RFC 3339).
    public var signedAt: String
    /// The C2SP signed note.
    public var note: String

    enum CodingKeys: String, CodingKey {
        case size, root, note
        case signedAt = "signed_at"
    }

    init(_ checkpoint: StoredCheckpoint) {
        size = checkpoint.size
        root = StrictBase64.encode(checkpoint.root)
        signedAt = RFC3339.format(checkpoint.signedAt)
        note = checkpoint.note
    }
}

/// The inclusion proof of one entry against a signed checkpoint.
public struct InclusionProof: Codable, Sendable, Hashable {
    /// The entry's 0-based index.
    public var index: Int64
    /// The proof's hashes, base64 (RFC 9162 §2.1.3).
    public var hashes: [String]
    /// The signed checkpoint it leads to.
    public var checkpoint: String
    /// The C2SP tlog-proof text.
    public var text: String

    init(_ proof: TlogProof) {
        index = proof.index
        hashes = proof.hashes.map(StrictBase64.encode)
        checkpoint = proof.signedCheckpoint
        text = proof.text
    }
}

/// A consistency proof from an earlier tree size to a signed checkpoint.
public struct ConsistencyProofResult: Codable, Sendable, Hashable {
    /// The earlier size.
    public var fromSize: Int64
    /// The root of the earlier tree, base64.
    public var fromRoot: String
    /// The size of the checkpoint it leads to.
    public var toSize: Int64
    /// The proof's hashes, base64 (RFC 9162 §2.1.4).
    public var hashes: [String]
    /// The signed checkpoint it leads to.
    public var checkpoint: String

    enum CodingKeys: String, CodingKey {
        case hashes, checkpoint
        case fromSize = "from_size"
        case fromRoot = "from_root"
        case toSize = "to_size"
    }

    init(_ proof: ConsistencyProof) {
        fromSize = proof.fromSize
        fromRoot = StrictBase64.encode(proof.fromRoot)
        toSize = proof.checkpoint.size
        hashes = proof.hashes.map(StrictBase64.encode)
        checkpoint = proof.checkpoint.note
    }

    /// The proof's text (``ConsistencyProofText``), what `lethe log check-consistency` reads.
    public var text: String {
        ConsistencyProofText(
            fromSize: fromSize, fromRoot: StrictBase64.decode(fromRoot) ?? [],
            hashes: hashes.map { StrictBase64.decode($0) ?? [] }, signedCheckpoint: checkpoint
        ).text
    }
}

/// The outcome of checking a consistency proof against a kept checkpoint (offline).
public struct ConsistencyCheck: Codable, Sendable, Hashable {
    /// Always true: a failed check is an error.
    public var passed: Bool
    /// The size of the kept checkpoint.
    public var keptSize: Int64
    /// The size of the newer checkpoint.
    public var newSize: Int64
    /// The newer checkpoint's root, base64.
    public var newRoot: String

    enum CodingKeys: String, CodingKey {
        case passed
        case keptSize = "kept_size"
        case newSize = "new_size"
        case newRoot = "new_root"
    }
}

/// The log's public key, in both its forms.
public struct LogPublicKey: Codable, Sendable, Hashable {
    /// The log's origin.
    public var name: String
    /// The key ID, hex.
    public var keyID: String
    /// The signed-note verifier key line.
    public var verifierKey: String
    /// The Ed25519 public key as PEM (for openssl).
    public var pem: String

    enum CodingKeys: String, CodingKey {
        case name, pem
        case keyID = "key_id"
        case verifierKey = "verifier_key"
    }

    init(_ key: LogVerifierKey) {
        name = key.name
        keyID = Hex.encode(key.keyID)
        verifierKey = key.verifierKey
        pem = key.pem
    }

    /// The key file auditors keep: the verifier key line, then the PEM.
    public var publicFile: String { verifierKey + "\n" + pem }
}

/// The issuer identity that signs records, and the log key.
public struct IssuerSummary: Codable, Sendable, Hashable {
    /// The issuer certificate's subject.
    public var issuerSubject: String
    /// Who issued the certificate (its subject when self-signed).
    public var issuerIssuer: String
    /// The SHA-256 of the issuer certificate, hex.
    public var issuerSHA256: String
    /// When the certificate expires (RFC 3339).
    public var notAfter: String
    /// How many certificates the identity holds (the certificate and its chain).
    public var chainLength: Int
    /// The log's verifier key line.
    public var logKey: String

    enum CodingKeys: String, CodingKey {
        case issuerSubject = "issuer_subject"
        case issuerIssuer = "issuer_issuer"
        case issuerSHA256 = "issuer_sha256"
        case notAfter = "not_after"
        case chainLength = "chain_length"
        case logKey = "log_key"
    }

    /// Whether the certificate is self-signed (its issuer is its subject).
    public var selfSigned: Bool { issuerIssuer == issuerSubject }
}

/// The certificate installed by `keys import`.
public struct ImportedIssuer: Codable, Sendable, Hashable {
    /// The certificate's subject.
    public var issuerSubject: String
    /// The SHA-256 of the certificate, hex.
    public var issuerSHA256: String
    /// Who issued it (for the text; not a JSON key).
    public var issuedBy: String = ""

    enum CodingKeys: String, CodingKey {
        case issuerSubject = "issuer_subject"
        case issuerSHA256 = "issuer_sha256"
    }
}

extension LogVerificationReport: Codable {
    enum CodingKeys: String, CodingKey {
        case passed, entries, root, problem
        case checkpoints = "checkpoints_checked"
        case firstBadEntry = "first_bad_entry"
    }

    /// `passed`, `entries`, `checkpoints_checked`; the `root` (base64) when the log passed, else
    /// the `problem` and, when one can be named, the `first_bad_entry`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(passed, forKey: .passed)
        try container.encode(entries, forKey: .entries)
        try container.encode(Int64(checkpoints), forKey: .checkpoints)
        if passed { try container.encode(StrictBase64.encode(root), forKey: .root) }
        try container.encodeIfPresent(problem, forKey: .problem)
        try container.encodeIfPresent(firstBadEntry, forKey: .firstBadEntry)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        entries = try container.decode(Int64.self, forKey: .entries)
        checkpoints = try container.decode(Int.self, forKey: .checkpoints)
        root = try container.decodeIfPresent(String.self, forKey: .root).flatMap { StrictBase64.decode($0) } ?? []
        problem = try container.decodeIfPresent(String.self, forKey: .problem)
        firstBadEntry = try container.decodeIfPresent(Int64.self, forKey: .firstBadEntry)
    }
}
