import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

/// Backups Lethe holds no key for, on a registered medium: expiry retires the medium, its disposal
/// job sanitizes it, and the job's verification records the backups on it destroyed.
@Suite struct BackupMediaUseCaseTests {
    let fixture: EvidenceFixture
    var app: LetheApp { fixture.app }
    var installation: TestInstallation { fixture.installation }

    init() async throws {
        fixture = try EvidenceFixture()
        let crm = fixture.installation.root.file("crm.sqlite")
        try makeCRM(at: crm)
        _ = try await fixture.app.erasure.applyDataMap(
            file: fixture.installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo")
        ).stores
        _ = try await fixture.app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
        try fixture.app.registerAsset(
            AssetFields(
                tag: "T-1", serial: "LTO-000123", make: "IBM", model: "LTO-8", mediaType: "tape", classification: "high"
            ),
            actor: "it")
    }

    private func backup(expiringInDays days: Double, name: String) async throws -> BackupRecord {
        let file = installation.root.file(name)
        try FileManager.default.copyItem(atPath: installation.root.file("crm.sqlite"), toPath: file)
        return try await app.backups.register(
            store: "crm", file: file, created: installation.clock.now,
            expires: installation.clock.now.addingTimeInterval(days * 86_400), media: "T-1", policies: nil,
            by: .dataOfficer("ops")
        ).backup
    }

    @Test func anExpiredBackupsMediumIsRetiredSanitizedAndItsVerificationDestroysTheBackup() async throws {
        let backup = try await backup(expiringInDays: 35, name: "crm-backup.sqlite")
        #expect(backup.mediaTag == "T-1")
        // Under 'backup_erasure: shred' the request's part for the backup waits for its destruction.
        let request = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, by: .dataOfficer("dpo"))
        _ = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo")).parts
        let waiting = try #require(
            try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).parts.first {
                $0.action == .suppress
            })
        #expect(waiting.state == .pending)
        // (its outcome names the medium: a front end says to destroy it through its disposal job,
        // since attesting a backup on a registered medium is refused)
        #expect(waiting.outcome["media"]?.stringValue == "T-1")
        #expect(waiting.outcome["method"]?.stringValue == "media-destruction")

        #expect(try app.scheduleBackupDestructions(actor: "timer").isEmpty, "not expired yet")
        installation.clock.advance(36 * 86_400)
        #expect(try app.scheduleBackupDestructions(actor: "timer").map(\.id) == [backup.id])
        #expect(try app.asset(tag: "T-1").state == .retired)
        #expect(try app.scheduleBackupDestructions(actor: "timer").isEmpty, "scheduled once")

        let policies = try fixture.policies()
        let job = try #require(
            try app.schedule(policies: policies, actor: "planner").created.first { $0.assetTag == "T-1" })
        try app.startJob(id: job.id, actor: "tech")
        let evidence = installation.root.write("tape-shred.txt", "vendor certificate: tape T-1 shredded\n")
        try app.recordJob(
            id: job.id, technique: .shred, tool: "ShredCo HD-400", toolVersion: "2.1",
            evidence: [EvidenceFile(path: evidence)], actor: "tech")
        #expect(
            try await app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup).first?.shreddedAt == nil,
            "executed is not yet verified")
        _ = try app.attest(
            id: job.id, evidence: [EvidenceFile(path: evidence)], notes: "shreds inspected", policies: policies,
            actor: "inspector")

        let destroyed = try await #require(try app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup).first)
        #expect(destroyed.shreddedAt == RFC3339Date.round(installation.clock.now))
        let details = try await app.erasure.details(request.request.id, by: .dataOfficer("reader"))
        #expect(details.parts.first { $0.action == .suppress }?.state == .done)
        #expect(details.request.state == .completed)
        // The medium's history tells the backup's end next to its own.
        let history = try app.history(tag: "T-1").map(\.type)
        #expect(history.contains(.backupDestructionScheduled) && history.contains(.backupShredded))
    }

    @Test func aMediumWaitsForTheLastBackupOnItToExpire() async throws {
        let first = try await backup(expiringInDays: 35, name: "first.sqlite")
        let second = try await backup(expiringInDays: 100, name: "second.sqlite")
        installation.clock.advance(36 * 86_400)
        #expect(try app.scheduleBackupDestructions(actor: "timer").isEmpty)
        #expect(try app.asset(tag: "T-1").state == .inService, "the second backup is still retained")
        let waiting = try app.backupsWaitingForTheirMedium()
        #expect(waiting.map(\.backup.id) == [first.id] && waiting.map(\.retainedBy) == [[second.id]])
        installation.clock.advance(65 * 86_400)
        let scheduled = try app.scheduleBackupDestructions(actor: "timer")
        #expect(scheduled.map(\.id) == [first.id, second.id])
        #expect(try app.asset(tag: "T-1").state == .retired)
        #expect(try app.backupsWaitingForTheirMedium().isEmpty)
        // The medium was free only when the second expired: both are due a week after that, and
        // the first is not overdue for the weeks it had to wait.
        let freed = try #require(second.expiresAt)
        #expect(scheduled.map(\.destructionDueAt) == [freed, freed].map { $0.addingTimeInterval(7 * 86_400) })
        #expect(try app.overdueBackupDestructions().isEmpty)
        // Its destruction is recorded through the medium's job, not attested past it.
        do {
            _ = try await app.backups.attestDestroyed(
                first.id, notes: "tape gone", evidence: nil, by: .dataOfficer("ops")
            ).backup
            Issue.record("a backup on a registered medium was attested")
        } catch {
            #expect(error.message.contains("lives on asset T-1"), "\(error)")
        }
    }

    @Test func aBackupOnANASIsDestroyedOnlyOnceTheNASAndEveryDriveInItAreVerified() async throws {
        try app.registerAsset(AssetFields(tag: "NAS-1", mediaType: "server", classification: "high"), actor: "it")
        for drive in ["D-1", "D-2"] {
            try app.registerAsset(
                AssetFields(tag: drive, mediaType: "hdd", classification: "high", parentTag: "NAS-1"), actor: "it")
        }
        let backup = try await app.backups.register(
            store: "crm", file: "nas:NAS-1/crm", created: installation.clock.now,
            expires: installation.clock.now.addingTimeInterval(35 * 86_400), media: "NAS-1", policies: nil,
            by: .dataOfficer("ops")
        ).backup
        installation.clock.advance(36 * 86_400)
        #expect(try app.scheduleBackupDestructions(actor: "timer").map(\.id) == [backup.id])
        let policies = try fixture.policies()
        let jobs = try app.schedule(policies: policies, actor: "planner").created
        #expect(Set(jobs.map(\.assetTag)) == ["NAS-1", "D-1", "D-2"], "the drives were retired with the NAS")
        let evidence = EvidenceFile(path: installation.root.write("nas-shred.txt", "NAS-1 and drives shredded\n"))
        // The chassis first, then one drive: the other drive still holds the backup's data.
        for tag in ["NAS-1", "D-1", "D-2"] {
            let job = try #require(jobs.first { $0.assetTag == tag })
            try app.startJob(id: job.id, actor: "tech")
            _ = try app.recordJob(
                id: job.id, technique: .shred, tool: "ShredCo HD-400", toolVersion: "2.1", evidence: [evidence],
                actor: "tech")
            _ = try app.attest(
                id: job.id, evidence: [evidence], notes: "inspected", policies: policies, actor: "inspector")
            let destroyed =
                try await #require(try app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup).first)
                .shreddedAt != nil
            #expect(destroyed == (tag == "D-2"), "after \(tag)'s verification")
        }
        let event = try #require(try app.history(tag: "NAS-1").last { $0.type == .backupShredded })
        #expect(event.payload["method"]?.stringValue?.contains("everything attached to it verified") == true)
    }

    /// T-1 retired, scheduled, started and recorded shredded at the current time: its job.
    private func tapeShredded() async throws -> (job: DisposalJob, policies: LoadedPolicies, evidence: EvidenceFile) {
        _ = try app.retireAsset(tag: "T-1", actor: "it")
        let policies = try fixture.policies()
        let job = try #require(try app.schedule(policies: policies, actor: "planner").created.first)
        try app.startJob(id: job.id, actor: "tech")
        let evidence = EvidenceFile(path: installation.root.write("tape-shred.txt", "tape T-1 shredded\n"))
        return (
            try app.recordJob(
                id: job.id, technique: .shred, tool: "ShredCo HD-400", toolVersion: "2.1", evidence: [evidence],
                actor: "tech"), policies, evidence
        )
    }

    @Test func anEncryptedBackupOnTheMediumLosesItsKeyWithItAndALaterBackupIsNotClaimed() async throws {
        let encrypted = try await backup(expiringInDays: 35, name: "encrypted.sqlite")
        _ = try await app.backups.encrypt(encrypted.id, output: encrypted.file + ".lethe", by: .dataOfficer("ops"))
            .backup
        // Dated after the tape's shredding (registered before it, made minutes later: within the
        // clock skew a registration allows): not destroyed by it.
        let later = try await app.backups.register(
            store: "crm", file: "tape:T-1/later", created: installation.clock.now.addingTimeInterval(240),
            expires: installation.clock.now.addingTimeInterval(86_400), media: "T-1", policies: nil,
            by: .dataOfficer("ops")
        ).backup
        let (job, policies, evidence) = try await tapeShredded()
        installation.clock.advance(3 * 3600)
        _ = try app.attest(id: job.id, evidence: [evidence], notes: "inspected", policies: policies, actor: "inspector")
        let backups = try await app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup)
        let destroyed = try #require(backups.first { $0.id == encrypted.id })
        #expect(destroyed.shreddedAt != nil && destroyed.sealedKey == nil)
        #expect(try #require(backups.first { $0.id == later.id }).shreddedAt == nil)
    }

    @Test func aBackupMadeInTheFutureIsRefused() async throws {
        let events = try installation.count("event")
        let error = await #expect(throws: LetheError.self) {
            _ = try await app.backups.register(
                store: "crm", file: "tape:T-1/2099", created: installation.clock.now.addingTimeInterval(86_400),
                expires: installation.clock.now.addingTimeInterval(90 * 86_400), media: "T-1", policies: nil,
                by: .dataOfficer("ops"))
        }
        #expect(error?.message.contains("is in the future") == true)
        #expect(try installation.count("event") == events, "nothing was registered")
    }

    @Test func aSanitizedOrVerifiedMediumTakesNoNewBackupAndABackupOnAMediumNeedsAnExpiry() async throws {
        func refused(_ media: String, expires: Date?, _ says: String) async throws {
            let events = try installation.count("event")
            let created = installation.clock.now
            let error = await #expect(throws: LetheError.self, "a backup on \(media) was registered") {
                _ = try await app.backups.register(
                    store: "crm", file: "tape:\(media)/x", created: created, expires: expires, media: media,
                    policies: nil, by: .dataOfficer("ops"))
            }
            #expect(error?.message.contains(says) == true, "\(String(describing: error))")
            #expect(try installation.count("event") == events)
        }
        try await refused("T-1", expires: nil, "needs an expiry")
        let tomorrow = installation.clock.now.addingTimeInterval(86_400)
        let (job, policies, evidence) = try await tapeShredded()
        try await refused("T-1", expires: tomorrow, "is sanitized")
        _ = try app.attest(id: job.id, evidence: [evidence], notes: "inspected", policies: policies, actor: "inspector")
        try await refused("T-1", expires: tomorrow, "is verified")
        #expect(try await app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup).isEmpty)
    }

    @Test func aLostMediumIsNamedAsAnIncidentWhenItsBackupExpires() async throws {
        let backup = try await backup(expiringInDays: 35, name: "crm-backup.sqlite")
        try app.reportLost(tag: "T-1", reason: "missing from the vault, incident 42", actor: "it")
        installation.clock.advance(36 * 86_400)
        #expect(try app.scheduleBackupDestructions(actor: "timer").map(\.id) == [backup.id])
        let event = try #require(try app.history(tag: "T-1").last { $0.type == .backupDestructionScheduled })
        #expect(event.payload["media_state"]?.stringValue == "lost")
        #expect(event.payload["method"]?.stringValue?.hasPrefix("media lost") == true)
    }

    @Test func aMediumThatIsNotARegisteredUsableAssetIsRefusedAndNothingIsRegistered() async throws {
        let before = try installation.count("event")
        for (media, says) in [("NOPE", "NOPE"), ("T-2", "lost")] {
            if media == "T-2" {
                try app.registerAsset(AssetFields(tag: "T-2", mediaType: "tape", classification: "high"), actor: "it")
                try app.reportLost(tag: "T-2", reason: "missing from the vault, incident 42", actor: "it")
            }
            let events = try installation.count("event")
            do {
                _ = try await app.backups.register(
                    store: "crm", file: "/backups/x", created: installation.clock.now,
                    expires: installation.clock.now.addingTimeInterval(86_400), media: media, policies: nil,
                    by: .dataOfficer("ops")
                ).backup
                Issue.record("a backup on \(media) was registered")
            } catch {
                #expect(error.message.contains(says), "\(error)")
            }
            #expect(try installation.count("event") == events)
        }
        #expect(try await app.backups.list(by: .dataOfficer("reader")).backups.map(\.backup).isEmpty)
        #expect(try installation.count("event") == before + 2)
    }
}
