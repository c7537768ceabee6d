import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// The erasure and backup services ask the one roles table before anything changes.
@Suite struct ErasureAuthorizationTests {
    let auditor = Principal.erasureTester("audrey", roles: [.auditor])
    let technician = Principal.erasureTester("tess", roles: [.technician])
    let compliance = Principal.erasureTester("dpo", roles: [.compliance])

    /// An installation with the CRM store applied and scanned by compliance.
    func installation() async throws -> (TestInstallation, crm: String) {
        let installation = try TestInstallation()
        let crm = installation.root.file("crm.sqlite")
        try makeCRM(at: crm)
        _ = try await installation.app.erasure.applyDataMap(
            file: installation.root.write("stores.yaml", crmMap(crm)), by: compliance)
        _ = try await installation.app.erasure.scanStore("crm", by: compliance)
        return (installation, crm)
    }

    @Test func anAuditorMayReadButNotChangeTheDataMapOrFileAnErasure() async throws {
        let (installation, crm) = try await installation()
        let app = installation.app
        let events = try installation.count("event")

        // When an auditor tries every erasure write, each is refused as forbidden…
        let attempts: [(String, () async throws -> Void)] = [
            ("apply", { _ = try await app.erasure.applyDataMap(yaml: crmMap(crm), fileName: "m.yaml", by: auditor) }),
            ("scan", { _ = try await app.erasure.scanStore("crm", by: auditor) }),
            (
                "import",
                {
                    _ = try await app.erasure.importHoldings(
                        csv: .bytes(Data("identifier,store\nx@example.com,crm\n".utf8)), fileName: "h.csv", by: auditor)
                }
            ),
            (
                "request",
                {
                    _ = try await app.erasure.request(
                        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: auditor)
                }
            ),
            ("reapply", { _ = try await app.erasure.reapply(store: "crm", by: auditor) }),
        ]
        for (name, attempt) in attempts {
            do {
                try await attempt()
                Issue.record("\(name) was allowed to an auditor")
            } catch let error as LetheError {
                #expect(error.code == .forbidden, "\(name): \(error)")
                #expect(error.message.contains("compliance"), "\(name): \(error.message)")
            }
        }
        // …and nothing changed: no event, no request.
        #expect(try installation.count("event") == events)
        #expect(try await app.erasure.list(overdue: false, by: auditor).requests.isEmpty)
        // Reading is every role's.
        #expect(try await app.erasure.listStores(by: auditor).stores.map(\.declaration.name).contains("crm"))
    }

    @Test func aTechnicianMayNotRegisterShredOrAttestBackups() async throws {
        let (installation, crm) = try await installation()
        let app = installation.app
        let copy = installation.root.file("crm-backup.sqlite")
        try FileManager.default.copyItem(atPath: crm, toPath: copy)
        let created = installation.clock.now
        await #expect(throws: LetheError.self) {
            _ = try await app.backups.register(
                store: "crm", file: copy, created: created, expires: created.addingTimeInterval(86_400),
                policies: nil, by: technician)
        }
        #expect(try await app.backups.list(by: technician).backups.isEmpty, "nothing was registered")

        let backup = try await app.backups.register(
            store: "crm", file: copy, created: created, expires: created.addingTimeInterval(86_400), policies: nil,
            by: compliance
        ).backup
        let events = try installation.count("event")
        for attempt in [
            { () async throws in _ = try await app.backups.shred(backup.id, by: technician) },
            { () async throws in
                _ = try await app.backups.attestDestroyed(backup.id, notes: "vendor", evidence: nil, by: technician)
            },
            { () async throws in
                _ = try await app.backups.encrypt(backup.id, output: copy + ".lethe", by: technician)
            },
        ] {
            do {
                try await attempt()
                Issue.record("a technician changed a backup")
            } catch let error as LetheError {
                #expect(error.code == .forbidden, "\(error)")
            }
        }
        #expect(try installation.count("event") == events)
        #expect(!FileManager.default.fileExists(atPath: copy + ".lethe"), "no file was encrypted")
        let listed = try #require(try await app.backups.list(by: auditor).backups.first)
        #expect(listed.backup.shreddedAt == nil && listed.state == .plain)
    }

    @Test func aPartWaitingForABackupRecordsFactsNotCommands() async throws {
        let (installation, crm) = try await installation()
        let app = installation.app
        let copy = installation.root.file("crm-backup.sqlite")
        try FileManager.default.copyItem(atPath: crm, toPath: copy)
        let created = installation.clock.now
        let backup = try await app.backups.register(
            store: "crm", file: copy, created: created, expires: created.addingTimeInterval(86_400), policies: nil,
            by: compliance
        ).backup
        var policies = testPolicies
        policies.set.backupErasure = .shred
        let request = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: policies, by: compliance)
        let part = try #require(request.parts.first { $0.action == .suppress })
        #expect(part.outcome["waiting_for"] == "backup-destruction")
        #expect(part.outcome["method"] == "media-destruction")
        #expect(part.outcome["backup"] == .integer(backup.id))
        #expect(part.outcome["note"] == nil, "no CLI wording in the evidence")
        let events = try await app.store.read { (tx) throws(LetheError) in try tx.events(fromSeq: 1, limit: 1_000) }
        for event in events {
            let text = String(decoding: try CanonicalJSON.encode(event.payload), as: UTF8.self)
            #expect(!text.contains("lethe "), "\(event.type.rawValue): \(text)")
        }
    }
}
