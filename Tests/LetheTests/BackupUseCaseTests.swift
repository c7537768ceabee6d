import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

@Test func aBackupIsSuppressedEncryptedShreddedAndThenRefusesDecryption() async throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let copy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: copy)
    _ = try await app.erasure.applyDataMap(
        file: installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo")
    ).stores
    _ = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    let created = installation.clock.now
    let expires = created.addingTimeInterval(35 * 86_400)
    let backup = try await app.backups.register(
        store: "crm", file: copy, created: created, expires: expires, policies: nil, by: .dataOfficer("ops")
    ).backup

    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    let suppress = try #require(request.parts.first { $0.action == .suppress })
    #expect(suppress.backupID == backup.id)
    #expect(suppress.finalAt == RFC3339Date.round(expires))

    let encrypted = try await app.backups.encrypt(backup.id, output: copy + ".lethe", by: .dataOfficer("ops")).backup
    let sealed = try #require(encrypted.sealedKey)
    let restored = installation.root.file("restored.sqlite")
    #expect(try await app.backups.decrypt(backup.id, output: restored, by: .dataOfficer("reader")).bytes > 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: restored)) == Data(contentsOf: URL(fileURLWithPath: copy)))

    #expect(try app.scheduleBackupDestructions(actor: "timer").isEmpty)
    installation.clock.advance(36 * 86_400)
    #expect(try app.scheduleBackupDestructions(actor: "timer").map(\.id) == [backup.id])
    #expect(try app.scheduleBackupDestructions(actor: "timer").isEmpty, "scheduled once")

    let shredded = try await app.backups.shred(backup.id, by: .dataOfficer("ops")).backup
    #expect(shredded.sealedKey == nil && shredded.shreddedAt != nil)
    do {
        _ = try await app.backups.decrypt(
            backup.id, output: installation.root.file("again.sqlite"), by: .dataOfficer("reader"))
        Issue.record("a shredded backup was decrypted")
    } catch {
        #expect(error.message.contains("shredded"), "\(error)")
    }
    #expect(!FileManager.default.fileExists(atPath: installation.root.file("again.sqlite")))
    let database = try Data(contentsOf: URL(fileURLWithPath: installation.dataDirectory.databasePath))
    #expect(database.range(of: Data(sealed.prefix(24))) == nil, "the sealed key is still in lethe.sqlite")
    // A new request no longer plans a suppression for the shredded backup.
    let later = try await app.erasure.request(
        identifier: "grace@example.org", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(!later.parts.contains { $0.action == .suppress })
}

enum RFC3339Date {
    static func round(_ date: Date) -> Date { Date(timeIntervalSince1970: floor(date.timeIntervalSince1970)) }
}
