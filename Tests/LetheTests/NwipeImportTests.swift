import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

private let nwipeFixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("LetheSanitizeTests/Fixtures/nwipe").path

/// An installation whose hdd rule is Clear by overwrite with a full read-back and no separation
/// of duties, so that an nwipe log that read back what it wrote verifies its job.
private struct NwipeInstallation {
    let fixture: EvidenceFixture
    var app: LetheApp { fixture.app }
    let policies: LoadedPolicies

    init() throws {
        fixture = try EvidenceFixture()
        let root = fixture.installation.root
        try FileManager.default.createDirectory(atPath: root.file("nwipe-policies"), withIntermediateDirectories: true)
        root.write(
            "nwipe-policies/main.yaml",
            """
            sanitization:
              - media: [laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other]
                classification: [low, moderate, high]
                method: clear
                techniques: [overwrite]
                verification: {mode: full}
                separation_of_duties: false
                deadline: P30D

            """)
        policies = try LetheApp.loadPolicies(directory: root.file("nwipe-policies"))
    }

    /// Registers, retires and schedules an hdd; returns its job's number.
    func job(_ tag: String, serial: String?, capacity: String?) throws -> Int64 {
        try app.registerAsset(
            AssetFields(tag: tag, serial: serial, mediaType: "hdd", capacity: capacity, classification: "low"),
            actor: "it")
        _ = try app.retireAsset(tag: tag, actor: "it")
        return try app.schedule(policies: policies, actor: "planner").created.first { $0.assetTag == tag }!.id
    }

    func events() throws -> Int { try fixture.installation.count("event") }

    /// Imports the log at `path` as a front end does: reads its bytes and hands them over.
    @discardableResult
    func importLog(
        job: Int64, path: String, device: String? = nil, ignoreSerialReason: String? = nil, actor: String = "tech"
    ) async throws -> NwipeImport {
        let log = try EvidenceFile(path: path).read()
        return try await app.sanitization.importNwipe(
            jobID: job, log: log, matching: NwipeMatching(devicePath: device, ignoreSerialReason: ignoreSerialReason),
            policies: policies, by: .jobsUser(actor, .technician))
    }
}

@Suite struct NwipeImportTests {
    @Test func theAssetsOwnLogExecutesAndVerifiesItsJob() async throws {
        let installation = try NwipeInstallation()
        let job = try installation.job("HDD-2", serial: "30d8048b7f", capacity: "32MiB")
        let result = try await installation.importLog(job: job, path: nwipeFixtures + "/verified-zero.log")
        #expect(result.job.state == .verified)
        #expect(result.nwipe.device == "/dev/loop0")
    }

    /// Issue 13: one real log accepted for two different drives. The second job is refused, and
    /// the refusal records nothing.
    @Test func aLogAlreadyUsedByAnotherJobIsRefused() async throws {
        let installation = try NwipeInstallation()
        let first = try installation.job("HDD-2", serial: "30d8048b7f", capacity: "32MiB")
        let second = try installation.job("HDD-3", serial: "30d8048b7f", capacity: "32MiB")
        let path = nwipeFixtures + "/verified-zero.log"
        try await installation.importLog(job: first, path: path, actor: "t")
        let before = try installation.events()

        let refused = await #expect(throws: LetheError.self) {
            try await installation.importLog(job: second, path: path, actor: "t")
        }

        #expect(refused?.message.contains("already the evidence of job \(first)") == true)
        #expect(try installation.events() == before)
        #expect(try installation.app.jobDetails(id: second).job.state == .scheduled)
    }

    /// Issue 13: a log of a drive with another serial (and size) is refused, naming both values.
    @Test func aLogOfAnotherDriveIsRefusedAndChangesNothing() async throws {
        let installation = try NwipeInstallation()
        let job = try installation.job("HDD-9", serial: "WD-WCC4E1234567", capacity: "1TB")
        let before = try installation.events()
        let refused = await #expect(throws: LetheError.self) {
            try await installation.importLog(job: job, path: nwipeFixtures + "/verified-zero.log", actor: "t")
        }
        #expect(refused?.message.contains("serial hex 30d8048b7f") == true)
        #expect(refused?.message.contains("'WD-WCC4E1234567'") == true)
        #expect(try installation.events() == before)
    }

    /// A log that says Erased with a FAILURE verification line is refused, not recorded as executed.
    @Test func anErasedStatusOverAFailedVerificationIsRefused() async throws {
        let installation = try NwipeInstallation()
        let job = try installation.job("HDD-2", serial: "30d8048b7f", capacity: "32MiB")
        let text = try String(contentsOfFile: nwipeFixtures + "/edited-invalid-serial.log", encoding: .isoLatin1)
            .replacingOccurrences(
                of: "notice: [SUCCESS] Verified that /dev/loop0 is empty.",
                with: "error: [FAILURE] /dev/loop0 is not empty .")
        let path = installation.fixture.installation.root.file("failed-verify.log")
        try text.write(toFile: path, atomically: true, encoding: .isoLatin1)
        let refused = await #expect(throws: LetheError.self) {
            try await installation.importLog(job: job, path: path, ignoreSerialReason: "edited fixture", actor: "t")
        }
        #expect(refused?.message.contains("was Erased, but") == true)
        #expect(refused?.details.contains { $0.hasPrefix("verifications of /dev/loop0") } == true)
        #expect(try installation.app.jobDetails(id: job).job.state == .scheduled)
    }

    /// In a log listing two devices, only the asset's (here the failed one, named with --device) is judged.
    @Test func theFailedSecondDeviceOfALogFailsOnlyItsOwnAsset() async throws {
        let installation = try NwipeInstallation()
        let job = try installation.job("USB-1", serial: "402349a37f", capacity: "8MiB")
        let result = try await installation.importLog(
            job: job, path: nwipeFixtures + "/verify-zero-one-failed.log", device: "/dev/loop1", actor: "t")
        #expect(result.nwipe.device == "/dev/loop1")
        #expect(result.job.state == .failed)
    }

    /// --ignore-serial --reason: the reason is in the job.executed event and the record's notes.
    @Test func aSkippedSerialCheckIsRecordedWithItsReasonAndShownInTheRecord() async throws {
        let installation = try NwipeInstallation()
        let job = try installation.job("HDD-4", serial: "WD-LABEL-1", capacity: "32MiB")
        let result = try await installation.importLog(
            job: job, path: nwipeFixtures + "/multipass-dodshort.log",
            ignoreSerialReason: "USB bridge reports its own serial")
        #expect(result.job.state == .verified)

        let issued = try await installation.app.evidence.issueDisposalRecord(
            job: job, by: .evidenceOperator("compliance"))
        let body = try await installation.app.evidence.record(serial: issued.serial, by: .evidenceOperator("auditor"))
            .record

        let notes = body["sanitization"]?["notes"]?.stringValue ?? ""
        #expect(notes.contains("serial check skipped at the nwipe import: USB bridge reports its own serial"))
        #expect(notes.contains("asset serial WD-LABEL-1"))
    }
}
