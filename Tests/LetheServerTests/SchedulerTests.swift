import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheServer
import LetheTestSupport
import Logging
import ServiceLifecycle
import Testing

/// The scheduler inside the service: one recorded run of schedule and due verifications as the
/// `scheduler` principal, the loop that repeats it and stops on graceful shutdown, and its route.
@Suite struct SchedulerTests {
    let installation: TestInstallation
    let policies: LoadedPolicies

    init() throws {
        installation = try TestInstallation()
        policies = try LetheApp.loadPolicies(PolicyFiles.embeddedDefault)
    }

    /// A retired laptop: the next schedule run makes a job for it.
    func retireALaptop(_ tag: String = "LAP-1") throws {
        try installation.app.registerAsset(
            AssetFields(tag: tag, serial: "SN-\(tag)", mediaType: "laptop", classification: "moderate"), actor: "it")
        _ = try installation.app.retireAsset(tag: tag, actor: "it")
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    @Test func aRunSchedulesVerifiesAndIsRecordedWithAnEvent() async throws {
        // Given a retired laptop
        try retireALaptop()
        let app = installation.app
        // When the scheduler runs
        let run = try await app.scheduler.run(policies: policies, by: .scheduler)
        // Then it made the job, found nothing overdue, and recorded itself
        #expect(run.outcome == .ok)
        #expect(run.counts["jobs_created"] == 1)
        #expect(run.counts["overdue_jobs"] == 0)
        #expect(run.error == nil)
        let event = try #require(try await app.store.read { (tx) throws(LetheError) in try tx.lastEvent() })
        #expect(event.type == .schedulerRun)
        #expect(event.actor == "scheduler")
        #expect(event.payload["run"]?.integerValue == run.id)
        #expect(event.payload["outcome"]?.stringValue == "ok")
        // And a second run finds nothing new to schedule
        let second = try await app.scheduler.run(policies: policies, by: .scheduler)
        #expect(second.counts["jobs_created"] == 0)
        let runs = try await app.scheduler.runs(by: .auditor)
        #expect(runs.map(\.id) == [second.id, run.id])
    }

    @Test func anOverdueJobMakesTheRunNeedAttention() async throws {
        // Given a job scheduled now, and a clock past its due date
        try retireALaptop()
        let app = installation.app
        _ = try await app.scheduler.run(policies: policies, by: .scheduler)
        installation.clock.advance(400 * 86_400)
        // When the scheduler runs again, the job is overdue
        let run = try await app.scheduler.run(policies: policies, by: .scheduler)
        #expect(run.outcome == .attention)
        #expect(run.counts["overdue_jobs"] == 1)
    }

    @Test func onlyTheSchedulerOrTheLocalOperatorMayRunIt() async throws {
        await #expect(throws: LetheError.self) {
            try await installation.app.scheduler.run(policies: policies, by: .holding([.compliance]))
        }
        await #expect(throws: LetheError.self) {
            try await installation.app.scheduler.run(policies: policies, by: .holding([.verifier]))
        }
        #expect(try await installation.app.scheduler.runs(by: .auditor).isEmpty)
    }

    @Test func theLoopRepeatsAndStopsOnGracefulShutdown() async throws {
        // Given the loop at a short interval beside nothing else
        let loop = SchedulerLoop(
            app: installation.app, interval: .milliseconds(20), logger: Self.quietLogger,
            policies: { [policies] () throws(LetheError) in policies })
        let group = ServiceGroup(
            configuration: .init(services: [loop], gracefulShutdownSignals: [], logger: Self.quietLogger))
        let app = installation.app
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // When it has run at least twice (bounded; generous, as the whole suite shares two
            // cores with this loop and a run can wait a minute for its turn)
            let deadline = ContinuousClock.now + .seconds(300)
            while try await app.scheduler.runs(by: .auditor).count < 2 {
                #expect(ContinuousClock.now < deadline, "the scheduler did not run twice in 300 seconds")
                if ContinuousClock.now >= deadline { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            // Then graceful shutdown ends it, and no run is left half-recorded
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let runs = try await app.scheduler.runs(limit: 100, by: .auditor)
        #expect(runs.count >= 2)
        #expect(runs.allSatisfy { $0.outcome == .ok })
    }

    @Test func theRunsAreReadOverTheAPIWithAToken() async throws {
        let local = try Principal.localOperator("operator")
        let token = try #require(try await LetheServer.bootstrapAdmin(app: installation.app, by: local)).token
        let run = try await installation.app.scheduler.run(policies: policies, by: .scheduler)
        let application = try LetheServer.application(
            app: installation.app, configuration: ServerConfiguration(port: 0, scheduleInterval: nil),
            logger: Self.quietLogger)
        try await application.test(.router) { client in
            try await client.execute(uri: "/api/v1/scheduler/runs", method: .get) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/v1/scheduler/runs?limit=5", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { response in
                #expect(response.status == .ok)
                let body = try #require(
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let runs = try #require(body["runs"] as? [[String: Any]])
                #expect(runs.count == 1)
                #expect(runs.first?["id"] as? Int == Int(run.id))
                #expect(runs.first?["outcome"] as? String == "ok")
                #expect((runs.first?["counts"] as? [String: Int])?["jobs_created"] == 0)
            }
            try await client.execute(
                uri: "/api/v1/scheduler/runs?limit=0", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { #expect($0.status == .badRequest) }
        }
    }

    @Test func theIntervalIsAnISODurationOrOff() throws {
        #expect(try ServerConfiguration.parseInterval("PT1H", field: "x") == .seconds(3600))
        #expect(try ServerConfiguration.parseInterval("pt15m", field: "x") == .seconds(900))
        #expect(try ServerConfiguration.parseInterval("off", field: "x") == nil)
        #expect(try ServerConfiguration.parseInterval("0", field: "x") == nil)
        #expect(throws: LetheError.self) { try ServerConfiguration.parseInterval("hourly", field: "x") }
        #expect(try ServerConfiguration.parseSize("8M", field: "x") == 8 * 1024 * 1024)
        #expect(try ServerConfiguration.parseSize("4096", field: "x") == 4096)
        #expect(throws: LetheError.self) { try ServerConfiguration.parseSize("lots", field: "x") }
    }
}
