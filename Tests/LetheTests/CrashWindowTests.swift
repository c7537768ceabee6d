import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// A store standing for a process killed after `commits` write transactions: every later write
/// fails before it begins, as if the process had died between two transactions.
private final class CrashingStore: LetheStorage, @unchecked Sendable {
    private let inner: any LetheStorage
    private let lock = NSLock()
    private var remaining: Int

    init(_ inner: any LetheStorage, commits: Int) {
        self.inner = inner
        remaining = commits
    }

    func read<T>(_ body: (any StoreReading) throws(LetheError) -> T) throws(LetheError) -> T {
        try inner.read(body)
    }

    func write<T>(dryRun: Bool, _ body: (any StoreWriting) throws(LetheError) -> T) throws(LetheError) -> T {
        guard takeCommit() else { throw LetheError(.internal, "simulated crash before this transaction") }
        return try inner.write(dryRun: dryRun, body)
    }

    func read<T: Sendable>(_ body: @Sendable (any StoreReading) throws(LetheError) -> T) async throws(LetheError) -> T {
        try await inner.read(body)
    }

    func write<T: Sendable>(
        dryRun: Bool, _ body: @Sendable (any StoreWriting) throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        guard takeCommit() else { throw LetheError(.internal, "simulated crash before this transaction") }
        return try await inner.write(dryRun: dryRun, body)
    }

    private func takeCommit() -> Bool {
        lock.withLock {
            remaining -= 1
            return remaining >= 0
        }
    }
}

/// The installation's application over a store that dies after `commits` transactions.
private func crashing(_ installation: TestInstallation, after commits: Int) -> LetheApp {
    let clock = installation.clock
    return LetheApp(
        store: CrashingStore(installation.app.store, commits: commits), dataDirectory: installation.dataDirectory,
        clock: { clock.now })
}

/// An installation with the CRM store scanned and one backup of it (expiring in 35 days) registered.
private func installationWithBackup() throws -> (TestInstallation, BackupRecord, crm: String) {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let copy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: copy)
    _ = try installation.app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    _ = try installation.app.scanStore(name: "crm", actor: "dpo")
    let backup = try installation.app.registerBackup(
        store: "crm", file: copy, created: installation.clock.now,
        expires: installation.clock.now.addingTimeInterval(35 * 86_400), policies: nil, actor: "ops")
    return (installation, backup, crm)
}

@Test func aShreddingThatEndsTheLastPartCompletesTheRequestInTheSameTransaction() throws {
    // Given a request whose only open part waits for backup 1 to be shredded.
    let (installation, backup, _) = try installationWithBackup()
    let app = installation.app
    _ = try app.encryptBackup(id: backup.id, output: backup.file + ".lethe", actor: "ops")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    _ = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    #expect(try app.erasureDetails(id: request.request.id).request.state == "open")

    // When the process dies right after the shredding's first transaction commits.
    _ = try? crashing(installation, after: 1).shredBackup(id: backup.id, actor: "ops")

    // Then the backup is shredded and the request is completed: there was no second transaction to lose.
    #expect(try app.listBackups(store: "crm").first?.shreddedAt != nil)
    let details = try app.erasureDetails(id: request.request.id)
    #expect(details.parts.allSatisfy { $0.state == "done" })
    #expect(details.request.state == "completed")
}

@Test func anAttestationThatEndsTheLastPartsCompletesEveryRequestInTheSameTransaction() throws {
    let (installation, backup, _) = try installationWithBackup()
    let app = installation.app
    let ada = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    _ = try app.runErasure(id: ada.request.id, identifier: "ada@example.com", actor: "dpo")
    let grace = try app.requestErasure(
        identifier: "grace@example.org", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    _ = try app.runErasure(id: grace.request.id, identifier: "grace@example.org", actor: "dpo")

    _ = try? crashing(installation, after: 1).attestErasure(
        id: ada.request.id, store: "crm", backup: backup.id, notes: "tape destroyed, certificate 77", evidence: nil,
        actor: "dpo")

    #expect(try app.erasureDetails(id: ada.request.id).request.state == "completed")
    #expect(try app.erasureDetails(id: grace.request.id).request.state == "completed")
}

@Test func scheduleCompletesARequestThatACrashLeftOpenWithEveryPartDone() async throws {
    // Given a completed request put back to what a crash of an older Lethe left: all parts done, still open.
    let (installation, backup, _) = try installationWithBackup()
    let app = installation.app
    _ = try app.encryptBackup(id: backup.id, output: backup.file + ".lethe", actor: "ops")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, actor: "dpo")
    _ = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    _ = try app.shredBackup(id: backup.id, actor: "ops")
    try installation.rawSQL(
        "UPDATE erasure_request SET state = 'open', completed_at = NULL WHERE id = \(request.request.id)")
    #expect(try app.erasureDetails(id: request.request.id).request.state == "open")

    // When the next schedule runs.
    installation.clock.advance(60)
    let run = try await app.jobs.schedule(policies: testPolicies, by: .scheduler)

    // Then it completes the request, once.
    #expect(run.completedRequests == [request.request.id])
    let details = try app.erasureDetails(id: request.request.id)
    #expect(details.request.state == "completed")
    #expect(details.request.completedAt == RFC3339Date.round(installation.clock.now))
    #expect(try await app.jobs.schedule(policies: testPolicies, by: .scheduler).completedRequests.isEmpty)
}

@Test func anErasureRunKilledBetweenTheCustomerDatabaseAndItsRecordIsRepairedByTheNextRun() throws {
    let (installation, _, crm) = try installationWithBackup()
    let app = installation.app
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")

    // When the executor erases the customer's database and the process dies before Lethe records it.
    #expect(throws: LetheError.self) {
        try crashing(installation, after: 0).runErasure(
            id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    }
    let bytes = try Data(contentsOf: URL(fileURLWithPath: crm))
    #expect(bytes.range(of: Data("ada@example.com".utf8)) == nil, "the engine ran before the crash")
    #expect(try app.erasureDetails(id: request.request.id).request.state == "open")

    // Then the next run finds nothing left, records the part done and completes the request.
    let outcomes = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    #expect(outcomes.map(\.part.state) == ["done"])
    #expect(outcomes.first?.part.outcome["query_check_remaining_rows"]?.integerValue == 0)
    #expect(try app.erasureDetails(id: request.request.id).request.state == "completed")
}

@Test func aScheduleRunThatFailsRecordsNothingNotEvenTheBackupDestructions() async throws {
    // Given an expired backup, and a retired asset the policies have no rule for.
    let (installation, backup, _) = try installationWithBackup()
    let app = installation.app
    _ = try app.registerAsset(
        AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "low", state: "retired"), actor: "it")
    installation.clock.advance(40 * 86_400)
    let events = try installation.count("event")

    // When the run fails while planning jobs.
    await #expect(throws: LetheError.self) { try await app.jobs.schedule(policies: testPolicies, by: .scheduler) }

    // Then the backup's destruction, planned earlier in the run, was rolled back with it.
    #expect(try app.listBackups().first { $0.id == backup.id }?.destructionScheduledAt == nil)
    #expect(try installation.count("event") == events)
}

@Test func scheduleAsOfRunsAtThatDateAndRefusesOneBeforeTheLog() async throws {
    let (installation, backup, _) = try installationWithBackup()
    let app = installation.app
    let expiry = try #require(backup.expiresAt)
    // A run on the day of the expiry schedules the backup's destruction, dated that day.
    let run = try await app.asOf(expiry).jobs.schedule(policies: testPolicies, by: .scheduler)
    #expect(run.time == RFC3339Date.round(expiry))
    #expect(run.backupDestructions.map(\.id) == [backup.id])
    #expect(run.backupDestructions.first?.destructionScheduledAt == RFC3339Date.round(expiry))
    // And the report every front end prints holds the backup's facts and its state at the run's time.
    let report = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(run.report))
    let destruction = report["backup_destructions"]?.arrayValue?.first
    #expect(destruction?["id"]?.integerValue == backup.id)
    #expect(destruction?["state"]?.stringValue == "destruction-due")
    #expect(destruction?["destruction_scheduled_at"]?.stringValue == RFC3339.format(RFC3339Date.round(expiry)))
    #expect(destruction?["shredded_at"] == nil)
    #expect(report["created"]?.integerValue == 0)
    // A run dated before the log's newest event is refused and changes nothing.
    let events = try installation.count("event")
    do {
        _ = try await app.asOf(expiry.addingTimeInterval(-86_400)).jobs.schedule(
            policies: testPolicies, by: .scheduler)
        Issue.record("a run dated before the log's newest event was accepted")
    } catch {
        #expect(error.code == .usage)
        #expect(error.message.contains("before the log's newest event"), "\(error.message)")
    }
    #expect(try installation.count("event") == events)
}
