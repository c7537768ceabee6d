import Foundation
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@Test func statusCountsByStateAndReportsOverdueJobsAndTheLastVerificationRun() throws {
    // Given a retired laptop scheduled under the default policy, and one in service
    let lethe = try TestInstallation()
    let app = lethe.app
    let policies = try LetheApp.loadPolicies(source: .embeddedDefault)
    try app.registerAsset(AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "moderate"), actor: "it")
    try app.registerAsset(AssetFields(tag: "LAP-2", mediaType: "laptop", classification: "low"), actor: "it")
    try app.retireAsset(tag: "LAP-1", actor: "it")
    let job = try #require(try app.schedule(policies: policies, actor: "it").created.first)

    // When nothing is due yet
    let fresh = try app.status()

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
    let late = try app.status()

    // Then the job is overdue and the run is shown with its result
    #expect(run.overdue.count == 1)
    #expect(late.overdueJobCount == 1)
    #expect(late.overdueJobs.map(\.assetTag) == ["LAP-1"])
    #expect(late.anythingOverdue)
    let last = try #require(late.lastVerificationRun)
    #expect(last.actor == "scheduler")
    #expect(last.result == "needs-attention")
    #expect(last.at == lethe.clock.now)
}

@Test func statusIsAReadAndSurvivesAJSONRoundTrip() throws {
    let lethe = try TestInstallation()
    let before = try lethe.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
    let status = try lethe.app.status()
    #expect(try lethe.app.store.read { (tx) throws(LetheError) in try tx.eventCount() } == before)
    let data = try JSONEncoder().encode(status)
    #expect(try JSONDecoder().decode(InstallationStatus.self, from: data) == status)
}
