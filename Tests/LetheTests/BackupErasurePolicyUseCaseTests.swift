import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// Policies with `backup_erasure: shred` and no sanitization rules.
let shredPolicies = LoadedPolicies(
    directory: "/none", files: [], set: PolicySet(sanitization: [], backupErasure: .shred),
    version: String(repeating: "b", count: 64))

/// An installation with the CRM store scanned and one backup of it registered.
private func installationWithBackup() throws -> (TestInstallation, BackupRecord) {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let copy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: copy)
    _ = try installation.app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    _ = try installation.app.scanStore(name: "crm", actor: "dpo")
    let backup = try installation.app.registerBackup(
        store: "crm", file: copy, created: installation.clock.now,
        expires: installation.clock.now.addingTimeInterval(35 * 86_400), policies: nil, actor: "ops")
    return (installation, backup)
}

@Test func withBackupErasureShredABackupsPartWaitsForTheShreddingWhichCompletesTheRequest() throws {
    let (installation, backup) = try installationWithBackup()
    let app = installation.app
    _ = try app.encryptBackup(id: backup.id, output: backup.file + ".lethe", actor: "ops")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    let part = try #require(request.parts.first { $0.action == .suppress })
    #expect(part.state == "pending")
    #expect(part.finalAt == nil)
    #expect(part.outcome["note"]?.stringValue?.contains("lethe backup shred \(backup.id)") == true)
    // Suppressed meanwhile: a reapply after a restore looks for the subject.
    let runs = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    #expect(runs.map(\.part.state) == ["done"])
    #expect(try app.erasureDetails(id: request.request.id).request.state == "open")

    installation.clock.advance(3600)
    _ = try app.shredBackup(id: backup.id, actor: "ops")
    let details = try app.erasureDetails(id: request.request.id)
    let ended = try #require(details.parts.first { $0.action == .suppress })
    #expect(ended.state == "done")
    #expect(ended.finalAt == RFC3339Date.round(installation.clock.now))
    #expect(ended.outcome["backup_shredded_at"] != nil)
    #expect(details.request.state == "completed")
}

@Test func theDefaultSuppressCompletesAtOnceAndAShreddingMovesTheFinalDateForward() throws {
    let (installation, backup) = try installationWithBackup()
    let app = installation.app
    _ = try app.encryptBackup(id: backup.id, output: backup.file + ".lethe", actor: "ops")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    let part = try #require(request.parts.first { $0.action == .suppress })
    #expect(part.state == "done")
    #expect(part.finalAt == backup.expiresAt.map(RFC3339Date.round))
    installation.clock.advance(3600)
    _ = try app.shredBackup(id: backup.id, actor: "ops")
    let after = try #require(try app.erasureDetails(id: request.request.id).parts.first { $0.action == .suppress })
    #expect(after.finalAt == RFC3339Date.round(installation.clock.now))
}

@Test func anUnencryptedBackupsShredPartIsDoneByAttestingItsDestruction() throws {
    let (installation, backup) = try installationWithBackup()
    let app = installation.app
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    let part = try #require(request.parts.first { $0.action == .suppress })
    #expect(part.state == "pending")
    #expect(part.outcome["note"]?.stringValue?.contains("--backup \(backup.id)") == true)
    #expect(throws: LetheError.self) {
        try app.attestErasure(
            id: request.request.id, store: "crm", backup: backup.id + 1, notes: "x", evidence: nil, actor: "dpo")
    }
    _ = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    // A second request waits for the same backup.
    let grace = try app.requestErasure(
        identifier: "grace@example.org", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    _ = try app.runErasure(id: grace.request.id, identifier: "grace@example.org", actor: "dpo")
    #expect(try app.erasureDetails(id: grace.request.id).request.state == "open")

    let attested = try app.attestErasure(
        id: request.request.id, store: "crm", backup: backup.id, notes: "tape destroyed, certificate 77",
        evidence: nil, actor: "dpo")
    #expect(attested.state == "done")
    #expect(attested.finalAt != nil)
    #expect(try app.erasureDetails(id: request.request.id).request.state == "completed")
    // The backup is gone for every request, and no later one plans a part for it.
    #expect(try app.erasureDetails(id: grace.request.id).request.state == "completed")
    #expect(try app.listBackups(store: "crm").first?.shreddedAt != nil)
    let later = try app.requestErasure(
        identifier: "alan@example.net", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    #expect(!later.parts.contains { $0.action == .suppress })
}

@Test func anEncryptedBackupIsShreddedNotAttested() throws {
    let (installation, backup) = try installationWithBackup()
    let app = installation.app
    _ = try app.encryptBackup(id: backup.id, output: backup.file + ".lethe", actor: "ops")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    do {
        _ = try app.attestErasure(
            id: request.request.id, store: "crm", backup: backup.id, notes: "x", evidence: nil, actor: "dpo")
        Issue.record("an encrypted backup's part was attested")
    } catch {
        #expect(error.message.contains("lethe backup shred \(backup.id)"), "\(error)")
    }
    #expect(try app.erasureDetails(id: request.request.id).parts.first { $0.action == .suppress }?.state == "pending")
}
