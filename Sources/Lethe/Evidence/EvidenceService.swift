import Foundation
import LetheCore
import LetheEvidence
import LetheStore
import X509

/// The evidence use cases: signed records (issue, revoke, list, show, export and verify
/// bundles), the evidence log (checkpoints, proofs, verification, its key) and the issuer
/// identity. Every front end calls these; each takes the principal it acts for and returns a
/// typed result.
public struct EvidenceService: Sendable {
    let app: LetheApp
}

extension LetheApp {
    /// The evidence use cases.
    public var evidence: EvidenceService { EvidenceService(app: self) }
}

extension EvidenceService {
    /// What issuing needs (the issuer identity and log key, created on first use), loaded off the
    /// concurrency threads.
    func recordIssuer() async throws(LetheError) -> RecordIssuer {
        let app = app
        return try await OwnThread.run { () throws(LetheError) in try app.recordIssuer() }
    }

    /// The log's signing key, loaded (or created) off the concurrency threads.
    func logSigningKey() async throws(LetheError) -> LogSigningKey {
        let app = app
        return try await OwnThread.run { () throws(LetheError) in try app.logSigningKey() }
    }
}

// MARK: - Records

extension EvidenceService {
    /// Issues the disposal record of a verified job: Appendix G fields, signed, logged and stored
    /// in one transaction with a new checkpoint. Refused for a job that is not verified, or that
    /// has a record already that is not revoked.
    @discardableResult
    public func issueDisposalRecord(
        job jobID: Int64, details: DisposalRecordDetails = DisposalRecordDetails(), by principal: Principal
    ) async throws(LetheError) -> RecordSummary {
        try app.authorize(.issueRecord, principal)
        let issuer = try await recordIssuer()
        let app = app
        let time = app.now
        let actor = principal.name
        let record = try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.issueDisposalRecord(
                jobID: jobID, details: details, issuer: issuer, settings: app.settings, in: tx, actor: actor, at: time)
        }
        return RecordSummary(record, nil)
    }

    /// Issues the records of every verified job that has none (or only revoked ones), in one
    /// transaction with one checkpoint at its end; returns them in job order. The signatures are
    /// computed on threads of their own while the calling task is suspended.
    public func issuePendingDisposalRecords(
        details: DisposalRecordDetails = DisposalRecordDetails(), by principal: Principal
    ) async throws(LetheError) -> [RecordSummary] {
        try await issuePendingDisposalRecords(details: details, by: principal, chunkSize: IssuanceChunk.size)
    }

    /// ``issuePendingDisposalRecords(details:by:)`` in chunks of `chunkSize` records (the tests
    /// use small ones).
    func issuePendingDisposalRecords(
        details: DisposalRecordDetails, by principal: Principal, chunkSize: Int
    ) async throws(LetheError) -> [RecordSummary] {
        try app.authorize(.issueRecord, principal)
        let issuer = try await recordIssuer()
        let app = app
        let time = app.now
        let actor = principal.name
        let records = try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.issuePendingDisposalRecords(
                details: details, issuer: issuer, settings: app.settings, in: tx, actor: actor, at: time,
                chunkSize: chunkSize)
        }
        return records.map { RecordSummary($0, nil) }
    }

    /// Issues a completed erasure request's report as a signed record (kind `erasure`), through
    /// the one issuance path, in one transaction with the report's reading.
    ///
    /// - Throws: `illegalTransition` when a part is not done; `conflict` when the request already
    ///   has a signed record that is not revoked; `notFound` for an unknown request.
    @discardableResult
    public func issueErasureRecord(request id: Int64, by principal: Principal) async throws(LetheError) -> RecordSummary
    {
        try app.authorize(.issueRecord, principal)
        let issuer = try await recordIssuer()
        let time = app.now
        let actor = principal.name
        let record = try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.issueErasureRecord(id: id, issuer: issuer, in: tx, actor: actor, at: time)
        }
        return RecordSummary(record, nil)
    }

    /// Revokes a record (a later verification failed, it was issued in error): a `record.revoked`
    /// event and a revocation row, in one transaction. The record itself stays, unchanged.
    @discardableResult
    public func revoke(
        serial: String, reason: String, by principal: Principal
    ) async throws(LetheError) -> RecordRevocationResult {
        try app.authorize(.revokeRecord, principal)
        let reason = reason.trimmed
        guard !reason.isEmpty else { throw LetheError(.usage, "revoking \(serial) needs a --reason") }
        let key = try await logSigningKey()
        let time = app.now
        let actor = principal.name
        let revocation = try await app.store.write { (tx) throws(LetheError) in
            guard let record = try tx.record(serial: serial) else {
                throw LetheError(.notFound, "no record has serial \(serial); see 'lethe certificate list'")
            }
            if let existing = try tx.revocation(serial: serial) {
                throw LetheError(
                    .conflict,
                    "record \(serial) was already revoked at \(RFC3339.format(existing.revokedAt)): \(existing.reason)")
            }
            var payload: [String: JSONValue] = [
                "serial": .string(serial), "kind": .string(record.kind), "reason": .string(reason),
            ]
            payload["job"] = record.jobID.map(JSONValue.integer)
            let event = try tx.append(
                EventDraft(type: .recordRevoked, assetTag: record.assetTag, payload: .object(payload)), actor: actor,
                at: time)
            let revocation = RecordRevocation(serial: serial, reason: reason, revokedAt: time, eventSeq: event.seq)
            try tx.insert(revocation)
            _ = try LetheApp.signCheckpoint(in: tx, key: key, at: time)
            return revocation
        }
        return RecordRevocationResult(
            serial: serial, reason: revocation.reason, revokedAt: RFC3339.format(revocation.revokedAt),
            logIndex: revocation.eventSeq - 1)
    }

    /// Records, newest first; only of `kind`, of `job`, and whose serial or asset tag contains `text`
    /// (any ASCII case), when given.
    public func list(
        kind: String? = nil, job jobID: Int64? = nil, text: String? = nil, limit: Int? = nil,
        by principal: Principal
    ) async throws(LetheError) -> [RecordSummary] {
        try app.authorize(.readRecords, principal)
        return try await app.store.read { (tx) throws(LetheError) in
            try tx.recordListings(kind: kind, jobID: jobID, text: text, limit: limit).map(RecordSummary.init)
        }
    }

    /// One record: its status and signed fields. A record over
    /// ``RecordDetails/largestShownWhole`` bytes (a large report) is read once in pieces and shown
    /// without its content, which ``RecordDetails/contentOmitted`` says, and where to find it.
    public func record(serial: String, by principal: Principal) async throws(LetheError) -> RecordDetails {
        try await record(serial: serial, by: principal, showingWholeUpTo: RecordDetails.largestShownWhole)
    }

    /// ``record(serial:by:)``, with records over `largest` bytes shown without their content (a
    /// test sets a few).
    func record(
        serial: String, by principal: Principal, showingWholeUpTo largest: Int
    ) async throws(LetheError) -> RecordDetails {
        try app.authorize(.readRecords, principal)
        return try await app.store.read { (tx) throws(LetheError) in
            guard let size = try tx.recordSize(serial: serial) else {
                throw LetheError(.notFound, "no record has serial \(serial); see 'lethe certificate list'")
            }
            guard size > largest else {
                let (record, revocation) = try LetheApp.recordDetails(serial: serial, in: tx)
                return RecordDetails(
                    summary: RecordSummary(record, revocation), record: try CanonicalJSON.decode(record.body))
            }
            guard let listing = try tx.recordListing(serial: serial) else {
                throw LetheError(.notFound, "no record has serial \(serial); see 'lethe certificate list'")
            }
            guard listing.kind == ReportService.recordKind else {
                // Only reports grow this large; any other record is shown whole.
                let (record, revocation) = try LetheApp.recordDetails(serial: serial, in: tx)
                return RecordDetails(
                    summary: RecordSummary(record, revocation), record: try CanonicalJSON.decode(record.body))
            }
            // Read once, in pieces, straight from the store, its content passed over.
            let value = try StreamedJSON(StoredRecordPieces(serial: serial, tx: tx)) { $0 == ["content"] }.value
            guard case .object(var fields) = value else {
                throw LetheError(.internal, "record \(serial) is not a JSON object")
            }
            fields["content"] = nil
            let omitted =
                "the record is \(size) bytes: its content (SHA-256 in content_sha256) is left out here; "
                + "see 'lethe report show \(serial)' or the record.json of 'lethe report export \(serial)'"
            return RecordDetails(summary: RecordSummary(listing), record: .object(fields), contentOmitted: omitted)
        }
    }

    /// The size in bytes of record `serial`'s signed bytes (record.json), without reading them:
    /// what its bundle will cost before ``bundle(serial:by:)`` copies it.
    public func recordSize(serial: String, by principal: Principal) async throws(LetheError) -> Int {
        try app.authorize(.readRecords, principal)
        guard let size = try await app.store.read({ (tx) throws(LetheError) in try tx.recordSize(serial: serial) })
        else {
            throw LetheError(.notFound, "no record has serial \(serial); see 'lethe certificate list'")
        }
        return size
    }

    /// Builds the evidence bundle of a record: its bytes and signature verbatim, the issuer
    /// certificates from the signature, the issuance log entry, its inclusion proof against the
    /// newest checkpoint (signed now when none covers the entry), the log's public key, a
    /// readable HTML page and VERIFY.txt. The front end writes or serves the files.
    ///
    /// A report's page is the report's own printable rendering: a table of every field of a year's
    /// report would be millions of rows, built from the whole record parsed as one tree. A large
    /// report's record.json and page are never held in memory (a year's are 600 and 350 MB): the
    /// record is copied from the store to a file without a name in the data directory, the page
    /// drawn into another, and both are written from there (``RecordBundle/entries``), every
    /// piece checked against the digest taken as it was written.
    public func bundle(serial: String, by principal: Principal) async throws(LetheError) -> RecordBundle {
        try await bundle(serial: serial, by: principal, spoolingOver: ContentSpool.defaultThreshold)
    }

    /// ``bundle(serial:by:)``, with records over `threshold` bytes spooled (a test sets a few).
    func bundle(
        serial: String, by principal: Principal, spoolingOver threshold: Int
    ) async throws(LetheError) -> RecordBundle {
        try app.authorize(.readRecords, principal)
        let key = try await logSigningKey()
        let time = app.now
        // The record is read (and a large one copied) outside the write transaction: it never
        // changes, and a year's copy would hold the store's lock for seconds.
        let directory = app.dataDirectory?.path
        let record = try await app.store.read { (tx) throws(LetheError) in
            try LetheApp.recordDetails(
                serial: serial, spooling: directory.map { (threshold: threshold, directory: $0) }, in: tx
            ).record
        }
        let (revocation, proof, entry) = try await app.store.write { (tx) throws(LetheError) in
            let logIndex = record.eventSeq - 1
            let proof = try LetheApp.inclusionProof(index: logIndex, key: key, at: time, in: tx)
            guard let entry = try tx.logEntry(index: logIndex) else {
                throw LetheError(.internal, "log entry \(logIndex) of record \(serial) is missing")
            }
            return (try tx.revocation(serial: serial), proof, entry)
        }
        let logIndex = record.eventSeq - 1
        let status: String
        if let revocation {
            status =
                "REVOKED at \(RFC3339.format(revocation.revokedAt)): \(revocation.reason) (log entry \(revocation.eventSeq - 1))"
        } else {
            status = "Issued \(RFC3339.format(record.issuedAt)); not revoked when this bundle was exported."
        }
        var files: [EvidenceBundle.File: [UInt8]] = [
            .signature: record.signature,
            .issuer: Array(try RecordSignature.embeddedCertificatesPEM(record.signature).utf8),
            .logEntry: entry,
            .logProof: Array(proof.text.utf8),
            .logKey: Array(key.verifier.publicFile.utf8),
            .instructions: Array(
                VerifyInstructions.text(
                    serial: serial, logIndex: logIndex, signingTime: RFC3339.format(record.issuedAt)
                )
                .utf8),
        ]
        var streamed: [EvidenceBundle.File: RecordBundle.Entry] = [:]
        if record.kind == ReportService.recordKind {
            // On a thread of its own: reading a large report's record (its digest and header) and
            // drawing its page take seconds.
            let revoked = revocation != nil
            let (pages, whole) = try await OwnThread.run("lethe-bundle") {
                () throws(LetheError) -> ([EvidenceBundle.File: RecordBundle.Entry], [EvidenceBundle.File: [UInt8]]) in
                let report = try IssuedReport(record: record, revoked: revoked)
                guard report.isSpliced, let directory else {
                    return ([:], [.record: try report.recordBytes(), .html: try ReportHTML.renderBytes(report)])
                }
                let spool = ContentSpool(directory: directory, threshold: threshold)
                var buffer: [UInt8] = []
                try ReportHTML.write(report) { (piece) throws(LetheError) in
                    buffer += piece
                    try spool.spill(&buffer)
                }
                let page = try spool.finish(buffer)
                var entries: [EvidenceBundle.File: RecordBundle.Entry] = [
                    .record: RecordBundle.Entry(name: EvidenceBundle.File.record.rawValue, count: report.recordCount) {
                        (sink) throws(LetheError) in try report.writeRecord(to: sink)
                    }
                ]
                guard let file = page.file else { return (entries, [.html: page.bytes]) }
                let spliced = SplicedBytes(head: [], file: file, tail: [], sha256: Hex.decode(page.sha256))
                entries[.html] = RecordBundle.Entry(name: EvidenceBundle.File.html.rawValue, count: spliced.count) {
                    (sink) throws(LetheError) in try spliced.handOn(to: sink)
                }
                return (entries, [:])
            }
            streamed = pages
            files.merge(whole) { $1 }
        } else {
            // Only reports are read from a spool file (no other record comes near the threshold).
            let body = try record.splicedBody?.load() ?? record.body
            files[.record] = body
            files[.html] = Array(RecordHTML.render(record: try CanonicalJSON.decode(body), status: status).utf8)
        }
        return RecordBundle(
            serial: serial, revoked: revocation != nil, bundle: EvidenceBundle(files: files), streamed: streamed)
    }

    /// Checks an evidence bundle offline (no installation needed): every check, in order.
    ///
    /// - Parameters:
    ///   - bundle: the bundle's files, as a front end read them.
    ///   - trust: PEM certificates to trust instead of the bundle's own issuer.pem, and where they
    ///     came from (for messages).
    ///   - logKey: the log key file the auditor keeps, instead of the bundle's log-key.pub, and
    ///     where it came from.
    public static func verifyBundle(
        _ bundle: EvidenceBundle, trust: (pem: String, source: String)? = nil,
        logKey: (text: String, source: String)? = nil
    ) async throws(LetheError) -> BundleVerification {
        var certificates: [Certificate]?
        if let trust { certificates = try IssuerIdentity.certificates(pem: trust.pem, source: trust.source) }
        var key: LogVerifierKey?
        if let logKey { key = try LogVerifierKey(publicFile: logKey.text, source: logKey.source, requirePEM: false) }
        return BundleVerification(await bundle.verify(trust: certificates, logKey: key))
    }
}

// MARK: - The evidence log

extension EvidenceService {
    /// Signs (and keeps) a checkpoint of the log's current head; returns the newest one when
    /// nothing was appended since.
    @discardableResult
    public func checkpoint(by principal: Principal) async throws(LetheError) -> SignedCheckpoint {
        try app.authorize(.signCheckpoint, principal)
        let key = try await logSigningKey()
        let time = app.now
        let checkpoint = try await app.store.write { (tx) throws(LetheError) in
            try LetheApp.signCheckpoint(in: tx, key: key, at: time)
        }
        return SignedCheckpoint(checkpoint)
    }

    /// The C2SP tlog-proof of entry `index` against the newest checkpoint (signing one of the
    /// current head first when no checkpoint covers the entry).
    public func inclusionProof(index: Int64, by principal: Principal) async throws(LetheError) -> InclusionProof {
        try app.authorize(.readLog, principal)
        let key = try await logSigningKey()
        let time = app.now
        return InclusionProof(
            try await app.store.write { (tx) throws(LetheError) in
                try LetheApp.inclusionProof(index: index, key: key, at: time, in: tx)
            })
    }

    /// The consistency proof from the tree of `fromSize` entries to a checkpoint of the current
    /// head (signed now unless the newest one already covers it).
    public func consistencyProof(
        from fromSize: Int64, by principal: Principal
    ) async throws(LetheError) -> ConsistencyProofResult {
        try app.authorize(.readLog, principal)
        let key = try await logSigningKey()
        let time = app.now
        return ConsistencyProofResult(
            try await app.store.write { (tx) throws(LetheError) in
                let count = try tx.eventCount()
                guard fromSize >= 0, fromSize <= count else {
                    throw LetheError(.usage, "--from \(fromSize) is beyond the log's \(count) entries")
                }
                let signed = try LetheApp.signCheckpoint(in: tx, key: key, at: time)
                let tree = MerkleTree(hasher: LetheApp.logHasher, source: tx)
                return ConsistencyProof(
                    fromSize: fromSize, fromRoot: try tree.root(size: fromSize),
                    hashes: try tree.consistencyProof(from: fromSize, to: signed.size), checkpoint: signed)
            })
    }

    /// Checks offline (no installation needed) that a consistency proof extends a checkpoint the
    /// auditor kept, under the log key they kept; a failed check is an error.
    public static func checkConsistency(
        proof: String, kept: String, logKey: String, logKeySource: String
    ) throws(LetheError) -> ConsistencyCheck {
        let key = try LogVerifierKey(publicFile: logKey, source: logKeySource, requirePEM: false)
        let (kept, newer) = try ConsistencyProofText(parsing: proof).check(kept: kept, key: key)
        return ConsistencyCheck(
            passed: true, keptSize: kept.size, newSize: newer.size, newRoot: StrictBase64.encode(newer.root))
    }

    /// Recomputes the tree from every stored entry and checks each entry's position and leaf
    /// hash, every stored subtree hash, and every stored checkpoint's signature and root.
    ///
    /// One thread reads the entries (inside the store's read, on its queue) while another hashes
    /// them; the calling task is suspended until both are done.
    /// - Parameter entriesPerBatch: how many entries go from one thread to the other at once;
    ///   the result does not depend on it. Taken within 1 ... 16,384.
    public func verifyLog(
        entriesPerBatch: Int = LetheApp.logVerificationBatch, by principal: Principal
    ) async throws(LetheError) -> LogVerificationReport {
        try app.authorize(.readLog, principal)
        let key = try await logSigningKey().verifier
        return try await app.store.read { (tx) throws(LetheError) in
            try LetheApp.verifyLog(entriesPerBatch: entriesPerBatch, key: key, in: tx)
        }
    }

    /// The log's public key.
    public func logKey(by principal: Principal) async throws(LetheError) -> LogPublicKey {
        try app.authorize(.readKeys, principal)
        return LogPublicKey(try await logSigningKey().verifier)
    }

    /// Computes `count` inclusion proofs of spread-out entries against the newest checkpoint, each
    /// in its own read transaction as `log prove` does, and returns the mean seconds per proof
    /// (for `scripts/bench-evidence.sh`).
    public func timeInclusionProofs(
        count: Int, by principal: Principal
    ) async throws(LetheError) -> (meanSeconds: Double, size: Int64) {
        try app.authorize(.readLog, principal)
        let size = try await app.store.read { (tx) throws(LetheError) in try tx.latestCheckpoint()?.size } ?? 0
        guard size > 0, count > 0 else { throw LetheError(.usage, "sign a checkpoint first: lethe log checkpoint") }
        let start = DispatchTime.now().uptimeNanoseconds
        var index = Int64(7)
        for _ in 0..<count {
            index = (index &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407) & Int64.max
            let target = index % size
            _ = try await app.store.read { (tx) throws(LetheError) in
                try MerkleTree(hasher: LetheApp.logHasher, source: tx).inclusionProof(index: target, size: size)
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (elapsed / Double(count), size)
    }
}

// MARK: - The issuer identity

extension EvidenceService {
    /// The issuer certificate (created, self-signed, on first use) and the log key.
    public func issuer(by principal: Principal) async throws(LetheError) -> IssuerSummary {
        try app.authorize(.readKeys, principal)
        let app = app
        return try await OwnThread.run { () throws(LetheError) in
            let identity = try app.issuerIdentity()
            let key = try app.logSigningKey().verifier
            let certificate = identity.certificate
            return IssuerSummary(
                issuerSubject: "\(certificate.subject)", issuerIssuer: "\(certificate.issuer)",
                issuerSHA256: identity.certificateFingerprint, notAfter: RFC3339.format(certificate.notValidAfter),
                chainLength: identity.certificates.count, logKey: key.verifierKey)
        }
    }

    /// A certificate signing request (PEM) for the organisation's CA, over the issuer key (created
    /// if needed).
    public func certificateRequest(by principal: Principal) async throws(LetheError) -> String {
        try app.authorize(.readKeys, principal)
        let app = app
        return try await OwnThread.run { () throws(LetheError) in
            try app.issuerIdentity().certificateSigningRequest(organization: try app.organization())
        }
    }

    /// Installs the certificate the organisation's CA issued for the issuer key, with its chain
    /// (both PEM text, as the front end read them); refused (and nothing changed) when it is not
    /// for this key.
    @discardableResult
    public func importIssuerCertificate(
        certificatePEM: String, chainPEM: String? = nil, source: String, by principal: Principal
    ) async throws(LetheError) -> ImportedIssuer {
        try app.authorize(.manageKeys, principal)
        let app = app
        let (directory, identity) = try await OwnThread.run { () throws(LetheError) in
            let directory = try app.requireDataDirectory()
            let current = try app.issuerIdentity()
            var certificates = try IssuerIdentity.certificates(pem: certificatePEM, source: source)
            if let chainPEM {
                certificates += try IssuerIdentity.certificates(pem: chainPEM, source: "the chain file")
            }
            return (directory, try IssuerIdentity(privateKey: current.privateKey, certificates: certificates))
        }
        // An expired certificate would stop every signing from now on.
        guard identity.certificate.notValidAfter > app.now else {
            throw LetheError(
                .invalidInput,
                "\(source) expired at \(RFC3339.format(identity.certificate.notValidAfter)); import a certificate valid now; nothing was imported"
            )
        }
        // With a chain: a trial record, signed within the certificate's validity and checked as an
        // auditor checks one against that chain. A chain that does not lead to a CA would
        // otherwise be installed, and every record signed with it would fail its auditor's check.
        if chainPEM != nil {
            let trial = Array("lethe keys import: a trial signature".utf8)
            let notBefore = identity.certificate.notValidBefore
            let at = max(app.now, notBefore.addingTimeInterval(1))
            let chain = Array(identity.certificates.dropFirst())
            do throws(LetheError) {
                let signature = try RecordSignature.sign(trial, identity: identity, at: at)
                _ = try await RecordSignature.verify(trial, signature: signature, trustRoots: chain)
            } catch {
                throw LetheError(
                    .invalidInput,
                    "records signed with \(source) would not verify against its chain: \(error.message); give with --chain the CA that issued it, up to its root; nothing was imported"
                )
            }
        }
        return try await OwnThread.run { () throws(LetheError) in
            try PrivateFile.write(
                directory.issuerCertificatePath, Array(try identity.certificatesPEM.utf8), replace: true)
            return ImportedIssuer(
                issuerSubject: "\(identity.certificate.subject)", issuerSHA256: identity.certificateFingerprint,
                issuedBy: "\(identity.certificate.issuer)")
        }
    }
}
