import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@Test func aRestoredSubjectIsRaisedByReverificationAndClearedByReapply() throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let backupCopy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: backupCopy)
    if FileManager.default.fileExists(atPath: crm + "-wal") {
        try FileManager.default.copyItem(atPath: crm + "-wal", toPath: backupCopy + "-wal")
    }
    _ = try app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    _ = try app.scanStore(name: "crm", actor: "dpo")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    #expect(
        try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")[0].part.state == "done")

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

    let reapplied = try app.reapplyErasures(store: "crm", actor: "dba")
    #expect(reapplied.subjects == 1)
    #expect(reapplied.subjectRowsFound == 1)
    #expect(reapplied.cleared == 1)
    #expect(try !app.verifyDue(policies: testPolicies, actor: "timer").needsAttention)
    #expect(try app.erasureDetails(id: request.request.id).parts[0].state == "done")
}
