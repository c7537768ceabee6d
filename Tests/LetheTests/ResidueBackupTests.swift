import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

/// A postgres store's declared residue becomes rolling backups of the store: applied idempotently
/// with an event per change, planned into erasure requests, never scheduled for destruction.
/// The store's server is not reachable here (`store apply` registers it anyway); the erasure
/// against a real server is `PostgresErasureFlowTests.aDeclaredArchiveAndReplicaBecomeParts…`.
@Suite struct ResidueBackupTests {
    let installation: TestInstallation
    var app: LetheApp { installation.app }
    let officer = Principal.dataOfficer("dpo")

    init() async throws {
        installation = try TestInstallation()
        try installation.app.registerAsset(
            AssetFields(
                tag: "NAS-01", serial: "N1", make: "Synology", model: "RS", mediaType: "server",
                classification: "high"),
            actor: "it")
    }

    static func map(residue: String) -> String {
        """
        stores:
          - name: crm
            kind: postgres
            owner: sales
            connection: "postgresql://lethe@127.0.0.1:1/crm?connect_timeout=1"
            categories: [user.contact.email]
            identity: {table: customers, column: email, erase: delete-row}
            residue:
        \(residue)
        """
    }

    static let both = """
              - {name: pitr, kind: wal-archive, location: "s3://crm-wal/primary", retention: P35D, media: NAS-01}
              - {name: standby, kind: replica, location: "postgresql://db-b:5432/crm"}
        """

    func apply(_ residue: String) async throws -> StoreApplyChange {
        try #require(
            try await app.erasure.applyDataMap(
                file: installation.root.write("stores.yaml", Self.map(residue: residue)), by: officer
            ).stores.first)
    }

    @Test func applyRegistersRollingBackupsOnceAndRecordsEachChange() async throws {
        // Given a postgres store declaring a WAL archive and a replica
        let added = try await apply(Self.both)
        #expect(added.residue.map(\.change) == [.added, .added])
        let backups = try await app.backups.list(by: officer).backups.map(\.backup)
        #expect(backups.map(\.kind) == [.rolling, .rolling])
        #expect(backups[0].residue?.kind == .walArchive && backups[0].residue?.retention == ISODuration(days: 35))
        #expect(backups[0].file == "s3://crm-wal/primary" && backups[0].mediaTag == "NAS-01")
        #expect(backups[0].expiresAt == nil)
        #expect(backups[1].residue?.kind == .replica && backups[1].residue?.retention == nil)
        let events = try installation.count("event")

        // When the same map is applied again, nothing changes and nothing is recorded
        let again = try await apply(Self.both)
        #expect(again.change == .unchanged && again.residue.map(\.change) == [.unchanged, .unchanged])
        #expect(try installation.count("event") == events)

        // When the archive's retention changes and the replica is removed
        let changed = try await apply(
            "      - {name: pitr, kind: wal-archive, location: \"s3://crm-wal/primary\", retention: P14D, media: NAS-01}"
        )

        // Then the archive is updated, the replica marked undeclared (kept), one event each plus the store's
        #expect(changed.change == .changed)
        #expect(changed.residue.map(\.change) == [.changed, .undeclared])
        #expect(try installation.count("event") == events + 3)
        let after = try await app.backups.list(by: officer).backups.map(\.backup)
        #expect(after.count == 2)
        #expect(after[0].residue?.retention == ISODuration(days: 14))
        #expect(after[1].residue?.undeclaredAt == installation.clock.now.rounded)

        // And the listing's JSON names the kind, the residue, the retention and the location
        let json = try CanonicalJSON.decode(
            Array(ResultEncoding.encoder().encode(try await app.backups.list(by: officer))))
        let listed = try #require(json["backups"]?.arrayValue)
        #expect(listed[0]["kind"] == "rolling" && listed[0]["residue"] == "wal-archive")
        #expect(listed[0]["retention"] == "P14D" && listed[0]["location"] == "s3://crm-wal/primary")
        #expect(listed[1]["declared"] == .bool(false))
    }

    @Test func anUnregisteredMediumFailsTheApplyAndNothingIsRegistered() async throws {
        let failed = await #expect(throws: LetheError.self) {
            _ = try await apply(
                "      - {name: pitr, kind: wal-archive, location: /srv/wal, retention: P35D, media: NAS-404}")
        }
        #expect(failed?.message.contains("media NAS-404 is not a registered asset") == true)
        #expect(try installation.count("backup") == 0)
        #expect(try installation.count("data_store") == 0)
    }

    @Test func aRequestPlansASuppressionAgingOutUnderTheRetentionAndAReplicaAttestation() async throws {
        // Given the store holds Ada and declares a WAL archive and a replica
        _ = try await apply(Self.both)
        _ = try await app.erasure.importHoldings(
            file: installation.root.write("h.csv", "identifier,store\nada@example.com,crm\n"), by: officer)
        let archive = try #require(try await app.backups.list(by: officer).backups.first?.backup)
        #expect(archive.subjectCount == 1, "a rolling backup holds what its store holds now")

        // When Ada asks for erasure
        let request = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: officer)

        // Then the store's part, a suppression kept until the request plus 35 days, and a replica part to attest
        #expect(request.parts.map(\.action) == [.execute, .suppress, .attest])
        let suppress = request.parts[1]
        #expect(suppress.backupID == archive.id && suppress.state == .done)
        #expect(suppress.finalAt == ISODuration(days: 35).added(to: installation.clock.now.rounded))
        #expect(suppress.outcome["retention"] == "P35D" && suppress.outcome["observed"] == .bool(false))
        #expect(suppress.outcome["counted_from"] == "request")
        let replica = request.parts[2]
        #expect(replica.state == .pending && replica.outcome["check"] == "replay-past-erasure")

        // And the replica cannot be attested before the store's erasure ran
        let early = await #expect(throws: LetheError.self) {
            _ = try await app.erasure.attest(
                request.request.id, store: "crm", backup: replica.backupID, notes: "replayed", evidence: nil,
                by: officer)
        }
        #expect(early?.message.contains("which is not done yet") == true)
        // Nor the archive recorded destroyed, encrypted or shredded
        let destroyed = await #expect(throws: LetheError.self) {
            _ = try await app.backups.attestDestroyed(archive.id, notes: "gone", evidence: nil, by: officer)
        }
        #expect(destroyed?.message.contains("a rolling backup") == true)
        let shred = await #expect(throws: LetheError.self) {
            _ = try await app.backups.shred(archive.id, by: officer)
        }
        #expect(shred?.message.contains("it cannot be crypto-shredded") == true)

        // And a rolling backup is never scheduled for destruction nor overdue, however late
        installation.clock.advance(400 * 86_400)
        #expect(try app.scheduleBackupDestructions(actor: "timer").isEmpty)
        #expect(try app.overdueBackupDestructions().isEmpty)
    }
}

extension Date {
    /// Truncated to the second, as Lethe stores dates.
    fileprivate var rounded: Date { Date(timeIntervalSince1970: floor(timeIntervalSince1970)) }
}
