import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

/// The whole erasure flow against a PostgreSQL CRM in the test cluster, through the application
/// layer: data map, scan, request, run, re-verification, restore, re-apply; and the failures.
/// On a cluster of their own, one at a time: another test's open transaction would hold back the
/// `VACUUM` and (rightly) fail the part.
@Suite(.serialized, .enabled(if: PostgresCluster.flows.available, Comment(rawValue: PostgresCluster.flows.skipReason)))
struct PostgresErasureFlowTests {
    static func makeCRM(_ name: String) throws -> (PostgresCluster, String) {
        let cluster = try PostgresCluster.flows.require()
        let url = try cluster.createDatabase(name)
        try cluster.psql(
            database: name,
            """
            CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL, name text);
            CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                                 shipping_address text);
            INSERT INTO customers (email, name) VALUES ('Ada@Example.com', 'Ada Lovelace'),
                ('grace@example.org', 'Grace Hopper'), ('alan@example.net', 'Alan Turing');
            INSERT INTO orders (customer_id, shipping_address) VALUES (1, '12 St James Sq'), (2, 'Arlington'),
                (1, '12 St James Sq');
            """)
        return (cluster, url)
    }

    static func map(_ url: String, column: String = "email") -> String {
        """
        version: 1
        stores:
          - name: crm
            kind: postgres
            owner: sales-operations
            connection: "\(url)"
            vacuum: full
            categories: [user.contact.email, user.name]
            identity_normalization: lowercase-trim
            identity:
              table: customers
              column: \(column)
              key: id
              erase: delete-row
            references:
              - table: orders
                column: customer_id
                erase: delete-row

        """
    }

    @Test func applyScanRequestRunVerifyRestoreReapply() async throws {
        // Given a registered PostgreSQL CRM with three customers
        let (cluster, url) = try Self.makeCRM("lethe_flow")
        let installation = try TestInstallation()
        let app = installation.app
        let officer = Principal.dataOfficer("dpo")
        let bad = installation.root.write("bad.yaml", Self.map(url, column: "e_mail"))
        let drift = await #expect(throws: LetheError.self) {
            _ = try await app.erasure.applyDataMap(file: bad, by: officer)
        }
        #expect(drift?.message.contains("table 'customers' has no column 'e_mail'") == true)
        let map = installation.root.write("stores.yaml", Self.map(url))
        #expect(try await app.erasure.applyDataMap(file: map, by: officer).stores.map(\.change) == [.added])
        let shown = try await app.erasure.showStore("crm", by: officer)
        #expect(shown.json["connection"]?.stringValue == "<secret>")
        #expect(shown.json["vacuum"]?.stringValue == "full")

        // When it is scanned, a request made and run
        #expect(try await app.erasure.scanStore("crm", by: officer).identitiesRead == 3)
        let request = try await app.erasure.request(
            identifier: " ada@example.com", reason: .withdrawal, policies: testPolicies, by: officer)
        let run = try await app.erasure.run(request.request.id, identifier: " ada@example.com", by: officer)

        // Then the part is done, vacuumed, the unreachable residue listed, the rows gone
        let part = try #require(run.parts.first?.part)
        #expect(part.state == .done)
        #expect(part.outcome["vacuumed"] == .bool(true))
        #expect(part.outcome["query_check_remaining_rows"] == .integer(0))
        #expect(part.outcome["residue_outside_reach"]?.arrayValue?.count == 5)
        #expect(try cluster.psql(database: "lethe_flow", "SELECT count(*) FROM customers WHERE id = 1") == "0\n")
        #expect(try cluster.psql(database: "lethe_flow", "SELECT count(*) FROM orders") == "1\n")

        // When re-verification falls due: clean
        installation.clock.advance(91 * 86_400)
        #expect(try await app.jobs.verifyDue(policies: testPolicies, by: officer).erasures.passed.count == 1)

        // When a backup is restored (the subject's row is back), the next check raises it
        try cluster.psql(
            database: "lethe_flow", "INSERT INTO customers (id, email, name) VALUES (1, 'ada@example.com', 'Ada L.')")
        installation.clock.advance(91 * 86_400)
        #expect(try await app.jobs.verifyDue(policies: testPolicies, by: officer).erasures.refound.count == 1)

        // And re-applying by keyed hash erases it again and clears the part
        let reapplied = try await app.erasure.reapply(store: "crm", by: officer)
        #expect(reapplied.subjectRowsFound == 1 && reapplied.cleared == 1)
        #expect(try cluster.psql(database: "lethe_flow", "SELECT count(*) FROM customers") == "2\n")
    }

    @Test func aServerThatIsDownFailsThePartAndALaterRunSucceeds() async throws {
        // Given a scanned CRM whose connection then points at a port where no server listens
        let (cluster, url) = try Self.makeCRM("lethe_down")
        let installation = try TestInstallation()
        let app = installation.app
        let officer = Principal.dataOfficer("dpo")
        _ = try await app.erasure.applyDataMap(file: installation.root.write("s.yaml", Self.map(url)), by: officer)
        _ = try await app.erasure.scanStore("crm", by: officer)
        let down = url.replacingOccurrences(of: ":\(cluster.port)/", with: ":1/")
        _ = try await app.erasure.applyDataMap(file: installation.root.write("s.yaml", Self.map(down)), by: officer)
        let request = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: officer)

        // When it runs, the part fails saying what to do, and nothing changed
        let failed = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: officer)
        #expect(failed.parts.first?.part.state == .failed)
        #expect(failed.parts.first?.error?.contains("cannot reach the PostgreSQL server at 127.0.0.1:1") == true)
        #expect(failed.parts.first?.error?.contains(cluster.password) == false)
        #expect(try cluster.psql(database: "lethe_down", "SELECT count(*) FROM customers") == "3\n")

        // When the right connection is applied, a later run succeeds
        _ = try await app.erasure.applyDataMap(file: installation.root.write("s.yaml", Self.map(url)), by: officer)
        let done = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: officer)
        #expect(done.parts.first?.part.state == .done)
        #expect(done.requestState == .completed)
    }
}
