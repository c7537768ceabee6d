import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

// In `PostgresErasureFlowTests`' suite: serialized on its cluster (an open transaction elsewhere
// would hold back the VACUUM).
extension PostgresErasureFlowTests {
    @Test func aDeclaredArchiveAndReplicaBecomePartsOfTheErasureAndReapplyCoversThem() async throws {
        // Given a PostgreSQL CRM whose data map declares a WAL archive (35 days) and a replica
        let (cluster, url) = try Self.makeCRM("lethe_residue")
        let installation = try TestInstallation()
        let app = installation.app
        let officer = Principal.dataOfficer("dpo")
        let map =
            Self.map(url) + """
                    residue:
                      - {name: pitr, kind: wal-archive, location: /srv/wal/crm, retention: P35D}
                      - {name: standby, kind: replica, location: "postgresql://db-b:5432/crm"}

                """
        let applied = try await app.erasure.applyDataMap(file: installation.root.write("s.yaml", map), by: officer)

        // Then the store has two rolling backups
        #expect(applied.stores.first?.residue.map(\.change) == [.added, .added])
        let backups = try await app.backups.list(store: "crm", by: officer).backups.map(\.backup)
        #expect(backups.map { $0.residue?.kind } == [.walArchive, .replica])

        // When a held subject is erased
        #expect(try await app.erasure.scanStore("crm", by: officer).identitiesRead == 3)
        let request = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: officer)
        #expect(request.parts.map(\.action) == [.execute, .suppress, .attest])
        let run = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: officer)
        let erased = try #require(run.parts.first?.part)
        #expect(erased.state == .done)

        // Then the archive's suppression ages out 35 days after the erasure completed, not observed,
        // and the replica's part carries the primary's WAL position after the erasure
        let parts = try await app.erasure.details(request.request.id, by: officer).parts
        let suppress = try #require(parts.first { $0.action == .suppress })
        #expect(suppress.backupID == backups[0].id && suppress.state == .done)
        #expect(suppress.finalAt == ISODuration(days: 35).added(to: erased.updatedAt))
        #expect(suppress.outcome["counted_from"] == "erasure" && suppress.outcome["observed"] == .bool(false))
        let replica = try #require(parts.first { $0.action == .attest })
        let lsn = try #require(replica.outcome["primary_wal_lsn"]?.stringValue)
        #expect(lsn == erased.outcome["wal_lsn"]?.stringValue)
        #expect(
            try cluster.psql(database: "lethe_residue", "SELECT pg_current_wal_lsn() >= '\(lsn)'::pg_lsn") == "t\n")
        #expect(run.requestState == .open, "the replica is not attested yet")

        // When someone confirms the replica replayed past it, the request completes
        let attested = try await app.erasure.attest(
            request.request.id, store: "crm", backup: replica.backupID,
            notes: "db-b: pg_last_wal_replay_lsn() past \(lsn), checked by ops", evidence: nil, by: officer)
        #expect(attested.part.state == .done)
        #expect(try await app.erasure.details(request.request.id, by: officer).request.state == .completed)

        // When the store is restored to a point in time before the erasure (the row is back)
        try cluster.psql(
            database: "lethe_residue", "INSERT INTO customers (id, email, name) VALUES (1, 'ada@example.com', 'Ada')")

        // Then re-applying erases it again
        let reapplied = try await app.erasure.reapply(store: "crm", by: officer)
        #expect(reapplied.subjects == 1 && reapplied.subjectRowsFound == 1)
        #expect(try cluster.psql(database: "lethe_residue", "SELECT count(*) FROM customers WHERE id = 1") == "0\n")
    }

    @Test func underTheShredPolicyAnArchivePartWaitsUntilTheDeclaredRetentionHasPassed() async throws {
        // Given a CRM declaring only a WAL archive (14 days) and the policy backup_erasure: shred
        let (_, url) = try Self.makeCRM("lethe_residue_shred")
        let installation = try TestInstallation()
        let app = installation.app
        let officer = Principal.dataOfficer("dpo")
        let map =
            Self.map(url) + """
                    residue:
                      - {name: pitr, kind: wal-archive, location: /srv/wal/crm, retention: P14D}

                """
        _ = try await app.erasure.applyDataMap(file: installation.root.write("s.yaml", map), by: officer)
        _ = try await app.erasure.scanStore("crm", by: officer)
        let request = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: shredPolicies, by: officer)
        #expect(request.parts.map(\.state) == [.pending, .pending])

        // When the store's part is done
        _ = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: officer)
        let erasedAt = installation.clock.now

        // Then the archive's part still waits: a schedule run before its final date leaves it, one after completes it
        installation.clock.advance(13 * 86_400)
        _ = try app.runSchedule(policies: shredPolicies, actor: "timer")
        #expect(try await app.erasure.details(request.request.id, by: officer).request.state == .open)
        installation.clock.advance(2 * 86_400)
        _ = try app.runSchedule(policies: shredPolicies, actor: "timer")
        let details = try await app.erasure.details(request.request.id, by: officer)
        #expect(details.request.state == .completed)
        let part = try #require(details.parts.last)
        #expect(part.state == .done && part.finalAt.map { $0 > erasedAt } == true)
        // And the report to sign does not call the archive destroyed: Lethe did not see it age out
        let statement =
            try await app.erasure.report(request.request.id, by: officer).body["statement"]?.stringValue ?? ""
        #expect(!statement.contains("destroyed") && statement.contains("not observed by Lethe"), "\(statement)")
    }
}
