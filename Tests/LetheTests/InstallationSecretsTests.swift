import Foundation
import Lethe
import LetheCore
import LetheSanitize
import LetheTestSupport
import Testing

@Test func secretsAreCreatedOnceWithMode0600AndReusedAfterwards() throws {
    let installation = try TestInstallation()
    let first = try installation.app.secrets()
    let second = try installation.app.secrets()
    #expect(
        first.hasher.hash("ada@example.com", normalization: .exact)
            == second.hasher.hash("ada@example.com", normalization: .exact))
    for name in [InstallationSecrets.subjectSecretFileName, InstallationSecrets.connectionKeyFileName] {
        let attributes = try FileManager.default.attributesOfItem(atPath: installation.dataDirectory.path + "/" + name)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(name)")
        #expect((attributes[.size] as? Int) == 32, "\(name)")
    }
    let sealed = try first.box.seal("postgres://u:p@h/db", associatedData: "crm")
    #expect(try second.box.open(sealed, associatedData: "crm").revealed == "postgres://u:p@h/db")
}

@Test func aSecretReadableByOthersOrOfTheWrongLengthIsRefused() throws {
    let installation = try TestInstallation()
    _ = try installation.app.secrets()
    let path = installation.dataDirectory.path + "/" + InstallationSecrets.subjectSecretFileName
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    #expect(throws: LetheError.self) { try installation.app.secrets() }
    do { _ = try installation.app.secrets() } catch { #expect(error.code == .permission) }
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
    do {
        _ = try installation.app.secrets()
        Issue.record("a 3-byte secret was accepted")
    } catch { #expect(error.code == .invalidInput) }
}
