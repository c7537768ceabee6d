import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

@Test func statusCountsByStateAndReportsOverdueJobsAndTheLastVerificationRun() async throws {
    // Given a retired laptop scheduled under the default policy, and one in service
    let lethe = try TestInstallation()
    let app = lethe.app
    let policies = try LetheApp.loadPolicies(source: .embeddedDefault)
    try await app.assets.register(
        AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "moderate"), by: .local("it"))
    try await app.assets.register(
        AssetFields(tag: "LAP-2", mediaType: "laptop", classification: "low"), by: .local("it"))
    try await app.assets.retire("LAP-1", by: .local("it"))
    let job = try #require(try app.schedule(policies: policies, actor: "it").created.first)

    // When nothing is due yet
    let fresh = try await app.status.report(by: .auditor)

    // Then the counts are right, nothing is overdue and no verification run is recorded
    #expect(fresh.assets["in-service"] == 1)
    #expect(fresh.assets["awaiting-sanitization"] == 1)
    #expect(fresh.assets["disposed"] == 0)
    #expect(fresh.jobs["scheduled"] == 1)
    #expect(fresh.overdueJobCount == 0)
    #expect(!fresh.anythingOverdue)
    #expect(fresh.lastVerificationRun == nil)

    // When the job's due date passes and the daily verification runs
    lethe.clock.set(job.plan.dueAt.addingTimeInterval(86_400))
    let run = try app.verifyDue(policies: policies, actor: "scheduler")
    let late = try await app.status.report(by: .auditor)

    // Then the job is overdue and the run is shown with its result
    #expect(run.overdue.count == 1)
    #expect(late.overdueJobCount == 1)
    #expect(late.overdueJobs.map(\.assetTag) == ["LAP-1"])
    #expect(late.anythingOverdue)
    let last = try #require(late.lastVerificationRun)
    #expect(last.actor == "scheduler")
    #expect(last.result == .needsAttention)
    #expect(last.at == lethe.clock.now)
}

@Test func statusIsAReadAndSurvivesAJSONRoundTrip() async throws {
    let lethe = try TestInstallation()
    let before = try await lethe.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
    let status = try await lethe.app.status.report(by: .auditor)
    #expect(try await lethe.app.store.read { (tx) throws(LetheError) in try tx.eventCount() } == before)
    let data = try JSONEncoder().encode(status)
    #expect(try JSONDecoder().decode(InstallationStatus.self, from: data) == status)
}
