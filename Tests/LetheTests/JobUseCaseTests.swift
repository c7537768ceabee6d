import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
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
    @Test func schedulesEachRetiredAssetOnceAndMovesIt() throws {
        // Given an SSD retired at 09:00 and an in-service laptop
        let fixture = try Fixture()
        let policies = try fixture.policies()
        let retiredAt = fixture.installation.clock.now
        try fixture.retired("SSD-1", type: "ssd")
        try fixture.app.registerAsset(
            AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "low"), actor: "it")
        fixture.installation.clock.advance(86_400)

        // When scheduling a day later
        let first = try fixture.app.schedule(policies: policies, actor: "planner")

        // Then one job is due 30 days after retirement, under this policy version, and the SSD awaits sanitization
        #expect(first.created.map(\.assetTag) == ["SSD-1"])
        let job = try #require(first.created.first)
        #expect(job.plan.dueAt == ISODuration(days: 30).added(to: retiredAt))
        #expect(job.plan.method == .destroy)
        #expect(job.policyVersion == policies.version)
        #expect(try fixture.app.asset(tag: "SSD-1").state == .awaitingSanitization)

        // And a second run changes nothing
        let before = try fixture.snapshot()
        let second = try fixture.app.schedule(policies: policies, actor: "planner")
        #expect(second.created.isEmpty && second.replanned.isEmpty)
        #expect(try fixture.snapshot() == before)
    }

    @Test func aPolicyChangeReplansOpenJobsButNotExecutedOnes() throws {
        // Given two scheduled jobs, one of which has been executed
        let fixture = try Fixture()
        let old = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("HDD-1", type: "hdd")
        try fixture.retired("SSD-1", type: "ssd")
        let jobs = try fixture.app.schedule(policies: old, actor: "planner").created
        let hddJob = try #require(jobs.first { $0.assetTag == "HDD-1" })
        let ssdJob = try #require(jobs.first { $0.assetTag == "SSD-1" })
        try fixture.app.recordJob(
            id: hddJob.id, technique: .overwrite, tool: "nwipe", toolVersion: "0.33", actor: "tech")

        // When the deadline changes and schedule runs again
        let new = try fixture.policies(policyText(deadline: "P7D", secondPerson: false))
        #expect(new.version != old.version)
        let result = try fixture.app.schedule(policies: new, actor: "planner")

        // Then only the open, unexecuted job is re-planned, with an event naming both versions
        #expect(result.created.isEmpty)
        #expect(result.replanned.map(\.job.id) == [ssdJob.id])
        let replanned = try fixture.app.jobDetails(id: ssdJob.id).job
        #expect(replanned.policyVersion == new.version)
        #expect(replanned.plan.dueAt == ISODuration(days: 7).added(to: ssdJob.createdAt))
        let executed = try fixture.app.jobDetails(id: hddJob.id).job
        #expect(executed.policyVersion == old.version)
        #expect(executed.plan == hddJob.plan)
        let last = try #require(try fixture.app.store.read { (tx) throws(LetheError) in try tx.lastEvent() })
        #expect(last.type == .jobReplanned)
        #expect(last.payload["from_version"]?.stringValue == old.version)
        #expect(last.payload["to_version"]?.stringValue == new.version)
    }

    @Test func anAssetRegisteredRetiredIsPlannedFromTheGivenTime() throws {
        // Given an asset registered already retired (its retirement is not in the log)
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.app.registerAsset(
            AssetFields(tag: "OPT-1", mediaType: "optical", classification: "low", state: "retired"), actor: "it")
        let planningTime = try RFC3339.parse("2026-01-01")

        // When scheduling with --at in the past
        let job = try #require(try fixture.app.schedule(policies: policies, at: planningTime, actor: "p").created.first)

        // Then the due date counts from that time, the job is overdue, and the events keep the clock's time
        #expect(job.plan.dueAt == ISODuration(days: 30).added(to: planningTime))
        #expect(job.createdAt == fixture.installation.clock.now)
        #expect(try fixture.app.verifyDue(policies: policies, actor: "timer").overdue.map(\.id) == [job.id])
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
                    "main.yaml:11:18: technique 'overwrite' reaches at most clear and cannot satisfy method destroy; choose a technique listed for destroy in docs/policies.md"
                ]
        }
    }
}

@Suite struct JobRuleTests {
    @Test func theRequesterCannotApproveAndNothingChanges() throws {
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(try fixture.app.schedule(policies: policies, actor: "planner").created.first)
        let before = try fixture.snapshot()

        #expect {
            try fixture.app.approveJob(id: job.id, actor: "planner")
        } throws: { error in
            (error as? LetheError)?.code == .conflict
                && (error as? LetheError)?.message.contains(
                    "planner requested job \(job.id) and cannot also approve it") == true
        }
        #expect(try fixture.snapshot() == before)

        // And work cannot start before a second person approves
        #expect(throws: LetheError.self) { try fixture.app.startJob(id: job.id, actor: "tech") }
        #expect(try fixture.snapshot() == before)
        try fixture.app.approveJob(id: job.id, actor: "manager")
        #expect(try fixture.app.startJob(id: job.id, actor: "tech").state == .inProgress)
    }

    @Test func theExecutorCannotVerifyAndNothingChanges() throws {
        let fixture = try Fixture()
        let policies = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(try fixture.app.schedule(policies: policies, actor: "planner").created.first)
        let certificate = fixture.installation.root.write("cert.pdf", "certificate of destruction 4411")
        try fixture.app.recordJob(
            id: job.id, technique: .shred, tool: "Acme Shredding", toolVersion: "form 3",
            evidence: [EvidenceFile(path: certificate)], actor: "tech")
        let before = try fixture.snapshot()

        #expect {
            try fixture.app.attest(
                id: job.id, evidence: [EvidenceFile(path: certificate)], policies: policies, actor: "tech")
        } throws: { error in
            (error as? LetheError)?.message.contains("tech executed job \(job.id) and cannot also verify it") == true
        }
        #expect(try fixture.snapshot() == before)

        // Someone else can, and the asset follows its job
        let verified = try fixture.app.attest(
            id: job.id, evidence: [EvidenceFile(path: certificate)], policies: policies, actor: "auditor")
        #expect(verified.job.state == .verified)
        #expect(try fixture.app.asset(tag: "SSD-1").state == .verified)
        #expect(try fixture.app.jobDetails(id: job.id).evidence.count == 2)
    }

    @Test func aMissingEvidenceFileRecordsNothing() throws {
        let fixture = try Fixture()
        let policies = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(try fixture.app.schedule(policies: policies, actor: "planner").created.first)
        let present = fixture.installation.root.write("log.txt", "sanitize ok")
        let missing = fixture.installation.root.file("nowhere.pdf")
        let before = try fixture.snapshot()

        #expect {
            try fixture.app.recordJob(
                id: job.id, technique: .shred, tool: "Acme", toolVersion: "3",
                evidence: [EvidenceFile(path: present), EvidenceFile(path: missing)], actor: "tech")
        } throws: { error in
            (error as? LetheError)?.code == .notFound
                && (error as? LetheError)?.message
                    == "evidence file \(missing) does not exist; check the path (nothing was recorded)"
        }
        #expect(try fixture.snapshot() == before)
        #expect(try fixture.app.jobDetails(id: job.id).job.state == .scheduled)
        #expect(try fixture.app.asset(tag: "SSD-1").state == .awaitingSanitization)
    }
}

@Suite struct VerifyRunTests {
    @Test func aFailedVerificationSendsTheAssetBackWithANewJob() throws {
        // Given an executed HDD job and a read-back engine that finds data
        let fixture = try Fixture()
        fixture.app.verifiers.register(FakeReadback(passes: false))
        let policies = try fixture.policies()
        try fixture.retired("HDD-1", type: "hdd")
        try fixture.retired("SSD-1", type: "ssd")
        let jobs = try fixture.app.schedule(policies: policies, actor: "planner").created
        let hddJob = try #require(jobs.first { $0.assetTag == "HDD-1" })
        try fixture.app.recordJob(
            id: hddJob.id, technique: .overwrite, tool: "nwipe", toolVersion: "0.33", actor: "tech")

        // When the scheduled run verifies what is due
        let summary = try fixture.app.verifyDue(policies: policies, actor: "timer")

        // Then the job failed, the asset awaits sanitization again with a new job, and the run needs attention
        #expect(summary.failed.map(\.job.id) == [hddJob.id])
        #expect(summary.needsAttention)
        #expect(try fixture.app.jobDetails(id: hddJob.id).job.state == .failed)
        #expect(try fixture.app.asset(tag: "HDD-1").state == .awaitingSanitization)
        let newJob = try #require(summary.failed.first?.newJob)
        #expect(newJob.state == .scheduled && newJob.assetTag == "HDD-1")
        let states = try fixture.app.history(tag: "HDD-1").compactMap { $0.payload["to"]?.stringValue }
        #expect(states.suffix(3) == ["sanitized", "verification-failed", "awaiting-sanitization"])
    }

    @Test func aPassingEngineVerifiesAndAttestedJobsAreListedForAPerson() throws {
        let fixture = try Fixture()
        fixture.app.verifiers.register(FakeReadback(passes: true))
        let policies = try fixture.policies(policyText(secondPerson: false))
        try fixture.retired("HDD-1", type: "hdd")
        try fixture.retired("SSD-1", type: "ssd")
        let jobs = try fixture.app.schedule(policies: policies, actor: "planner").created
        for job in jobs {
            try fixture.app.recordJob(
                id: job.id, technique: job.assetTag == "HDD-1" ? .overwrite : .shred, tool: "t", toolVersion: "1",
                actor: "tech")
        }

        let summary = try fixture.app.verifyDue(policies: policies, actor: "timer")

        #expect(summary.verified.map(\.job.assetTag) == ["HDD-1"])
        #expect(summary.needsPerson.map(\.assetTag) == ["SSD-1"])
        #expect(!summary.needsAttention)
        #expect(try fixture.app.asset(tag: "HDD-1").state == .verified)
    }

    @Test func overdueJobsNeedAttention() throws {
        let fixture = try Fixture()
        let policies = try fixture.policies()
        try fixture.retired("SSD-1", type: "ssd")
        let job = try #require(try fixture.app.schedule(policies: policies, actor: "planner").created.first)
        #expect(try fixture.app.verifyDue(policies: policies, actor: "timer").overdue.isEmpty)

        fixture.installation.clock.advance(31 * 86_400)

        let summary = try fixture.app.verifyDue(policies: policies, actor: "timer")
        #expect(summary.overdue.map(\.id) == [job.id])
        #expect(summary.needsAttention)
    }
}
