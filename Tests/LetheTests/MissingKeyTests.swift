import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

/// A walk-through restored a data directory without its key files: Lethe made new ones without a
/// word, and the log no longer verified (and sealed secrets no longer opened) from then on.
@Suite struct MissingKeyTests {
    @Test func aMissingLogKeyIsNotReplacedOnceCheckpointsWereSignedWithIt() async throws {
        // Given an installation whose log has a signed checkpoint
        let installation = try TestInstallation()
        _ = try await installation.app.evidence.checkpoint(by: try Principal.localOperator("op"))
        let keyPath = installation.dataDirectory.logKeyPath
        let kept = try Data(contentsOf: URL(fileURLWithPath: keyPath))
        // When its log key is gone
        try FileManager.default.removeItem(atPath: keyPath)
        // Then opening it is refused, naming the file, and no new key is made
        let refusal = #expect(throws: LetheError.self) { _ = try LetheApp.open(installation.dataDirectory) }
        #expect(refusal?.code == .notFound)
        #expect(refusal?.message.contains("log-signing.key") == true)
        #expect(!FileManager.default.fileExists(atPath: keyPath))
        // And with the key restored, it opens and the log verifies
        try kept.write(to: URL(fileURLWithPath: keyPath))
        chmod(keyPath, 0o600)
        let reopened = try LetheApp.open(installation.dataDirectory)
        #expect(try await reopened.evidence.verifyLog(by: .auditor).passed)
    }

    @Test func aMissingSecretIsNotReplacedOnceTheInstallationHoldsWhatItSealed() async throws {
        // Given an installation with a declared store (its holdings hashed with the subject secret)
        let installation = try TestInstallation()
        let crm = installation.root.file("crm.sqlite")
        try makeCRM(at: crm)
        _ = try await installation.app.erasure.applyDataMap(
            file: installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo"))
        let secret = installation.dataDirectory.path + "/" + InstallationSecrets.subjectSecretFileName
        #expect(FileManager.default.fileExists(atPath: secret))
        // When the subject secret is gone
        try FileManager.default.removeItem(atPath: secret)
        // Then what needs it is refused, and no new secret is made
        let refusal = await #expect(throws: LetheError.self) {
            _ = try await installation.app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
        }
        #expect(refusal?.message.contains("subject-secret.key is missing") == true, "\(String(describing: refusal))")
        #expect(!FileManager.default.fileExists(atPath: secret))
    }

    @Test func aNewInstallationStillMakesItsKeysOnFirstUse() async throws {
        let installation = try TestInstallation()
        _ = try installation.app.secrets()
        for name in [InstallationSecrets.subjectSecretFileName, InstallationSecrets.connectionKeyFileName] {
            #expect(FileManager.default.fileExists(atPath: installation.dataDirectory.path + "/" + name))
        }
        #expect(FileManager.default.fileExists(atPath: installation.dataDirectory.logKeyPath))
    }
}
