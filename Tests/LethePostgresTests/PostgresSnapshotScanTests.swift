import Foundation
import LetheCore
import LetheSanitize
import LetheTestSupport
import Testing

@testable import LethePostgres

@Suite(.enabled(if: PostgresCluster.shared.available, Comment(rawValue: PostgresCluster.shared.skipReason)))
struct PostgresSnapshotScanTests {
    @Test func aScanOverTwoConnectionsSeesExactlyTheRowsOfItsSnapshot() async throws {
        // Given 60,000 more customers (hundreds of heap pages: several ranges for each connection)
        let crm = try PostgresCRM("snapshot")
        try crm.sql(
            """
            INSERT INTO customers(email, name) SELECT 'bulk' || g || '@example.com', 'Bulk ' || g
                FROM generate_series(1, 60000) g;
            """)
        let order = try crm.sql("SELECT email FROM customers").split(separator: "\n").map(String.init)
        let pages =
            Int(
                try crm.sql("SELECT pg_relation_size('customers') / current_setting('block_size')::bigint")
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(pages > 6 * PostgresErasureExecutor.firstChunkPages)
        let values = PostgresCRM.hasher.values(normalization: .lowercaseTrim)
        let target = try PostgresConnectionString(SecretText(crm.url), store: "crm")
        let session = try await PostgresSession.open(
            target, store: "crm", logger: PostgresErasureExecutor(hasher: PostgresCRM.hasher).logger)
        let plan = try await PostgresPlan.resolve(PostgresCRM.plan, session: session)

        // When a third session commits changes after the snapshot is exported, before the second
        // connection adopts it (a tenth of the bulk rows deleted, 1,000 inserted), and again once the first
        // hashes arrive (another tenth deleted, another tenth updated, 1,000 more inserted)
        var problems: [String] = []
        var scanners = ""
        var hashes: [SubjectHash] = []
        let count = try await PostgresErasureExecutor.hashSnapshot(
            plan, session: session, values: values,
            beforeAdopting: {
                do {
                    try crm.sql(
                        """
                        DELETE FROM customers WHERE id > 200 AND id % 10 = 1;
                        INSERT INTO customers(email) SELECT 'early' || g || '@example.com' FROM generate_series(1, 1000) g;
                        """)
                } catch { problems.append("\(error)") }
            }
        ) { hash in
            if hashes.isEmpty {
                do {
                    scanners = try crm.sql(
                        """
                        SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                            AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL
                        """)
                    try crm.sql(
                        """
                        DELETE FROM customers WHERE id > 200 AND id % 10 = 3;
                        UPDATE customers SET email = 'moved' || id || '@example.com' WHERE id % 10 = 5;
                        INSERT INTO customers(email) SELECT 'late' || g || '@example.com' FROM generate_series(1, 1000) g;
                        """)
                } catch { problems.append("\(error)") }
            }
            hashes.append(hash)
        }
        await session.close()

        // Then two connections were scanning, and both read exactly the rows of the snapshot: the
        // deleted and updated rows as they were, none of the inserted ones, none twice, in heap order
        #expect(problems.isEmpty, "\(problems)")
        #expect(scanners == "2\n")
        #expect(count == 60_200)
        #expect(hashes == order.map { PostgresCRM.hasher.hash($0, normalization: .lowercaseTrim) })

        // And the changes were committed: a scan that starts now sees them
        let executor = PostgresErasureExecutor(hasher: PostgresCRM.hasher)
        let store = crm.store()
        let now = try await onThread { try executor.scanIdentities(store: store) { _ in } }
        #expect(now < 60_200)
        #expect("\(now)\n" == (try crm.sql("SELECT count(*) FROM customers")))
    }

    @Test func aRoleLimitedToOneConnectionIsScannedOnThatOne() async throws {
        // Given 20,000 more customers and a role that may hold only one connection
        let crm = try PostgresCRM("onelink")
        let role = "lethe_one_link"
        try crm.sql(
            """
            INSERT INTO customers(email, name) SELECT 'bulk' || g || '@example.com', 'Bulk ' || g
                FROM generate_series(1, 20000) g;
            CREATE ROLE \(role) LOGIN PASSWORD 'one-link' CONNECTION LIMIT 1;
            GRANT SELECT ON customers, orders, tickets TO \(role);
            """)
        let order = try crm.sql("SELECT email FROM customers").split(separator: "\n").map(String.init)
        let url = crm.url.replacingOccurrences(of: "//postgres:\(crm.cluster.password)@", with: "//\(role):one-link@")
        #expect(url != crm.url)
        let executor = PostgresErasureExecutor(hasher: PostgresCRM.hasher)
        let store = crm.store(url: url)

        // When the store is scanned as that role
        let scanned = try await onThread { () throws -> [SubjectHash] in
            var hashes: [SubjectHash] = []
            _ = try executor.scanIdentities(store: store) { hashes.append($0) }
            return hashes
        }

        // Then the second connection is refused and every value is hashed on the first, in order
        #expect(scanned == order.map { PostgresCRM.hasher.hash($0, normalization: .lowercaseTrim) })
    }
}

struct PostgresSnapshotIDTests {
    @Test func onlyWhatPostgreSQLExportsIsTakenAsASnapshotID() {
        // Given ids as PostgreSQL writes them, and texts that are not
        // Then only hexadecimal digits and dashes pass, never quotes, spaces or lower case
        #expect(PostgresErasureExecutor.isSnapshotID("00000003-0000001B-1"))
        #expect(PostgresErasureExecutor.isSnapshotID("0000000A-00000002-1"))
        #expect(!PostgresErasureExecutor.isSnapshotID(""))
        #expect(!PostgresErasureExecutor.isSnapshotID("00000003-0000001B-1'; SELECT 1; --"))
        #expect(!PostgresErasureExecutor.isSnapshotID("0000000a-00000002-1"))
        #expect(!PostgresErasureExecutor.isSnapshotID("00000003 0000001B"))
        #expect(!PostgresErasureExecutor.isSnapshotID(String(repeating: "A", count: 65)))
    }
}
