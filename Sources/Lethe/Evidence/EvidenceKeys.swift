import Foundation
import LetheCore
import LetheEvidence
import X509

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
        if let bytes = try PrivateFile.read(directory.logKeyPath) {
            return try LogSigningKey(parsing: String(decoding: bytes, as: UTF8.self))
        }
        let origin = settings[Settings.logOrigin] ?? Self.defaultLogOrigin()
        let key = try LogSigningKey.generate(name: origin)
        try PrivateFile.write(directory.logKeyPath, Array(key.fileText.utf8))
        logger.info("created the evidence log key", metadata: ["log.origin": "\(origin)"])
        return key
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
    /// configured organisation are created (key 0600).
    public func issuerIdentity() throws(LetheError) -> IssuerIdentity {
        let directory = try requireDataDirectory()
        if let keyBytes = try PrivateFile.read(directory.issuerKeyPath) {
            let key = try IssuerIdentity.privateKey(
                pem: String(decoding: keyBytes, as: UTF8.self), source: directory.issuerKeyPath)
            guard let certificateText = FileManager.default.contents(atPath: directory.issuerCertificatePath) else {
                throw LetheError(
                    .io,
                    "\(directory.issuerCertificatePath) is missing; import the issuer certificate with 'lethe keys import --cert FILE'"
                )
            }
            let certificates = try IssuerIdentity.certificates(
                pem: String(decoding: certificateText, as: UTF8.self), source: directory.issuerCertificatePath)
            return try IssuerIdentity(privateKey: key, certificates: certificates)
        }
        let identity = try IssuerIdentity.selfSigned(organization: try organization(), now: now)
        try PrivateFile.write(directory.issuerKeyPath, Array(try identity.privateKeyPEM.utf8))
        try PrivateFile.write(directory.issuerCertificatePath, Array(try identity.certificatesPEM.utf8))
        logger.info("created a self-signed issuer certificate")
        return identity
    }

    /// A certificate signing request for the organisation's CA, over the issuer key (created if needed).
    public func issuerCertificateRequest() throws(LetheError) -> String {
        try issuerIdentity().certificateSigningRequest(organization: try organization())
    }

    /// Installs the certificate the organisation's CA issued for the issuer key, with its chain;
    /// refused (and nothing changed) when it is not for this key.
    @discardableResult
    public func importIssuerCertificate(
        certificatePEM: String, chainPEM: String?, source: String
    ) throws(LetheError)
        -> IssuerIdentity
    {
        let directory = try requireDataDirectory()
        let current = try issuerIdentity()
        var certificates = try IssuerIdentity.certificates(pem: certificatePEM, source: source)
        if let chainPEM { certificates += try IssuerIdentity.certificates(pem: chainPEM, source: "the chain file") }
        let identity = try IssuerIdentity(privateKey: current.privateKey, certificates: certificates)
        try PrivateFile.write(directory.issuerCertificatePath, Array(try identity.certificatesPEM.utf8), replace: true)
        return identity
    }
}
