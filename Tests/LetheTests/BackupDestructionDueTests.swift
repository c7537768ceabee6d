import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

/// An installation with the CRM store scanned and one plain backup of it, expiring in 35 days.
private func installationWithPlainBackup() async throws -> (TestInstallation, BackupRecord) {
    let (installation, _) = try await installationWithCRM()
    _ = try await installation.app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    let backup = try await installation.app.backups.register(
        store: "crm", file: installation.root.file("crm-backup.sqlite"), created: installation.clock.now,
        expires: installation.clock.now.addingTimeInterval(35 * 86_400), policies: nil, by: .dataOfficer("ops")
    ).backup
    return (installation, backup)
}

@Test func anExpiredBackupsDestructionIsDueAfterThePolicysDeadlineAndRaisedByVerifyWhenPastIt() async throws {
    let (installation, backup) = try await installationWithPlainBackup()
    let app = installation.app
    let expiry = try #require(backup.expiresAt)
    installation.clock.advance(36 * 86_400)
    let scheduled = try app.scheduleBackupDestructions(deadline: ISODuration(days: 3), actor: "timer")
    #expect(scheduled.map(\.destructionDueAt) == [expiry.addingTimeInterval(3 * 86_400)])
    #expect(try app.overdueBackupDestructions().isEmpty, "due two days from now")
    #expect(try !app.verifyDue(policies: testPolicies, actor: "timer").needsAttention)

    installation.clock.advance(3 * 86_400)
    #expect(try app.overdueBackupDestructions().map(\.id) == [backup.id])
    let run = try app.verifyDue(policies: testPolicies, actor: "timer")
    #expect(run.overdueBackups.map(\.id) == [backup.id])
    #expect(run.needsAttention, "verify --due exits non-zero")

    // Its medium was shredded by a vendor: recorded, and no longer overdue.
    let evidence = installation.root.write("certificate.txt", "Acme certificate 7781")
    let destroyed = try await app.backups.attestDestroyed(
        backup.id, notes: "Acme shredded tape T-9, certificate 7781",
        evidence: AttestationEvidence(name: evidence, bytes: Data(contentsOf: URL(fileURLWithPath: evidence))),
        by: .dataOfficer("ops")
    ).backup
    #expect(destroyed.shreddedAt != nil)
    #expect(try app.overdueBackupDestructions().isEmpty)
    #expect(try !app.verifyDue(policies: testPolicies, actor: "timer").needsAttention)
    let events = try await app.store.read { (tx) throws(LetheError) in try tx.events(fromSeq: 1, limit: 1_000) }
        .filter { $0.type == .backupShredded }
    #expect(events.last?.payload["evidence"]?["file"] == "certificate.txt")
    #expect(events.last?.payload["method"] == "media destroyed (attested)")
}

@Test func attestingABackupsDestructionNeedsNotesAPlainBackupAndOnlyOnce() async throws {
    let (installation, backup) = try await installationWithPlainBackup()
    let app = installation.app
    await #expect(throws: LetheError.self) {
        try await app.backups.attestDestroyed(backup.id, notes: "  ", evidence: nil, by: .dataOfficer("ops")).backup
    }
    #expect(
        try await app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup).first?.shreddedAt == nil,
        "nothing recorded by a refused attestation")
    _ = try await app.backups.attestDestroyed(
        backup.id, notes: "file deleted by ops, ticket 12", evidence: nil, by: .dataOfficer("ops")
    ).backup
    do {
        _ = try await app.backups.attestDestroyed(backup.id, notes: "again", evidence: nil, by: .dataOfficer("ops"))
            .backup
        Issue.record("a destroyed backup was attested twice")
    } catch {
        #expect(error.message.contains("destroyed already"))
    }
    let encrypted = try await app.backups.register(
        store: "crm", file: installation.root.file("crm-backup-2.sqlite"), created: installation.clock.now,
        expires: nil, policies: nil, by: .dataOfficer("ops")
    ).backup
    try FileManager.default.copyItem(atPath: installation.root.file("crm.sqlite"), toPath: encrypted.file)
    _ = try await app.backups.encrypt(encrypted.id, output: encrypted.file + ".lethe", by: .dataOfficer("ops")).backup
    do {
        _ = try await app.backups.attestDestroyed(
            encrypted.id, notes: "deleted", evidence: nil, by: .dataOfficer("ops")
        ).backup
        Issue.record("an encrypted backup was attested instead of shredded")
    } catch {
        #expect(error.message.contains("lethe backup shred \(encrypted.id)"))
    }
}
