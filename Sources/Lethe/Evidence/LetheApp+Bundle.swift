import Foundation
import LetheCore
import LetheEvidence
import LetheStore
import X509

extension LetheApp {
    /// Builds the evidence bundle of a record: its bytes and signature verbatim, the issuer
    /// certificates from the signature, the issuance log entry, its inclusion proof against the
    /// newest checkpoint, the log's public key, a readable HTML page and VERIFY.txt.
    public func evidenceBundle(serial: String) throws(LetheError) -> EvidenceBundle {
        let (record, revocation) = try recordDetails(serial: serial)
        let logIndex = record.eventSeq - 1
        let proof = try inclusionProof(index: logIndex)
        let entry = try store.read { (tx) throws(LetheError) in try tx.logEntry(index: logIndex) }
        guard let entry else { throw LetheError(.internal, "log entry \(logIndex) of record \(serial) is missing") }
        let value = try CanonicalJSON.decode(record.body)
        let status: String
        if let revocation {
            status =
                "REVOKED at \(RFC3339.format(revocation.revokedAt)): \(revocation.reason) (log entry \(revocation.eventSeq - 1))"
        } else {
            status = "Issued \(RFC3339.format(record.issuedAt)); not revoked when this bundle was exported."
        }
        let key = try logVerifierKey()
        return EvidenceBundle(files: [
            .record: record.body,
            .signature: record.signature,
            .issuer: Array(try RecordSignature.embeddedCertificatesPEM(record.signature).utf8),
            .logEntry: entry,
            .logProof: Array(proof.text.utf8),
            .logKey: Array(key.publicFile.utf8),
            .html: Array(RecordHTML.render(record: value, status: status).utf8),
            .instructions: Array(
                VerifyInstructions.text(
                    serial: serial, logIndex: logIndex, signingTime: RFC3339.format(record.issuedAt)
                )
                .utf8),
        ])
    }

    /// Writes a record's evidence bundle into `directory`; returns the bundle. A directory inside
    /// the data directory is refused, and an existing non-empty one unless `force`.
    @discardableResult
    public func exportBundle(
        serial: String, to directory: String, force: Bool = false
    ) throws(LetheError)
        -> EvidenceBundle
    {
        try OutputDestination.checkDirectory(directory, force: force, dataDirectory: dataDirectory)
        let bundle = try evidenceBundle(serial: serial)
        try bundle.write(directory: directory)
        return bundle
    }

    /// Checks a bundle directory offline (no installation needed): every check, in order.
    ///
    /// - Parameters:
    ///   - trustFile: PEM certificates to trust instead of the bundle's own issuer.pem.
    ///   - logKeyFile: the log key the auditor keeps, instead of the bundle's log-key.pub.
    public static func verifyBundle(
        directory: String, trustFile: String?, logKeyFile: String?
    ) async throws(LetheError)
        -> [EvidenceBundle.Check]
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LetheError(.notFound, "\(directory) is not a directory; give the bundle's directory")
        }
        var trust: [Certificate]?
        if let trustFile {
            guard let data = FileManager.default.contents(atPath: trustFile) else {
                throw LetheError(.notFound, "cannot read the --trust file \(trustFile)")
            }
            trust = try IssuerIdentity.certificates(pem: String(decoding: data, as: UTF8.self), source: trustFile)
        }
        var logKey: LogVerifierKey?
        if let logKeyFile {
            guard let data = FileManager.default.contents(atPath: logKeyFile) else {
                throw LetheError(.notFound, "cannot read the --log-key file \(logKeyFile)")
            }
            logKey = try LogVerifierKey(
                publicFile: String(decoding: data, as: UTF8.self), source: logKeyFile, requirePEM: false)
        }
        return await EvidenceBundle.read(directory: directory).verify(trust: trust, logKey: logKey)
    }
}
