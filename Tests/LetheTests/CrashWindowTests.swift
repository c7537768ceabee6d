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

    func checkpointAfterSecureDelete() async throws(LetheError) { try await inner.checkpointAfterSecureDelete() }

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
private func installationWithBackup() async throws -> (TestInstallation, BackupRecord, crm: String) {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let copy = installation.root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: copy)
    _ = try await installation.app.erasure.applyDataMap(
        file: installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo")
    ).stores
    _ = try await installation.app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    let backup = try await installation.app.backups.register(
        store: "crm", file: copy, created: installation.clock.now,
        expires: installation.clock.now.addingTimeInterval(35 * 86_400), policies: nil, by: .dataOfficer("ops")
    ).backup
    return (installation, backup, crm)
}

@Test func aShreddingThatEndsTheLastPartCompletesTheRequestInTheSameTransaction() async throws {
    // Given a request whose only open part waits for backup 1 to be shredded.
    let (installation, backup, _) = try await installationWithBackup()
    let app = installation.app
    _ = try await app.backups.encrypt(backup.id, output: backup.file + ".lethe", by: .dataOfficer("ops")).backup
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    _ = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .open)

    // When the process dies right after the shredding's first transaction commits.
    _ = try? await crashing(installation, after: 1).backups.shred(backup.id, by: .dataOfficer("ops")).backup

    // Then the backup is shredded and the request is completed: there was no second transaction to lose.
    #expect(
        try await app.backups.list(store: "crm", by: .dataOfficer("reader")).backups.map(\.backup).first?.shreddedAt
            != nil)
    let details = try await app.erasure.details(request.request.id, by: .dataOfficer("reader"))
    #expect(details.parts.allSatisfy { $0.state == .done })
    #expect(details.request.state == .completed)
}

@Test func anAttestationThatEndsTheLastPartsCompletesEveryRequestInTheSameTransaction() async throws {
    let (installation, backup, _) = try await installationWithBackup()
    let app = installation.app
    let ada = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    _ = try await app.erasure.run(ada.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts
    let grace = try await app.erasure.request(
        identifier: "grace@example.org", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    _ = try await app.erasure.run(grace.request.id, identifier: "grace@example.org", by: .dataOfficer("dpo")).parts

    _ = try? await crashing(installation, after: 1).erasure.attest(
        ada.request.id, store: "crm", backup: backup.id, notes: "tape destroyed, certificate 77", evidence: nil,
        by: .dataOfficer("dpo")
    ).part

    #expect(try await app.erasure.details(ada.request.id, by: .dataOfficer("reader")).request.state == .completed)
    #expect(try await app.erasure.details(grace.request.id, by: .dataOfficer("reader")).request.state == .completed)
}

@Test func scheduleCompletesARequestThatACrashLeftOpenWithEveryPartDone() async throws {
    // Given a completed request put back to what a crash of an older Lethe left: all parts done, still open.
    let (installation, backup, _) = try await installationWithBackup()
    let app = installation.app
    _ = try await app.backups.encrypt(backup.id, output: backup.file + ".lethe", by: .dataOfficer("ops")).backup
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
    _ = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts
    _ = try await app.backups.shred(backup.id, by: .dataOfficer("ops")).backup
    try installation.rawSQL(
        "UPDATE erasure_request SET state = 'open', completed_at = NULL WHERE id = \(request.request.id)")
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .open)

    // When the next schedule runs.
    installation.clock.advance(60)
    let run = try await app.jobs.schedule(policies: testPolicies, by: .scheduler)

    // Then it completes the request, once.
    #expect(run.completedRequests == [request.request.id])
    let details = try await app.erasure.details(request.request.id, by: .dataOfficer("reader"))
    #expect(details.request.state == .completed)
    #expect(details.request.completedAt == RFC3339Date.round(installation.clock.now))
    #expect(try await app.jobs.schedule(policies: testPolicies, by: .scheduler).completedRequests.isEmpty)
}

@Test func anErasureRunKilledBetweenTheCustomerDatabaseAndItsRecordIsRepairedByTheNextRun() async throws {
    let (installation, _, crm) = try await installationWithBackup()
    let app = installation.app
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))

    // When the executor erases the customer's database and the process dies before Lethe records it.
    await #expect(throws: LetheError.self) {
        try await crashing(installation, after: 0).erasure.run(
            request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo"))
    }
    let bytes = try Data(contentsOf: URL(fileURLWithPath: crm))
    #expect(bytes.range(of: Data("ada@example.com".utf8)) == nil, "the engine ran before the crash")
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .open)

    // Then the next run finds nothing left, records the part done and completes the request.
    let outcomes = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo"))
        .parts
    #expect(outcomes.map(\.part.state) == [.done])
    #expect(outcomes.first?.part.outcome["query_check_remaining_rows"]?.integerValue == 0)
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .completed)
}

@Test func aScheduleRunThatFailsRecordsNothingNotEvenTheBackupDestructions() async throws {
    // Given an expired backup, and a retired asset the policies have no rule for.
    let (installation, backup, _) = try await installationWithBackup()
    let app = installation.app
    _ = try app.registerAsset(
        AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "low", state: "retired"), actor: "it")
    installation.clock.advance(40 * 86_400)
    let events = try installation.count("event")

    // When the run fails while planning jobs.
    await #expect(throws: LetheError.self) { try await app.jobs.schedule(policies: testPolicies, by: .scheduler) }

    // Then the backup's destruction, planned earlier in the run, was rolled back with it.
    #expect(
        try await app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup).first { $0.id == backup.id }?
            .destructionScheduledAt == nil)
    #expect(try installation.count("event") == events)
}

@Test func scheduleAsOfRunsAtThatDateAndRefusesOneBeforeTheLog() async throws {
    let (installation, backup, _) = try await installationWithBackup()
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
