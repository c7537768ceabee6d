import Crypto
import Foundation
import LetheCore
import LetheTestSupport
import SwiftASN1
import Testing
import X509

@testable import LetheEvidence

/// A leaf identity issued by a CA of its own: two certificates in the chain.
private func caIssuedIdentity(now: Date) throws -> (identity: IssuerIdentity, root: Certificate) {
    let caKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let caName = try DistinguishedName { CommonName("Test Root CA") }
    let notBefore = now.addingTimeInterval(-3600)
    let root = try Certificate(
        version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: caKey.publicKey, notValidBefore: notBefore,
        notValidAfter: notBefore.addingTimeInterval(86_400 * 30), issuer: caName, subject: caName,
        signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
            Critical(KeyUsage(keyCertSign: true))
        }, issuerPrivateKey: caKey)
    let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let leaf = try Certificate(
        version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey, notValidBefore: notBefore,
        notValidAfter: notBefore.addingTimeInterval(86_400 * 30), issuer: caName,
        subject: try DistinguishedName { CommonName("Test disposal records") }, signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
        }, issuerPrivateKey: caKey)
    return (try IssuerIdentity(privateKey: key, certificates: [leaf, root]), root)
}

/// The ECDSA signature (the SignerInfo's last field) of a CMS SignedData.
private func signatureValue(_ der: [UInt8]) throws -> [UInt8] {
    func children(_ node: ASN1Node) -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else { return [] }
        return Array(nodes)
    }
    let contentInfo = children(try DER.parse(der))
    let signedData = children(children(contentInfo[1])[0])
    let signer = children(children(signedData[4])[0])
    guard case .primitive(let bytes) = signer[5].content else { throw LetheError(.internal, "no signature") }
    return Array(bytes)
}

@Suite struct RecordSignerTests {
    private let time = Date(timeIntervalSince1970: 1_795_000_000.4)
    private let message = Array(#"{"format":"lethe.record/1","serial":"ACME-2026-000001"}"#.utf8)

    /// Given the signature CMS.sign made, the template writes exactly CMS.sign's bytes around it:
    /// the fast path is the same DER, not merely an equivalent one.
    @Test(arguments: [false, true])
    func theTemplateWritesTheBytesOfCMSSign(caIssued: Bool) throws {
        let identity =
            caIssued
            ? try caIssuedIdentity(now: time).identity
            : try IssuerIdentity.selfSigned(organization: "Acme Data Services", now: time)
        let signer = try RecordSigner(identity: identity, at: time)
        #expect(signer.usesTemplate)
        let reference = try RecordSignature.sign(message, identity: identity, at: time)
        let rebuilt = signer.assemble(
            messageDigest: Array(SHA256.hash(data: message)), signature: try signatureValue(reference))
        #expect(rebuilt == reference)
        // And a different digest gives different bytes (the comparison can fail).
        let other = signer.assemble(
            messageDigest: [UInt8](repeating: 7, count: 32), signature: try signatureValue(reference))
        #expect(other != reference)
        #expect(other?.count == reference.count)
    }

    /// A fast-path signature verifies with Lethe's verifier (strict DER, chain, signing time),
    /// and a changed byte of the record does not.
    @Test func aTemplateSignatureVerifiesWithLethesVerifier() async throws {
        let (identity, root) = try caIssuedIdentity(now: time)
        let signature = try RecordSigner(identity: identity, at: time).sign(message)
        let verified = try await RecordSignature.verify(message, signature: signature, trustRoots: [root])
        #expect(verified.signer == identity.certificate)
        #expect(verified.signingTime == Date(timeIntervalSince1970: 1_795_000_000))
        var tampered = message
        tampered[3] ^= 1
        await #expect(throws: LetheError.self) {
            try await RecordSignature.verify(tampered, signature: signature, trustRoots: [root])
        }
    }

    /// `openssl cms -verify` accepts a fast-path signature over the record's bytes.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs openssl"))
    func aTemplateSignatureVerifiesWithOpenSSL() throws {
        let identity = try IssuerIdentity.selfSigned(organization: "Acme Data Services", now: Date())
        let directory = TemporaryDirectory()
        let signature = try RecordSigner(identity: identity, at: Date()).sign(message)
        try Data(signature).write(to: URL(fileURLWithPath: directory.file("record.p7s")))
        try Data(message).write(to: URL(fileURLWithPath: directory.file("record.json")))
        try identity.certificatesPEM.write(toFile: directory.file("issuer.pem"), atomically: true, encoding: .utf8)
        let arguments = [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "record.p7s", "-content", "record.json",
            "-CAfile", "issuer.pem", "-purpose", "any", "-out", "/dev/null",
        ]
        let accepted = try tool(arguments, in: directory.path)
        #expect(accepted.status == 0, "\(accepted.output)")
        try Data(message.dropLast()).write(to: URL(fileURLWithPath: directory.file("record.json")))
        #expect(try tool(arguments, in: directory.path).status != 0)
    }
}
