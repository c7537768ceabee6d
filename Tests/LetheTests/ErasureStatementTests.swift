import Foundation
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@Test func theErasureReportSaysABackupIsGoneOnlyOnceItIsDestroyedAndShowsItOverdueAsBackupListDoes() throws {
    // Given a request completed at once under backup_erasure: suppress, with a backup expiring in 35 days.
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let copy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: copy)
    _ = try app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    _ = try app.scanStore(name: "crm", actor: "dpo")
    let backup = try app.registerBackup(
        store: "crm", file: copy, created: installation.clock.now,
        expires: installation.clock.now.addingTimeInterval(35 * 86_400), policies: nil, actor: "ops")
    _ = try app.encryptBackup(id: backup.id, output: copy + ".lethe", actor: "ops")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    _ = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")

    func backupEntry() throws -> JSONValue {
        let parts = try app.erasureReport(id: request.request.id).body["parts"]?.arrayValue ?? []
        return parts.first(where: { $0["action"]?.stringValue == "suppress" }) ?? .null
    }
    func listedState() throws -> String? {
        let listed = try app.listBackups().first(where: { $0.id == backup.id })
        return listed?.destructionState(at: app.currentTime).rawValue
    }

    // While it is kept: not gone, kept until its expiry.
    var entry = try backupEntry()
    #expect(entry["final_at"] == nil)
    #expect(entry["backup_state"]?.stringValue == "encrypted")
    #expect(entry["kept_until"]?.stringValue == RFC3339.format(try #require(backup.expiresAt)))
    #expect(
        try app.erasureReport(id: request.request.id).body["statement"]?.stringValue?.contains("still holds") == true)

    // When its expiry and its destruction deadline pass without a shredding.
    installation.clock.advance(36 * 86_400)
    _ = try app.runSchedule(policies: testPolicies, actor: "scheduler")
    installation.clock.advance(30 * 86_400)

    // Then the report shows it overdue, the state backup list computes, and claims no final date.
    entry = try backupEntry()
    #expect(try listedState() == "destruction-overdue")
    #expect(entry["backup_state"]?.stringValue == (try listedState()))
    #expect(entry["final_at"] == nil)
    let statement = try app.erasureReport(id: request.request.id).body["statement"]?.stringValue ?? ""
    #expect(!statement.contains("is gone"), "\(statement)")

    // Once shredded, its final date is the shredding.
    _ = try app.shredBackup(id: backup.id, actor: "ops")
    entry = try backupEntry()
    #expect(entry["backup_state"]?.stringValue == "shredded")
    #expect(entry["final_at"]?.stringValue == RFC3339.format(installation.clock.now))
}

@Test func scanFileFindsByDefaultWhatErasureRunWouldInAnyCaseAndInUTF16() throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    _ = try app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    let list = installation.root.write("erased.txt", "ada@example.com\r\n")
    // A restored backup holding the address as the customer typed it, in UTF-8 and in UTF-16LE.
    var bytes = Data("id,email\n1,Ada@Example.com\n".utf8)
    bytes += Data("Ada@Example.com".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    let restored = installation.root.file("restored.bin")
    try bytes.write(to: URL(fileURLWithPath: restored))

    let byDefault = try app.scanFilesForResidue(files: [restored], identifiersFile: list)
    #expect(byDefault.report.totalMatches == 2)
    #expect(Set(byDefault.report.matches.map(\.encoding)) == [.utf8, .utf16LE])
    // The crm store's rule (lowercase-trim) is case-insensitive: the same.
    let byStore = try app.scanFilesForResidue(files: [restored], identifiersFile: list, store: "crm")
    #expect(byStore.report.totalMatches == 2)
    // Narrowed on request only.
    let narrow = try app.scanFilesForResidue(
        files: [restored], identifiersFile: list, encodings: [.utf8], caseInsensitive: false)
    #expect(narrow.report.clean)
}
