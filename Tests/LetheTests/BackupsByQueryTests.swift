import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// An installation with the CRM store (Ada, Grace, Alan) applied but not scanned.
private func crmInstallation() async throws -> TestInstallation { try await installationWithCRM().installation }

private func register(_ installation: TestInstallation, _ name: String) async throws -> BackupRecord {
    let copy = installation.root.write(name, "backup bytes")
    return try await installation.app.backups.register(
        store: "crm", file: copy, created: installation.clock.now, expires: nil, policies: nil, by: .dataOfficer("ops")
    ).backup
}

@Test func aBackupRegisteredBeforeASubjectsHoldingWasRecordedDoesNotListIt() async throws {
    let installation = try await crmInstallation()
    let app = installation.app
    _ = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    let early = try await register(installation, "early.sqlite")
    #expect(early.subjectCount == 3)
    installation.clock.advance(60)
    _ = try await app.erasure.importHoldings(
        file: installation.root.write("h.csv", "identifier,store\nlate@example.com,crm\n"), by: .dataOfficer("dpo"))
    installation.clock.advance(60)
    let later = try await register(installation, "later.sqlite")
    #expect(later.subjectCount == 4)
    #expect(
        try await app.backups.list(store: "crm", by: .dataOfficer("reader")).backups.map(\.backup).map(\.subjectCount)
            == [3, 4])

    let late = try await app.erasure.request(
        identifier: "late@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(late.parts.map(\.action) == [.execute, .suppress])
    #expect(late.parts.compactMap(\.backupID) == [later.id])
    let grace = try await app.erasure.request(
        identifier: "grace@example.org", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(grace.parts.compactMap(\.backupID) == [early.id, later.id])
}

@Test func anErasedSubjectStaysInTheBackupsThatHeldItEvenWhenRecordedAgain() async throws {
    let installation = try await crmInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    let saved = installation.root.file("crm-saved.sqlite")
    _ = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    try FileManager.default.copyItem(atPath: crm, toPath: saved)
    installation.clock.advance(60)
    let before = try await register(installation, "before.sqlite")

    installation.clock.advance(60)
    let first = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(first.parts.compactMap(\.backupID) == [before.id])
    #expect(
        try await app.erasure.run(first.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts[0]
            .part.state == .done)
    #expect(
        try await app.erasure.listStores(by: .dataOfficer("reader")).stores.first { $0.declaration.name == "crm" }?
            .holdings == 2, "Ada is no longer held")

    installation.clock.advance(60)
    let whileErased = try await register(installation, "while-erased.sqlite")
    #expect(whileErased.subjectCount == 2)
    // A second request while Ada is erased: no live part, but the backup made before still holds her.
    let second = try await app.erasure.request(
        identifier: "ada@example.com", reason: .objection, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(second.parts.map(\.action) == [.suppress])
    #expect(second.parts.compactMap(\.backupID) == [before.id])

    // A restore brings her back and a scan records her again, later than the first backup.
    installation.clock.advance(60)
    try FileManager.default.removeItem(atPath: crm)
    try FileManager.default.copyItem(atPath: saved, toPath: crm)
    #expect(try await app.erasure.scanStore("crm", by: .dataOfficer("dpo")).added == 1)
    let third = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(third.parts.first?.action == .execute)
    // Never fewer than before: the backup made before the erasure still holds her (the one made
    // while she was erased is listed too: the query errs toward "holds").
    #expect(third.parts.compactMap(\.backupID).contains(before.id))
    #expect(third.parts.compactMap(\.backupID) == [before.id, whileErased.id])
}
