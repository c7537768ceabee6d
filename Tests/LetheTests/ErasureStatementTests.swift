import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

@Test func theErasureReportSaysABackupIsGoneOnlyOnceItIsDestroyedAndShowsItOverdueAsBackupListDoes() async throws {
    // Given a request completed at once under backup_erasure: suppress, with a backup expiring in 35 days.
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
    let backup = try await app.backups.register(
        store: "crm", file: copy, created: installation.clock.now,
        expires: installation.clock.now.addingTimeInterval(35 * 86_400), policies: nil, by: .dataOfficer("ops")
    ).backup
    _ = try await app.backups.encrypt(backup.id, output: copy + ".lethe", by: .dataOfficer("ops")).backup
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    _ = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts

    func backupEntry() async throws -> JSONValue {
        let parts =
            try await app.erasure.report(request.request.id, by: .dataOfficer("reader")).body["parts"]?.arrayValue ?? []
        return parts.first(where: { $0["action"]?.stringValue == "suppress" }) ?? .null
    }
    func listedState() async throws -> String? {
        let listed = try await app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup).first(where: {
            $0.id == backup.id
        })
        return listed?.destructionState(at: app.currentTime).rawValue
    }

    // While it is kept: not gone, kept until its expiry.
    var entry = try await backupEntry()
    #expect(entry["final_at"] == nil)
    #expect(entry["backup_state"]?.stringValue == "encrypted")
    #expect(entry["kept_until"]?.stringValue == RFC3339.format(try #require(backup.expiresAt)))
    #expect(
        try await app.erasure.report(request.request.id, by: .dataOfficer("reader")).body["statement"]?.stringValue?
            .contains("still holds") == true)

    // When its expiry and its destruction deadline pass without a shredding.
    installation.clock.advance(36 * 86_400)
    _ = try app.runSchedule(policies: testPolicies, actor: "scheduler")
    installation.clock.advance(30 * 86_400)

    // Then the report shows it overdue, the state backup list computes, and claims no final date.
    entry = try await backupEntry()
    #expect(try await listedState() == "destruction-overdue")
    #expect(entry["backup_state"]?.stringValue == (try await listedState()))
    #expect(entry["final_at"] == nil)
    let statement =
        try await app.erasure.report(request.request.id, by: .dataOfficer("reader")).body["statement"]?.stringValue
        ?? ""
    #expect(!statement.contains("is gone"), "\(statement)")

    // Once shredded, its final date is the shredding.
    _ = try await app.backups.shred(backup.id, by: .dataOfficer("ops")).backup
    entry = try await backupEntry()
    #expect(entry["backup_state"]?.stringValue == "shredded")
    #expect(entry["final_at"]?.stringValue == RFC3339.format(installation.clock.now))
}

@Test func scanFileFindsByDefaultWhatErasureRunWouldInAnyCaseAndInUTF16() async throws {
    let (installation, _) = try await installationWithCRM()
    let app = installation.app
    let list = installation.root.write("erased.txt", "ada@example.com\r\n")
    // A restored backup holding the address as the customer typed it, in UTF-8 and in UTF-16LE.
    var bytes = Data("id,email\n1,Ada@Example.com\n".utf8)
    bytes += Data("Ada@Example.com".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    let restored = installation.root.file("restored.bin")
    try bytes.write(to: URL(fileURLWithPath: restored))

    let byDefault = try await app.erasure.scanFiles([restored], identifiersFile: list, by: .dataOfficer("reader"))
    #expect(byDefault.report.totalMatches == 2)
    #expect(Set(byDefault.report.matches.map(\.encoding)) == [.utf8, .utf16LE])
    // The crm store's rule (lowercase-trim) is case-insensitive: the same.
    let byStore = try await app.erasure.scanFiles(
        [restored], identifiersFile: list, store: "crm", by: .dataOfficer("reader"))
    #expect(byStore.report.totalMatches == 2)
    // Narrowed on request only.
    let narrow = try await app.erasure.scanFiles(
        [restored], identifiers: ErasureService.identifiers(fromList: Data(contentsOf: URL(fileURLWithPath: list))),
        encodings: [.utf8], caseInsensitive: false, by: .dataOfficer("reader"))
    #expect(narrow.report.clean)
}

@Test func theSignedStatementNeverCallsDeclaredResidueDestroyed() {
    func statement(snapshots: Int = 0, notDestroyed: Int = 0, rolling: Int = 0, agingOut: Int = 0) -> String {
        LetheApp.statement(
            parts: 1 + snapshots + rolling, complete: true, snapshotParts: snapshots,
            backupsNotDestroyed: notDestroyed, rollingParts: rolling, archivesNotAgedOut: agingOut)
    }
    // An archive past its declared retention (backup_erasure: shred) and a replica attested: neither
    // is called destroyed, and the statement says Lethe did not observe them
    for text in [statement(rolling: 1), statement(rolling: 2)] {
        #expect(!text.contains("destroyed"), "\(text)")
        #expect(text.contains("not observed by Lethe"), "\(text)")
    }
    // An archive still inside its retention is counted as holding the data
    #expect(statement(rolling: 1, agingOut: 1).contains("1 declared archive or dump still holds the data"))
    // Snapshot backups: destroyed only when every one is recorded destroyed
    #expect(statement(snapshots: 1).contains("every backup that held the data is destroyed"))
    #expect(statement(snapshots: 2, notDestroyed: 1).contains("1 backup still holds the data"))
    #expect(!statement(snapshots: 2, notDestroyed: 1).contains("is destroyed"))
    // Without any backup, nothing is said of backups
    #expect(!statement().contains("backup"))
}
