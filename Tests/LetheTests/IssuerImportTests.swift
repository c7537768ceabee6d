import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheTestSupport
import Testing

private let opensslIsInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

/// Runs openssl in a directory.
@discardableResult
private func openssl(_ arguments: [String], in directory: String) throws -> ProcessOutput {
    try tool(["openssl"] + arguments, in: directory)
}

@Suite struct IssuerImportTests {
    /// An organisation's root CA in `ca/` under the fixture's root (ca.pem, ca.key), and the
    /// certificate it issued for the installation's issuer key from its CSR (issued.pem).
    static func organisationCA(signing fixture: EvidenceFixture, by admin: Principal) async throws -> String {
        let ca = fixture.installation.root.file("ca")
        try FileManager.default.createDirectory(atPath: ca, withIntermediateDirectories: true)
        try await fixture.evidence.certificateRequest(by: admin).write(
            toFile: ca + "/lethe.csr", atomically: true, encoding: .utf8)
        try "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n".write(
            toFile: ca + "/leaf.ext", atomically: true, encoding: .utf8)
        let root = try openssl(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-subj", "/CN=Acme Root CA", "-days", "30", "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], in: ca)
        #expect(root.status == 0, "\(root.output)")
        let signed = try openssl(
            [
                "x509", "-req", "-in", "lethe.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "issued.pem", "-days", "30", "-extfile", "leaf.ext",
            ], in: ca)
        #expect(signed.status == 0, "\(signed.output)")
        return ca
    }

    /// The third walk-through imported its certificate with an unrelated self-signed "chain":
    /// accepted, and every record signed afterwards failed its auditor's check.
    @Test(.enabled(if: opensslIsInstalled, "needs the openssl command (apt-get install openssl)"))
    func aChainThatDoesNotLeadToTheIssuingCAIsRefused() async throws {
        let fixture = try EvidenceFixture()
        let admin = Principal.evidenceUser("ada", .admin)
        let ca = try await Self.organisationCA(signing: fixture, by: admin)
        let issuedPEM = try String(contentsOfFile: ca + "/issued.pem", encoding: .utf8)
        let before = try String(
            contentsOfFile: fixture.installation.dataDirectory.issuerCertificatePath, encoding: .utf8)
        // Given another self-signed certificate offered as the chain
        try openssl(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "o.key",
                "-out", "other.pem", "-subj", "/CN=Walk Root", "-days", "30",
            ], in: ca)
        let otherPEM = try String(contentsOfFile: ca + "/other.pem", encoding: .utf8)
        // Then the import is refused, saying why, and nothing changes
        let refused = await #expect(throws: LetheError.self) {
            try await fixture.evidence.importIssuerCertificate(
                certificatePEM: issuedPEM, chainPEM: otherPEM, source: "issued.pem", by: admin)
        }
        #expect(
            refused?.message.contains("would not verify against its chain") == true, "\(String(describing: refused))")
        #expect(
            try String(contentsOfFile: fixture.installation.dataDirectory.issuerCertificatePath, encoding: .utf8)
                == before)
        // And with the issuing CA as its chain it is imported
        let caPEM = try String(contentsOfFile: ca + "/ca.pem", encoding: .utf8)
        let imported = try await fixture.evidence.importIssuerCertificate(
            certificatePEM: issuedPEM, chainPEM: caPEM, source: "issued.pem", by: admin)
        #expect(imported.issuedBy.contains("Acme Root CA"))
    }

    /// Given an organisation's CA, when Lethe's CSR is signed by it and imported, records chain to
    /// the CA: `certificate verify --trust CA` and `openssl cms -verify -CAfile CA` both accept them.
    @Test(.enabled(if: opensslIsInstalled, "needs the openssl command (apt-get install openssl)"))
    func aCertificateFromTheOrganisationsCAIsImportedAndRecordsChainToIt() async throws {
        let fixture = try EvidenceFixture()
        let admin = Principal.evidenceUser("ada", .admin)
        let ca = try await Self.organisationCA(signing: fixture, by: admin)

        // A certificate for another key is refused, and nothing changes
        let before = try String(
            contentsOfFile: fixture.installation.dataDirectory.issuerCertificatePath, encoding: .utf8)
        let caPEM = try String(contentsOfFile: ca + "/ca.pem", encoding: .utf8)
        await #expect(throws: LetheError.self) {
            try await fixture.evidence.importIssuerCertificate(certificatePEM: caPEM, source: "ca.pem", by: admin)
        }
        #expect(
            try String(contentsOfFile: fixture.installation.dataDirectory.issuerCertificatePath, encoding: .utf8)
                == before)

        // Only an admin imports it: a compliance officer is refused, and nothing changes
        let issuedPEM = try String(contentsOfFile: ca + "/issued.pem", encoding: .utf8)
        let forbidden = await #expect(throws: LetheError.self) {
            try await fixture.evidence.importIssuerCertificate(
                certificatePEM: issuedPEM, source: "issued.pem", by: .evidenceUser("cora", .compliance))
        }
        #expect(forbidden?.code == .forbidden)
        #expect(
            try String(contentsOfFile: fixture.installation.dataDirectory.issuerCertificatePath, encoding: .utf8)
                == before)
        // The issued one is imported
        let identity = try await fixture.evidence.importIssuerCertificate(
            certificatePEM: issuedPEM, source: "issued.pem", by: admin)
        #expect(identity.issuedBy.contains("Acme Root CA"))
        #expect(try await fixture.evidence.issuer(by: admin).issuerIssuer.contains("Acme Root CA"))

        // Signing before the certificate's validity is refused; at a time it covers, it works.
        let job = try fixture.shreddedJob()
        let refused = await #expect(throws: LetheError.self) {
            try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        }
        #expect(refused?.message.contains("the issuer certificate is valid from") == true)
        fixture.installation.clock.set(Date().addingTimeInterval(60))
        let record = try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        let bundle = fixture.installation.root.file("bundle")
        try await fixture.evidence.bundle(serial: record.serial, by: admin).bundle.write(directory: bundle)
        let verification = try await EvidenceService.verifyBundle(
            EvidenceBundle.read(directory: bundle), trust: (pem: caPEM, source: "ca.pem"))
        #expect(verification.passed, "\(verification.checks.filter { !$0.passed })")
        let cms = try openssl(
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", "record.p7s", "-content", "record.json",
                "-CAfile", ca + "/ca.pem", "-purpose", "any", "-out", "/dev/null",
            ], in: bundle)
        #expect(cms.status == 0, "\(cms.output)")
        // Trusting another CA fails the signature check
        let otherCA = fixture.installation.root.file("other")
        try FileManager.default.createDirectory(atPath: otherCA, withIntermediateDirectories: true)
        try openssl(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "o.key",
                "-out", "o.pem", "-subj", "/CN=Acme Root CA", "-days", "30",
            ], in: otherCA)
        let wrong = try await EvidenceService.verifyBundle(
            EvidenceBundle.read(directory: bundle),
            trust: (pem: try String(contentsOfFile: otherCA + "/o.pem", encoding: .utf8), source: "o.pem"))
        #expect(wrong.checks.first { $0.name == "signature" }?.passed == false)
    }
}
