import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@Test func aBackupIsSuppressedEncryptedShreddedAndThenRefusesDecryption() throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let copy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: copy)
    _ = try app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    _ = try app.scanStore(name: "crm", actor: "dpo")
    let created = installation.clock.now
    let expires = created.addingTimeInterval(35 * 86_400)
    let backup = try app.registerBackup(
        store: "crm", file: copy, created: created, expires: expires, policies: nil, actor: "ops")

    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    let suppress = try #require(request.parts.first { $0.action == .suppress })
    #expect(suppress.backupID == backup.id)
    #expect(suppress.finalAt == RFC3339Date.round(expires))

    let encrypted = try app.encryptBackup(id: backup.id, output: copy + ".lethe", actor: "ops")
    let sealed = try #require(encrypted.sealedKey)
    let restored = installation.root.file("restored.sqlite")
    #expect(try app.decryptBackup(id: backup.id, output: restored) > 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: restored)) == Data(contentsOf: URL(fileURLWithPath: copy)))

    #expect(try app.scheduleBackupDestructions(actor: "timer").isEmpty)
    installation.clock.advance(36 * 86_400)
    #expect(try app.scheduleBackupDestructions(actor: "timer").map(\.id) == [backup.id])
    #expect(try app.scheduleBackupDestructions(actor: "timer").isEmpty, "scheduled once")

    let shredded = try app.shredBackup(id: backup.id, actor: "ops")
    #expect(shredded.sealedKey == nil && shredded.shreddedAt != nil)
    do {
        _ = try app.decryptBackup(id: backup.id, output: installation.root.file("again.sqlite"))
        Issue.record("a shredded backup was decrypted")
    } catch {
        #expect(error.message.contains("shredded"), "\(error)")
    }
    #expect(!FileManager.default.fileExists(atPath: installation.root.file("again.sqlite")))
    let database = try Data(contentsOf: URL(fileURLWithPath: installation.dataDirectory.databasePath))
    #expect(database.range(of: Data(sealed.prefix(24))) == nil, "the sealed key is still in lethe.sqlite")
    // A new request no longer plans a suppression for the shredded backup.
    let later = try app.requestErasure(
        identifier: "grace@example.org", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    #expect(!later.parts.contains { $0.action == .suppress })
}

enum RFC3339Date {
    static func round(_ date: Date) -> Date { Date(timeIntervalSince1970: floor(date.timeIntervalSince1970)) }
}
