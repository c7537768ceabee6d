import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheTestSupport
import Testing

/// The states a crash (or a lost file) can leave the issuer identity in, and how Lethe recovers
/// from each: signing, `keys csr`, `keys import` and `keys show` all work again.
@Suite struct IssuerRecoveryTests {
    private func mode(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! Int
    }

    private func names(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// Given a key written but killed before its certificate (the wedge of issue 13), when a
    /// record is issued, then the key gets a self-signed certificate and the record verifies.
    @Test func aKeyWithoutACertificateGetsOneForTheSameKey() async throws {
        let fixture = try EvidenceFixture()
        let directory = fixture.installation.dataDirectory
        let original = try fixture.app.issuerIdentity()
        try FileManager.default.removeItem(atPath: directory.issuerCertificatePath)

        let job = try fixture.shreddedJob()
        let record = try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))

        let recovered = try fixture.app.issuerIdentity()
        #expect(recovered.privateKey.publicKey == original.privateKey.publicKey)
        #expect(try mode(directory.issuerCertificatePath) == 0o600)
        #expect(
            try await fixture.evidence.certificateRequest(by: .evidenceOperator("ada")).hasPrefix(
                "-----BEGIN CERTIFICATE REQUEST-----"))
        let verification = try await fixture.exportAndVerify(record.serial)
        #expect(verification.passed, "\(verification.checks.filter { !$0.passed })")
    }

    /// An empty certificate file (what the old non-atomic write left when killed mid-way) is
    /// treated like a missing one.
    @Test func anEmptyCertificateFileIsReplaced() throws {
        let fixture = try EvidenceFixture()
        let directory = fixture.installation.dataDirectory
        let original = try fixture.app.issuerIdentity()
        try Data().write(to: URL(fileURLWithPath: directory.issuerCertificatePath))

        let recovered = try fixture.app.issuerIdentity()

        #expect(recovered.privateKey.publicKey == original.privateKey.publicKey)
        #expect(try !String(contentsOfFile: directory.issuerCertificatePath, encoding: .utf8).isEmpty)
    }

    /// Given temporary files of a process that died mid-write (and an empty key file of an older
    /// version), when the identity is used, then they are removed and a complete identity is made.
    @Test func leftoverTemporaryFilesAreRemoved() throws {
        let fixture = try EvidenceFixture()
        let directory = fixture.installation.dataDirectory
        // pid 2^22 - 1 is above Linux's default pid_max: no process runs with it.
        let dead = 4_194_303
        let leftovers = ["issuer.key.tmp-\(dead)", "issuer.pem.tmp-\(dead)"]
        for name in leftovers {
            try Data("-----BEGIN PRIVATE KEY-----\nhalf".utf8).write(
                to: URL(fileURLWithPath: directory.path + "/" + name))
        }
        _ = FileManager.default.createFile(
            atPath: directory.issuerKeyPath, contents: Data(), attributes: [.posixPermissions: 0o600])

        let identity = try fixture.app.issuerIdentity()

        let files = try names(in: directory.path)
        for name in leftovers { #expect(!files.contains(name), "\(files)") }
        #expect(!files.contains { $0.contains(".tmp-") }, "\(files)")
        #expect(try mode(directory.issuerKeyPath) == 0o600)
        #expect(try fixture.app.issuerIdentity().certificateFingerprint == identity.certificateFingerprint)
    }

    /// Given a certificate whose key is gone, when the identity is used, then the certificate is
    /// kept aside (not deleted) and a new key and certificate are made that sign records.
    @Test func aCertificateWithoutAKeyIsSetAsideAndANewIdentityMade() async throws {
        let fixture = try EvidenceFixture()
        let directory = fixture.installation.dataDirectory
        let original = try fixture.app.issuerIdentity()
        let orphan = try String(contentsOfFile: directory.issuerCertificatePath, encoding: .utf8)
        try FileManager.default.removeItem(atPath: directory.issuerKeyPath)

        let identity = try fixture.app.issuerIdentity()

        #expect(identity.privateKey.publicKey != original.privateKey.publicKey)
        let aside = try names(in: directory.path).filter { $0.hasPrefix("issuer.pem.orphaned-") }
        #expect(aside.count == 1)
        #expect(try String(contentsOfFile: directory.path + "/" + aside[0], encoding: .utf8) == orphan)
        let job = try fixture.shreddedJob()
        #expect(
            try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance")).serial
                .hasPrefix("ADS-"))
    }

    /// A fresh identity's files are 0600 and no temporary file is left beside them.
    @Test func creationLeavesTwoPrivateFilesAndNothingElse() throws {
        let fixture = try EvidenceFixture()
        let directory = fixture.installation.dataDirectory
        _ = try fixture.app.issuerIdentity()
        #expect(try mode(directory.issuerKeyPath) == 0o600)
        #expect(try mode(directory.issuerCertificatePath) == 0o600)
        #expect(try !names(in: directory.path).contains { $0.contains(".tmp-") })
    }

    /// Given an issuer key that group members can read, the installation refuses to open
    /// (exit 77) before any erasure, job or record starts, as for the other secrets.
    @Test func aGroupReadableIssuerKeyIsRefusedBeforeAnyWork() throws {
        let fixture = try EvidenceFixture()
        let directory = fixture.installation.dataDirectory
        _ = try fixture.app.issuerIdentity()
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: directory.issuerKeyPath)

        let refused = #expect(throws: LetheError.self) {
            _ = try LetheApp.open(directory, clock: { fixture.installation.clock.now })
        }
        #expect(refused?.code == .permission)
        #expect(refused?.message.contains("issuer.key") == true)
        #expect(refused?.message.contains("chmod 600") == true)

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.issuerKeyPath)
        _ = try LetheApp.open(directory, clock: { fixture.installation.clock.now })
    }
}
