import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Synchronization
import Testing

/// A policy set: HDDs are cleared by overwrite (full read-back); everything else is destroyed,
/// attested, with a second person when `secondPerson` is true.
private func policyText(deadline: String = "P30D", secondPerson: Bool = true) -> String {
    """
    sanitization:
      - media: hdd
        classification: [low, moderate, high]
        method: clear
        techniques: [overwrite]
        verification: {mode: full}
        deadline: \(deadline)
      - media: [laptop, desktop, server, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other]
        classification: [low, moderate, high]
        method: destroy
        techniques: [shred, pulverize]
        verification: {mode: attest}
        second_person: \(secondPerson)
        deadline: \(deadline)

    """
}

/// A read-back engine stand-in that passes or fails every full verification.
private struct FakeReadback: Verifier {
    let passes: Bool
    var name: String { "fake-readback" }
    func refusal(_ job: DisposalJob, asset: Asset) -> String? {
        job.plan.verification.mode == .full ? nil : "only full read-back"
    }
    func verify(_ job: DisposalJob, context: VerificationContext) throws(LetheError) -> VerificationOutcome {
        VerificationOutcome(
            passed: passes, summary: passes ? "all zero" : "nonzero block at 4096", method: "full read-back")
    }
}

/// A read-back engine stand-in that passes and remembers the name of the thread it ran on.
private final class ThreadRecordingReadback: Verifier {
    let threads = Mutex<[String]>([])
    var name: String { "thread-recording" }
    func refusal(_ job: DisposalJob, asset: Asset) -> String? { nil }
    func verify(_ job: DisposalJob, context: VerificationContext) throws(LetheError) -> VerificationOutcome {
        let thread = Thread.current.name ?? ""
        threads.withLock { $0.append(thread) }
        return VerificationOutcome(passed: true, summary: "all zero", method: "full read-back")
    }
}

/// An installation with policies in a temporary directory.
private struct Fixture {
    let installation: TestInstallation
    var app: LetheApp { installation.app }

    init() throws { installation = try TestInstallation() }

    func policies(_ text: String = policyText()) throws -> LoadedPolicies {
        let directory = installation.root.file("policies")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        installation.root.write("policies/main.yaml", text)
        return try LetheApp.loadPolicies(directory: directory)
    }

    @discardableResult
    func retired(_ tag: String, type: String, classification: String = "high") throws -> Asset {
        try app.registerAsset(AssetFields(tag: tag, mediaType: type, classification: classification), actor: "it")
        return try app.retireAsset(tag: tag, actor: "it")[0]
    }

    /// Row counts and the last event, to show that a refused command changed nothing.
    func snapshot() throws -> [String] {
        let last = try app.store.read { (tx) throws(LetheError) in try tx.lastEvent() }
        return [
            "\(try installation.count("job"))", "\(try installation.count("job_evidence"))",
            "\(try installation.count("event"))", "\(try installation.count("asset"))", "\(last?.seq ?? 0)",
            last?.type.rawValue ?? "",
        ]
    }
}

@Suite struct ScheduleTests {
    @Test func schedulesEachRetiredAssetOnceAndMovesIt() async throws {
        // Given an SSD retired at 09:00 and an in-service laptop
        let fixture = try Fixture()
        let policies = try fixture.policies()
        let retiredAt = fixture.installation.clock.now
        try fixture.retired("SSD-1", type: "ssd")
        try fixture.app.registerAsset(
            AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "low"), actor: "it")
        fixture.installation.clock.advance(86_400)

        // When scheduling a day later
        let first = try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs

        // Then one job is due 30 days after retirement, under this policy version, and the SSD awaits sanitization
        #expect(first.created.map(\.assetTag) == ["SSD-1"])
        let job = try #require(first.created.first)
        #expect(job.plan.dueAt == ISODuration(days: 30).added(to: retiredAt))
        #expect(job.plan.method == .destroy)
        #expect(job.policyVersion == policies.version)
        #expect(try fixture.app.asset(tag: "SSD-1").state == .awaitingSanitization)

        // And a second run changes nothing
        let before = try fixture.snapshot()
        let second = try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs
        #expect(second.created.isEmpty && second.replanned.isEmpty)
        #expect(try fixture.snapshot() == before)
    }

    @Test func aPolicyChangeReplansOpenJobsButNotExecutedOnes() async throws {
        // Given two scheduled jobs, one of which has been executed
        let fixture = try Fixture()
        let old = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("HDD-1", type: "hdd")
        try fixture.retired("SSD-1", type: "ssd")
        let jobs = try await fixture.app.jobs.schedule(policies: old, by: .jobsUser("planner", .compliance)).jobs
            .created
        let hddJob = try #require(jobs.first { $0.assetTag == "HDD-1" })
        let ssdJob = try #require(jobs.first { $0.assetTag == "SSD-1" })
        try await fixture.app.jobs.record(
            hddJob.id, JobWorkRecord(technique: .overwrite, tool: "nwipe", toolVersion: "0.33"),
            by: .jobsUser("tech", .technician))

        // When the deadline changes and schedule runs again
        let new = try fixture.policies(policyText(deadline: "P7D", secondPerson: false))
        #expect(new.version != old.version)
        let result = try await fixture.app.jobs.schedule(policies: new, by: .jobsUser("planner", .compliance)).jobs

        // Then only the open, unexecuted job is re-planned, with an event naming both versions
        #expect(result.created.isEmpty)
        #expect(result.replanned.map(\.job.id) == [ssdJob.id])
        let replanned = try await fixture.app.jobs.show(ssdJob.id, by: .jobsUser("auditor", .auditor)).job
        #expect(replanned.policyVersion == new.version)
        #expect(replanned.plan.dueAt == ISODuration(days: 7).added(to: ssdJob.createdAt))
        let executed = try await fixture.app.jobs.show(hddJob.id, by: .jobsUser("auditor", .auditor)).job
        #expect(executed.policyVersion == old.version)
        #expect(executed.plan == hddJob.plan)
        let last = try #require(try await fixture.app.store.read { (tx) throws(LetheError) in try tx.lastEvent() })
        #expect(last.type == .jobReplanned)
        #expect(last.payload["from_version"]?.stringValue == old.version)
        #expect(last.payload["to_version"]?.stringValue == new.version)
    }

    @Test func anAssetRegisteredRetiredIsPlannedFromTheGivenTime() async throws {
        // Given an asset registered already retired (its retirement is not in the log)
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.app.registerAsset(
            AssetFields(tag: "OPT-1", mediaType: "optical", classification: "low", state: "retired"), actor: "it")
        let planningTime = try RFC3339.parse("2026-01-01")

        // When scheduling with --at in the past
        let job = try #require(
            try await fixture.app.jobs.schedule(policies: policies, at: planningTime, by: .jobsUser("p", .compliance))
                .jobs.created.first)

        // Then the due date counts from that time, the job is overdue, and the events keep the clock's time
        #expect(job.plan.dueAt == ISODuration(days: 30).added(to: planningTime))
        #expect(job.createdAt == fixture.installation.clock.now)
        #expect(
            try await fixture.app.jobs.verifyDue(policies: policies, by: .jobsUser("timer", .scheduler)).overdue.map(
                \.id) == [job.id])

        // And a policy change elsewhere re-plans it from that same time: it stays overdue (the
        // third walk-through saw a re-plan count from the registration and clear the alarm)
        let changed = try fixture.policies(policyText(secondPerson: false))
        #expect(changed.version != policies.version)
        let replanned = try #require(
            try await fixture.app.jobs.schedule(policies: changed, by: .jobsUser("p", .compliance)).jobs.replanned.first
        )
        #expect(replanned.job.plan.dueAt == job.plan.dueAt)
        #expect(
            try await fixture.app.jobs.verifyDue(policies: changed, by: .jobsUser("timer", .scheduler)).overdue.map(
                \.id) == [job.id])
    }

    @Test func invalidPoliciesAreRefusedWithEveryProblem() throws {
        let fixture = try Fixture()
        #expect {
            try fixture.policies(
                policyText().replacingOccurrences(of: "[shred, pulverize]", with: "[overwrite, shred]"))
        } throws: { error in
            let error = error as? LetheError
            return error?.code == .invalidInput
                && error?.details == [
                    fixture.installation.root.file("policies")
                        + "/main.yaml:11:18: technique 'overwrite' reaches at most clear and cannot satisfy method destroy; "
                        + "choose a technique listed for destroy in docs/policies.md"
                ]
        }
    }
}

@Suite struct JobRuleTests {
    @Test func theRequesterCannotApproveAndNothingChanges() async throws {
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(
            try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs.created
                .first)
        let before = try fixture.snapshot()

        await #expect {
            try await fixture.app.jobs.approve(job.id, by: .jobsUser("planner", .compliance))
        } throws: { error in
            // Separation of duties is an authorization refusal: forbidden (exit 77), not a conflict
            (error as? LetheError)?.code == .forbidden
                && (error as? LetheError)?.message.contains(
                    "planner requested job \(job.id) and cannot also approve it") == true
        }
        #expect(try fixture.snapshot() == before)

        // And work cannot start before a second person approves
        await #expect(throws: LetheError.self) {
            try await fixture.app.jobs.start(job.id, by: .jobsUser("tech", .technician))
        }
        #expect(try fixture.snapshot() == before)
        try await fixture.app.jobs.approve(job.id, by: .jobsUser("manager", .compliance))
        #expect(try await fixture.app.jobs.start(job.id, by: .jobsUser("tech", .technician)).state == .inProgress)
    }

    @Test func theExecutorCannotVerifyAndNothingChanges() async throws {
        let fixture = try Fixture()
        let policies = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(
            try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs.created
                .first)
        let certificate = fixture.installation.root.write("cert.pdf", "certificate of destruction 4411")
        try await fixture.app.jobs.record(
            job.id,
            JobWorkRecord(
                technique: .shred, tool: "Acme Shredding", toolVersion: "form 3",
                evidence: try EvidenceFile.read([EvidenceFile(path: certificate)])), by: .jobsUser("tech", .technician))
        let before = try fixture.snapshot()

        await #expect {
            try await fixture.app.jobs.attest(
                job.id, Attestation(evidence: try EvidenceFile.read([EvidenceFile(path: certificate)])),
                policies: policies,
                by: .jobsUser("tech", .technician, .verifier))
        } throws: { error in
            (error as? LetheError)?.code == .forbidden
                && (error as? LetheError)?.message.contains("tech executed job \(job.id) and cannot also verify it")
                    == true
        }
        #expect(try fixture.snapshot() == before)

        // Someone else can, and the asset follows its job
        let verified = try await fixture.app.jobs.attest(
            job.id, Attestation(evidence: try EvidenceFile.read([EvidenceFile(path: certificate)])), policies: policies,
            by: .jobsUser("auditor", .verifier))
        #expect(verified.job.state == .verified)
        #expect(try fixture.app.asset(tag: "SSD-1").state == .verified)
        #expect(try await fixture.app.jobs.show(job.id, by: .jobsUser("auditor", .auditor)).evidence.count == 2)
    }

    @Test func aMissingEvidenceFileRecordsNothing() async throws {
        let fixture = try Fixture()
        let policies = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(
            try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs.created
                .first)
        let present = fixture.installation.root.write("log.txt", "sanitize ok")
        let missing = fixture.installation.root.file("nowhere.pdf")
        let before = try fixture.snapshot()

        await #expect {
            try await fixture.app.jobs.record(
                job.id,
                JobWorkRecord(
                    technique: .shred, tool: "Acme", toolVersion: "3",
                    evidence: try EvidenceFile.read([EvidenceFile(path: present), EvidenceFile(path: missing)])),
                by: .jobsUser("tech", .technician))
        } throws: { error in
            (error as? LetheError)?.code == .notFound
                && (error as? LetheError)?.message
                    == "evidence file \(missing) does not exist; check the path (nothing was recorded)"
        }
        #expect(try fixture.snapshot() == before)
        #expect(try await fixture.app.jobs.show(job.id, by: .jobsUser("auditor", .auditor)).job.state == .scheduled)
        #expect(try fixture.app.asset(tag: "SSD-1").state == .awaitingSanitization)
    }
}

@Suite struct VerifyRunTests {
    @Test func aFailedVerificationSendsTheAssetBackWithANewJob() async throws {
        // Given an executed HDD job and a read-back engine that finds data
        let fixture = try Fixture()
        fixture.app.verifiers.register(FakeReadback(passes: false))
        let policies = try fixture.policies()
        try fixture.retired("HDD-1", type: "hdd")
        try fixture.retired("SSD-1", type: "ssd")
        let jobs = try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs
            .created
        let hddJob = try #require(jobs.first { $0.assetTag == "HDD-1" })
        try await fixture.app.jobs.record(
            hddJob.id, JobWorkRecord(technique: .overwrite, tool: "nwipe", toolVersion: "0.33"),
            by: .jobsUser("tech", .technician))

        // When the scheduled run verifies what is due
        let summary = try await fixture.app.jobs.verifyDue(policies: policies, by: .jobsUser("timer", .scheduler))

        // Then the job failed, the asset awaits sanitization again with a new job, and the run needs attention
        #expect(summary.failed.map(\.job.id) == [hddJob.id])
        #expect(summary.needsAttention)
        #expect(try await fixture.app.jobs.show(hddJob.id, by: .jobsUser("auditor", .auditor)).job.state == .failed)
        #expect(try fixture.app.asset(tag: "HDD-1").state == .awaitingSanitization)
        let newJob = try #require(summary.failed.first?.newJob)
        #expect(newJob.state == .scheduled && newJob.assetTag == "HDD-1")
        let states = try fixture.app.history(tag: "HDD-1").compactMap { $0.payload["to"]?.stringValue }
        #expect(states.suffix(3) == ["sanitized", "verification-failed", "awaiting-sanitization"])
    }

    @Test func aPassingEngineVerifiesAndAttestedJobsAreListedForAPerson() async throws {
        let fixture = try Fixture()
        fixture.app.verifiers.register(FakeReadback(passes: true))
        let policies = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("HDD-1", type: "hdd")
        try fixture.retired("SSD-1", type: "ssd")
        let jobs = try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs
            .created
        for job in jobs {
            try await fixture.app.jobs.record(
                job.id,
                JobWorkRecord(technique: job.assetTag == "HDD-1" ? .overwrite : .shred, tool: "t", toolVersion: "1"),
                by: .jobsUser("tech", .technician))
        }

        let summary = try await fixture.app.jobs.verifyDue(policies: policies, by: .jobsUser("timer", .scheduler))

        #expect(summary.verified.map(\.job.assetTag) == ["HDD-1"])
        #expect(summary.needsPerson.map(\.assetTag) == ["SSD-1"])
        #expect(!summary.needsAttention)
        #expect(try fixture.app.asset(tag: "HDD-1").state == .verified)
    }

    @Test func enginesRunOnAThreadOfTheirOwnWhileTheTaskWaits() async throws {
        // Given an executed HDD job and an engine that notes where it runs
        let fixture = try Fixture()
        let engine = ThreadRecordingReadback()
        fixture.app.verifiers.register(engine)
        let policies = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("HDD-1", type: "hdd")
        let job = try #require(
            try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs
                .created.first)
        try await fixture.app.jobs.record(
            job.id, JobWorkRecord(technique: .overwrite, tool: "nwipe", toolVersion: "0.33"),
            by: .jobsUser("tech", .technician))

        // When the due verifications run through the service
        let summary = try await fixture.app.jobs.verifyDue(policies: policies, by: .jobsUser("timer", .scheduler))

        // Then the engine ran on the verification's own thread, not on a Swift concurrency thread
        #expect(summary.verified.map(\.job.id) == [job.id])
        #expect(engine.threads.withLock { $0 } == ["lethe-due"])
    }

    @Test func overdueJobsNeedAttention() async throws {
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(
            try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs.created
                .first)
        #expect(
            try await fixture.app.jobs.verifyDue(policies: policies, by: .jobsUser("timer", .scheduler)).overdue.isEmpty
        )

        fixture.installation.clock.advance(31 * 86_400)

        let summary = try await fixture.app.jobs.verifyDue(policies: policies, by: .jobsUser("timer", .scheduler))
        #expect(summary.overdue.map(\.id) == [job.id])
        #expect(summary.needsAttention)
    }
}

@Suite struct JobAuthorizationTests {
    @Test func eachJobUseCaseRefusesAPrincipalWithoutItsRoleAndChangesNothing() async throws {
        // Given a scheduled SSD job that needs a second person, and an executed one
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.retired("SSD-1", type: "ssd")
        try fixture.retired("SSD-2", type: "ssd")
        let planner = Principal.jobsUser("planner", .compliance)
        let jobs = try await fixture.app.jobs.schedule(policies: policies, by: planner).jobs.created
        let (first, second) = (jobs[0], jobs[1])
        try await fixture.app.jobs.approve(second.id, by: .jobsUser("manager", .compliance))
        let certificate = fixture.installation.root.write("cert.pdf", "certificate of destruction 4412")
        let evidence = try EvidenceFile.read([EvidenceFile(path: certificate)])
        try await fixture.app.jobs.record(
            second.id, JobWorkRecord(technique: .shred, tool: "Acme", toolVersion: "3", evidence: evidence),
            by: .jobsUser("tech", .technician))
        let before = try fixture.snapshot()
        let auditor = Principal.jobsUser("audrey", .auditor)
        let technician = Principal.jobsUser("tina", .technician)

        // When principals without the needed role try each write
        let attempts: [(String, () async throws -> Void)] = [
            ("schedule", { _ = try await fixture.app.jobs.schedule(policies: policies, by: auditor) }),
            ("approve", { try await fixture.app.jobs.approve(first.id, by: technician) }),
            ("start", { try await fixture.app.jobs.start(second.id, by: auditor) }),
            ("cancel", { try await fixture.app.jobs.cancel(first.id, reason: "no", by: technician) }),
            (
                "record",
                {
                    try await fixture.app.jobs.record(
                        first.id, JobWorkRecord(technique: .shred, tool: "Acme", toolVersion: "3"), by: auditor)
                }
            ),
            (
                "attest",
                {
                    try await fixture.app.jobs.attest(
                        second.id, Attestation(evidence: evidence), policies: policies, by: technician)
                }
            ),
            ("verify", { _ = try await fixture.app.jobs.verify(second.id, policies: policies, by: technician) }),
            ("verify --due", { _ = try await fixture.app.jobs.verifyDue(policies: policies, by: technician) }),
        ]

        // Then each is forbidden, naming the action, and nothing changed
        for (name, attempt) in attempts {
            do {
                try await attempt()
                Issue.record("\(name) was allowed")
            } catch let error as LetheError {
                #expect(error.code == .forbidden, "\(name): \(error)")
            }
        }
        #expect(try fixture.snapshot() == before)

        // And every role reads
        #expect(try await fixture.app.jobs.list(JobFilter(), by: auditor).jobs.count == 2)
        #expect(try await fixture.app.jobs.show(second.id, by: technician).evidence.count == 1)
    }

    @Test func anNwipeImportAndAnOverwriteAreRefusedWithoutTheTechnicianRole() async throws {
        // Given an HDD job
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.retired("HDD-1", type: "hdd")
        let job = try #require(
            try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs
                .created.first)
        let image = fixture.installation.root.write("disk.img", String(repeating: "x", count: 8192))
        let before = try fixture.snapshot()
        let verifier = Principal.jobsUser("vera", .verifier)

        // When a verifier imports a log or plans an overwrite, then both are forbidden before the log is read
        await #expect {
            try await fixture.app.sanitization.importNwipe(
                jobID: job.id, log: EvidenceContent(name: "nwipe.log", bytes: Data("not a log".utf8)),
                policies: policies, by: verifier)
        } throws: { ($0 as? LetheError)?.code == .forbidden }
        await #expect {
            try await fixture.app.sanitization.plan(
                assetTag: "HDD-1", SanitizeRequest(target: image, toolVersion: "test"), by: verifier)
        } throws: { ($0 as? LetheError)?.code == .forbidden }
        #expect(try fixture.snapshot() == before)
    }

    @Test func typedResultsEncodeAsJobJSONAndDecodeBack() async throws {
        // Given a job shown through the service
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(
            try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance)).jobs
                .created.first)
        let details = try await fixture.app.jobs.show(job.id, by: .jobsUser("audrey", .auditor))

        // When it is encoded as the front ends do
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(details)

        // Then it has the job's members, overdue and evidence, and decodes to the same job
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["id"] as? Int == Int(job.id))
        #expect(object["asset"] as? String == "SSD-1")
        #expect(object["overdue"] as? Bool == false)
        #expect(object["due_at"] as? String == RFC3339.format(job.plan.dueAt))
        #expect(object["approved_by"] == nil)
        let decoded = try JSONDecoder().decode(JobDetails.self, from: data)
        #expect(decoded.job == job)
    }
}

@Suite struct JobDashboardQueryTests {
    @Test func dueSoonCountsEveryOpenJobInTheWindowAndListsTheFirst() async throws {
        // Given three jobs due in 30 days, one of them recorded as executed
        let fixture = try Fixture()
        let policies = try fixture.policies(policyText(secondPerson: false))
        for tag in ["HDD-1", "HDD-2", "HDD-3"] { try fixture.retired(tag, type: "hdd") }
        let created = try await fixture.app.jobs.schedule(policies: policies, by: .jobsUser("planner", .compliance))
            .jobs.created
        try await fixture.app.jobs.record(
            created[0].id, JobWorkRecord(technique: .overwrite, tool: "nwipe", toolVersion: "0.33"),
            by: .jobsUser("tech", .technician))
        let reader = Principal.jobsUser("auditor", .auditor)
        // When 25 days have passed, a 7-day window holds all three (executed is still open work)
        fixture.installation.clock.advance(25 * 86_400)
        let soon = try await fixture.app.jobs.dueSoon(within: 7 * 86_400, limit: 2, by: reader)
        #expect(soon.count == 3)
        #expect(soon.first.map(\.job.id) == Array(created.map(\.id).prefix(2)))
        // And once they are overdue they are no longer "due soon"
        fixture.installation.clock.advance(6 * 86_400)
        #expect(try await fixture.app.jobs.dueSoon(within: 7 * 86_400, limit: 2, by: reader).count == 0)
        // And the executions since the start are the one recorded, with its method
        let executions = try await fixture.app.jobs.executions(since: Date(timeIntervalSince1970: 0), by: reader)
        #expect(executions.map(\.method) == [.clear])
    }
}
