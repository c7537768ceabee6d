import Foundation
import LetheCore
import LetheEvidence
import LetheStore
import LetheTestSupport

@testable import Lethe

/// An installation whose organisation is configured, with a helper that takes an SSD through
/// retirement, a shredding job and an attested verification.
struct EvidenceFixture {
    let installation: TestInstallation
    var app: LetheApp

    init() throws {
        installation = try TestInstallation()
        app = installation.app
        app.settings[Settings.organization] = "Acme Data Services"
        app.settings[Settings.location] = "Dock 4, Leeds"
    }

    func policies(autoIssue: Bool = false) throws -> LoadedPolicies {
        let directory = installation.root.file("policies")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        installation.root.write(
            "policies/main.yaml",
            """
            sanitization:
              - media: [laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other]
                classification: [low, moderate, high]
                method: destroy
                techniques: [shred]
                verification: {mode: attest}
                deadline: P30D\(autoIssue ? "\n    issue_record: true" : "")

            """)
        return try LetheApp.loadPolicies(directory: directory)
    }

    /// An SSD retired, scheduled, shredded and (unless `verify` is false) attested: returns its job.
    func shreddedJob(_ tag: String = "SSD-1", verify: Bool = true, autoIssue: Bool = false) throws -> DisposalJob {
        let policies = try policies(autoIssue: autoIssue)
        try app.registerAsset(
            AssetFields(
                tag: tag, serial: "S3Z9NB0K", make: "Samsung", model: "860 EVO", mediaType: "ssd",
                classification: "high"),
            actor: "it")
        _ = try app.retireAsset(tag: tag, actor: "it")
        let job = try app.schedule(policies: policies, actor: "planner").created.first { $0.assetTag == tag }!
        try app.startJob(id: job.id, actor: "tech")
        let evidence = installation.root.write("shred-\(tag).txt", "vendor certificate of destruction for \(tag)\n")
        try app.recordJob(
            id: job.id, technique: .shred, tool: "ShredCo HD-400", toolVersion: "2.1",
            evidence: [EvidenceFile(path: evidence)], actor: "tech")
        guard verify else { return try app.jobDetails(id: job.id).job }
        let (verified, _) = try app.attest(
            id: job.id, evidence: [EvidenceFile(path: evidence)], notes: "shreds inspected", policies: policies,
            actor: "inspector")
        return verified
    }

    /// Row counts of the evidence tables, to show that a refused command changed nothing.
    func counts() throws -> [Int] {
        try ["event", "log_node", "log_checkpoint", "signed_record", "record_revocation"].map {
            try installation.count($0)
        }
    }
}

extension EvidenceFixture {
    /// The evidence use cases of the fixture's installation.
    var evidence: EvidenceService { app.evidence }

    /// A record as stored (its bytes, signature and log index).
    func stored(_ serial: String) async throws -> StoredRecord {
        try await app.store.read { (tx) throws(LetheError) in try tx.record(serial: serial) }!
    }

    /// Exports the bundle of `serial` into the directory `name` of the test's root, as the CLI
    /// does, then reads it back and verifies it.
    @discardableResult
    func exportAndVerify(_ serial: String, into name: String = "bundle") async throws -> BundleVerification {
        let directory = installation.root.file(name)
        try await evidence.bundle(serial: serial, by: .evidenceOperator("auditor")).bundle.write(directory: directory)
        return try await EvidenceService.verifyBundle(EvidenceBundle.read(directory: directory))
    }
}
