import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

@Test func aRestoredSubjectIsRaisedByReverificationAndClearedByReapply() async throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let backupCopy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: backupCopy)
    if FileManager.default.fileExists(atPath: crm + "-wal") {
        try FileManager.default.copyItem(atPath: crm + "-wal", toPath: backupCopy + "-wal")
    }
    _ = try await app.erasure.applyDataMap(
        file: installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo")
    ).stores
    _ = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(
        try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts[0]
            .part.state == .done)

    // Not due yet: nothing checked.
    #expect(try app.verifyErasures(policies: testPolicies, actor: "timer").passed.isEmpty)
    // Due after the interval, and clean.
    installation.clock.advance(91 * 86_400)
    #expect(try app.verifyErasures(policies: testPolicies, actor: "timer").passed.count == 1)

    // The backup is restored: the subject is back, and the next due check raises it.
    try FileManager.default.removeItem(atPath: crm)
    try? FileManager.default.removeItem(atPath: crm + "-wal")
    try? FileManager.default.removeItem(atPath: crm + "-shm")
    try FileManager.default.copyItem(atPath: backupCopy, toPath: crm)
    installation.clock.advance(91 * 86_400)
    let due = try app.verifyDue(policies: testPolicies, actor: "timer")
    #expect(due.erasures.refound.count == 1)
    #expect(due.needsAttention)
    // Still raised on the next run, before the interval passes again.
    #expect(try app.verifyErasures(policies: testPolicies, actor: "timer").refound.count == 1)

    let reapplied = try await app.erasure.reapply(store: "crm", by: .dataOfficer("dba"))
    #expect(reapplied.subjects == 1)
    #expect(reapplied.subjectRowsFound == 1)
    #expect(reapplied.cleared == 1)
    #expect(try !app.verifyDue(policies: testPolicies, actor: "timer").needsAttention)
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).parts[0].state == .done)
}
