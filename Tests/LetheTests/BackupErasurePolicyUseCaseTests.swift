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
private func installationWithBackup() async throws -> (TestInstallation, BackupRecord) {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let copy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: copy)
    _ = try await installation.app.erasure.applyDataMap(
        file: installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo")
    ).stores
    _ = try await installation.app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    let backup = try await installation.app.backups.register(
        store: "crm", file: copy, created: installation.clock.now,
        expires: installation.clock.now.addingTimeInterval(35 * 86_400), policies: nil, by: .dataOfficer("ops")
    ).backup
    return (installation, backup)
}

@Test func withBackupErasureShredABackupsPartWaitsForTheShreddingWhichCompletesTheRequest() async throws {
    let (installation, backup) = try await installationWithBackup()
    let app = installation.app
    _ = try await app.backups.encrypt(backup.id, output: backup.file + ".lethe", by: .dataOfficer("ops")).backup
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    let part = try #require(request.parts.first { $0.action == .suppress })
    #expect(part.state == .pending)
    #expect(part.finalAt == nil)
    // Facts, not CLI wording: the front end renders "run 'lethe backup shred N'" from them.
    #expect(part.outcome["waiting_for"] == "backup-destruction" && part.outcome["method"] == "crypto-erase")
    #expect(part.outcome["backup"] == .integer(backup.id) && part.outcome["note"] == nil)
    // Suppressed meanwhile: a reapply after a restore looks for the subject.
    let runs = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo"))
        .parts
    #expect(runs.map(\.part.state) == [.done])
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .open)

    installation.clock.advance(3600)
    _ = try await app.backups.shred(backup.id, by: .dataOfficer("ops")).backup
    let details = try await app.erasure.details(request.request.id, by: .dataOfficer("reader"))
    let ended = try #require(details.parts.first { $0.action == .suppress })
    #expect(ended.state == .done)
    #expect(ended.finalAt == RFC3339Date.round(installation.clock.now))
    #expect(ended.outcome["backup_shredded_at"] != nil)
    #expect(details.request.state == .completed)
}

@Test func theDefaultSuppressCompletesAtOnceAndAShreddingMovesTheFinalDateForward() async throws {
    let (installation, backup) = try await installationWithBackup()
    let app = installation.app
    _ = try await app.backups.encrypt(backup.id, output: backup.file + ".lethe", by: .dataOfficer("ops")).backup
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    let part = try #require(request.parts.first { $0.action == .suppress })
    #expect(part.state == .done)
    #expect(part.finalAt == backup.expiresAt.map(RFC3339Date.round))
    installation.clock.advance(3600)
    _ = try await app.backups.shred(backup.id, by: .dataOfficer("ops")).backup
    let after = try await #require(
        try app.erasure.details(request.request.id, by: .dataOfficer("reader")).parts.first { $0.action == .suppress })
    #expect(after.finalAt == RFC3339Date.round(installation.clock.now))
}

@Test func anUnencryptedBackupsShredPartIsDoneByAttestingItsDestruction() async throws {
    let (installation, backup) = try await installationWithBackup()
    let app = installation.app
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    let part = try #require(request.parts.first { $0.action == .suppress })
    #expect(part.state == .pending)
    #expect(part.outcome["method"] == "media-destruction" && part.outcome["backup"] == .integer(backup.id))
    await #expect(throws: LetheError.self) {
        try await app.erasure.attest(
            request.request.id, store: "crm", backup: backup.id + 1, notes: "x", evidence: nil, by: .dataOfficer("dpo")
        ).part
    }
    _ = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts
    // A second request waits for the same backup.
    let grace = try await app.erasure.request(
        identifier: "grace@example.org", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    _ = try await app.erasure.run(grace.request.id, identifier: "grace@example.org", by: .dataOfficer("dpo")).parts
    #expect(try await app.erasure.details(grace.request.id, by: .dataOfficer("reader")).request.state == .open)

    let attested = try await app.erasure.attest(
        request.request.id, store: "crm", backup: backup.id, notes: "tape destroyed, certificate 77",
        evidence: nil, by: .dataOfficer("dpo")
    ).part
    #expect(attested.state == .done)
    #expect(attested.finalAt != nil)
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .completed)
    // The backup is gone for every request, and no later one plans a part for it.
    #expect(try await app.erasure.details(grace.request.id, by: .dataOfficer("reader")).request.state == .completed)
    #expect(
        try await app.backups.list(store: "crm", by: .dataOfficer("reader")).backups.map(\.backup).first?.shreddedAt
            != nil)
    let later = try await app.erasure.request(
        identifier: "alan@example.net", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    #expect(!later.parts.contains { $0.action == .suppress })
}

@Test func anEncryptedBackupIsShreddedNotAttested() async throws {
    let (installation, backup) = try await installationWithBackup()
    let app = installation.app
    _ = try await app.backups.encrypt(backup.id, output: backup.file + ".lethe", by: .dataOfficer("ops")).backup
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    do {
        _ = try await app.erasure.attest(
            request.request.id, store: "crm", backup: backup.id, notes: "x", evidence: nil, by: .dataOfficer("dpo")
        ).part
        Issue.record("an encrypted backup's part was attested")
    } catch {
        #expect(error.message.contains("lethe backup shred \(backup.id)"), "\(error)")
    }
    #expect(
        try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).parts.first {
            $0.action == .suppress
        }?.state == .pending)
}
