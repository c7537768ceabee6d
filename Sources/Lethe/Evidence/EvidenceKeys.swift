import Foundation
import LetheCore
import LetheEvidence
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension DataDirectory {
    /// The evidence log's Ed25519 signing key (signed-note signer key text, 0600).
    public var logKeyPath: String { path + "/log-signing.key" }
    /// The issuer's P-256 private key (PKCS #8 PEM, 0600).
    public var issuerKeyPath: String { path + "/issuer.key" }
    /// The issuer's certificate, then its chain (PEM).
    public var issuerCertificatePath: String { path + "/issuer.pem" }
}

extension LetheApp {
    func requireDataDirectory() throws(LetheError) -> DataDirectory {
        guard let dataDirectory else {
            throw LetheError(.usage, "this installation has no data directory to keep its keys in")
        }
        return dataDirectory
    }

    /// The log's signing key, created on first use with an origin naming the installation
    /// (`log_origin`, else `lethe/<host>/<8 random hex digits>`).
    public func logSigningKey() throws(LetheError) -> LogSigningKey {
        let directory = try requireDataDirectory()
        PrivateFile.removeStaleTemporaries(of: directory.logKeyPath)
        if let bytes = try PrivateFile.read(directory.logKeyPath) {
            if !bytes.isEmpty { return try LogSigningKey(parsing: String(decoding: bytes, as: UTF8.self)) }
            // An empty file is what a crash during creation by an earlier, non-atomic Lethe left: it
            // never held a key, so nothing was signed with it.
            unlink(directory.logKeyPath)
        }
        // A log whose checkpoints another key signed keeps that key: a new one would not verify
        // them (seen after a partial restore that brought the database back without its keys).
        if let signed = try store.read({ (tx) throws(LetheError) in try tx.latestCheckpoint() }) {
            throw LetheError(
                .notFound,
                "the evidence log's signing key (log-signing.key) is missing from \(directory.path), but the log holds checkpoints up to size \(signed.size) signed with it: restore it from your backup (docs/operations.md#backing-up-an-installation); a new key would not verify them, so none was made"
            )
        }
        let origin = settings[Settings.logOrigin] ?? Self.defaultLogOrigin()
        let key = try LogSigningKey.generate(name: origin)
        do {
            try PrivateFile.write(directory.logKeyPath, Array(key.fileText.utf8))
        } catch  where error.code == .conflict {
            // Another process created it first: use theirs.
            return try logSigningKey()
        }
        logger.info("created the evidence log key", metadata: ["log.origin": "\(origin)"])
        return key
    }

    /// Refuses (code `permission`, exit 77) when a key file in the data directory can be read by
    /// group or others, before any work starts: an erasure or job must not complete and only then
    /// find that its record cannot be signed.
    func checkKeyFileModes() throws(LetheError) {
        let directory = try requireDataDirectory()
        try PrivateFile.checkMode(directory.logKeyPath)
        try PrivateFile.checkMode(directory.issuerKeyPath)
    }

    static func defaultLogOrigin() -> String {
        let host = ProcessInfo.processInfo.hostName.filter {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-")
        }
        let random = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return "lethe/\(host.isEmpty ? "localhost" : host)/\(random)"
    }

    /// The organisation's name from configuration, or an error saying how to set it.
    func organization() throws(LetheError) -> String {
        guard let name = settings[Settings.organization]?.trimmed, !name.isEmpty else {
            throw LetheError(
                .usage,
                "the organisation is not configured: pass --organization, set $\(Settings.organization.environment), or put \"organization\" in \(dataDirectory?.path ?? "the data directory")/\(Settings.fileName)"
            )
        }
        return name
    }

    /// The issuer identity; on first use a P-256 key and a self-signed certificate naming the
    /// configured organisation are created (both 0600, each written atomically, the key first).
    ///
    /// Recovers from every state a crash can leave: temporary files of dead processes are deleted;
    /// a key without a certificate (a crash between the two files) gets a new self-signed
    /// certificate; a certificate without its key (which no crash of this code leaves, but an
    /// older version or a deleted key can) is set aside as `issuer.pem.orphaned-TIME` and a new
    /// identity is made.
    public func issuerIdentity() throws(LetheError) -> IssuerIdentity {
        let directory = try requireDataDirectory()
        let keyPath = directory.issuerKeyPath
        let certificatePath = directory.issuerCertificatePath
        PrivateFile.removeStaleTemporaries(of: keyPath)
        PrivateFile.removeStaleTemporaries(of: certificatePath)
        if let keyBytes = try PrivateFile.read(keyPath) {
            if !keyBytes.isEmpty {
                let key = try IssuerIdentity.privateKey(pem: String(decoding: keyBytes, as: UTF8.self), source: keyPath)
                return try issuerIdentity(key: key, certificatePath: certificatePath)
            }
            // An empty key file never held a key (a crash of an earlier, non-atomic Lethe).
            unlink(keyPath)
        }
        if PrivateFile.exists(certificatePath) {
            let aside = certificatePath + ".orphaned-\(Int(now.timeIntervalSince1970))"
            guard rename(certificatePath, aside) == 0 else {
                throw LetheError(
                    .io,
                    "\(certificatePath) has no key (\(keyPath) is missing) and cannot be moved aside: \(String(cString: strerror(errno)))"
                )
            }
            logger.warning(
                "the issuer certificate had no key; it was set aside and a new issuer identity is created",
                metadata: ["file": "\(aside)"])
        }
        let identity = try IssuerIdentity.selfSigned(organization: try organization(), now: now)
        do {
            try PrivateFile.write(keyPath, Array(try identity.privateKeyPEM.utf8))
        } catch  where error.code == .conflict {
            return try issuerIdentity()  // another process created it first
        }
        try writeCertificate(identity, to: certificatePath)
        logger.info("created a self-signed issuer certificate")
        return identity
    }

    /// The identity of an existing key: its certificate file, or a new self-signed certificate
    /// when the file is missing or empty (a crash after the key was written).
    private func issuerIdentity(
        key: Certificate.PrivateKey, certificatePath: String
    ) throws(LetheError)
        -> IssuerIdentity
    {
        if let text = FileManager.default.contents(atPath: certificatePath), !text.isEmpty {
            let certificates = try IssuerIdentity.certificates(
                pem: String(decoding: text, as: UTF8.self), source: certificatePath)
            return try IssuerIdentity(privateKey: key, certificates: certificates)
        }
        let identity = try IssuerIdentity.selfSigned(organization: try organization(), now: now, key: key)
        try writeCertificate(identity, to: certificatePath)
        logger.warning("the issuer key had no certificate; a self-signed certificate for it was created")
        return identity
    }

    private func writeCertificate(_ identity: IssuerIdentity, to path: String) throws(LetheError) {
        do {
            try PrivateFile.write(path, Array(try identity.certificatesPEM.utf8))
        } catch  where error.code == .conflict {
            // Another process certified the same key first, or an empty file is left: replace it.
            try PrivateFile.write(path, Array(try identity.certificatesPEM.utf8), replace: true)
        }
    }
}
