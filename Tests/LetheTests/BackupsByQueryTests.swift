import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// An installation with the CRM store (Ada, Grace, Alan) applied but not scanned.
private func crmInstallation() throws -> TestInstallation {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    _ = try installation.app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    return installation
}

private func register(_ installation: TestInstallation, _ name: String) throws -> BackupRecord {
    let copy = installation.root.write(name, "backup bytes")
    return try installation.app.registerBackup(
        store: "crm", file: copy, created: installation.clock.now, expires: nil, policies: nil, actor: "ops")
}

@Test func aBackupRegisteredBeforeASubjectsHoldingWasRecordedDoesNotListIt() throws {
    let installation = try crmInstallation()
    let app = installation.app
    _ = try app.scanStore(name: "crm", actor: "dpo")
    let early = try register(installation, "early.sqlite")
    #expect(early.subjectCount == 3)
    installation.clock.advance(60)
    _ = try app.importHoldings(
        file: installation.root.write("h.csv", "identifier,store\nlate@example.com,crm\n"), actor: "dpo")
    installation.clock.advance(60)
    let later = try register(installation, "later.sqlite")
    #expect(later.subjectCount == 4)
    #expect(try app.listBackups(store: "crm").map(\.subjectCount) == [3, 4])

    let late = try app.requestErasure(
        identifier: "late@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    #expect(late.parts.map(\.action) == [.execute, .suppress])
    #expect(late.parts.compactMap(\.backupID) == [later.id])
    let grace = try app.requestErasure(
        identifier: "grace@example.org", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    #expect(grace.parts.compactMap(\.backupID) == [early.id, later.id])
}

@Test func anErasedSubjectStaysInTheBackupsThatHeldItEvenWhenRecordedAgain() throws {
    let installation = try crmInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    let saved = installation.root.file("crm-saved.sqlite")
    _ = try app.scanStore(name: "crm", actor: "dpo")
    try FileManager.default.copyItem(atPath: crm, toPath: saved)
    installation.clock.advance(60)
    let before = try register(installation, "before.sqlite")

    installation.clock.advance(60)
    let first = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    #expect(first.parts.compactMap(\.backupID) == [before.id])
    #expect(
        try app.runErasure(id: first.request.id, identifier: "ada@example.com", actor: "dpo")[0].part.state == "done")
    #expect(try app.listStores().first { $0.declaration.name == "crm" }?.holdings == 2, "Ada is no longer held")

    installation.clock.advance(60)
    let whileErased = try register(installation, "while-erased.sqlite")
    #expect(whileErased.subjectCount == 2)
    // A second request while Ada is erased: no live part, but the backup made before still holds her.
    let second = try app.requestErasure(
        identifier: "ada@example.com", reason: .objection, policies: testPolicies, actor: "dpo")
    #expect(second.parts.map(\.action) == [.suppress])
    #expect(second.parts.compactMap(\.backupID) == [before.id])

    // A restore brings her back and a scan records her again, later than the first backup.
    installation.clock.advance(60)
    try FileManager.default.removeItem(atPath: crm)
    try FileManager.default.copyItem(atPath: saved, toPath: crm)
    #expect(try app.scanStore(name: "crm", actor: "dpo").added == 1)
    let third = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    #expect(third.parts.first?.action == .execute)
    // Never fewer than before: the backup made before the erasure still holds her (the one made
    // while she was erased is listed too: the query errs toward "holds").
    #expect(third.parts.compactMap(\.backupID).contains(before.id))
    #expect(third.parts.compactMap(\.backupID) == [before.id, whileErased.id])
}
