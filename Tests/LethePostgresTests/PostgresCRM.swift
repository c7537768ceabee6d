import Foundation
import LetheCore
import LetheSanitize
import LetheTestSupport

/// A small CRM in a fresh database of the test cluster: 200 customers, 600 orders, 400 tickets;
/// customer 7 is the subject (`  Ada.Lovelace@Example.com `), with 3 orders and 2 tickets.
struct PostgresCRM {
    static let subject = "ada.lovelace@example.com"
    static let hasher = try! SubjectHasher(secret: Array(repeating: 7, count: 32))

    let cluster: PostgresCluster
    let database: String
    let url: String

    init(_ name: String, cluster: PostgresCluster = .shared) throws {
        self.cluster = try cluster.require()
        database = "lethe_\(name)"
        url = try cluster.createDatabase(database)
        try sql(
            """
            CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL, name text, phone text, notes text);
            CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                                 shipping_address text, total numeric);
            CREATE TABLE tickets (id bigserial PRIMARY KEY,
                                  customer_id bigint REFERENCES customers(id) ON DELETE RESTRICT, body text);
            INSERT INTO customers(email, name, phone, notes)
                SELECT 'user' || g || '@example.com', 'Customer ' || g, '+44 ' || g, 'note ' || g
                FROM generate_series(1, 200) g;
            UPDATE customers SET email = '  Ada.Lovelace@Example.com ', name = 'Ada Lovelace' WHERE id = 7;
            INSERT INTO orders(customer_id, shipping_address, total)
                SELECT 1 + (g % 200), 'Street ' || g, g FROM generate_series(1, 600) g;
            INSERT INTO tickets(customer_id, body) SELECT 1 + (g % 200), 'ticket ' || g FROM generate_series(1, 400) g;
            """)
    }

    /// Runs SQL in the CRM's database.
    @discardableResult
    func sql(_ text: String) throws -> String { try cluster.psql(database: database, text) }

    /// Every row of the three tables as text, for before/after comparisons.
    func dump() throws -> [String] {
        try sql(
            """
            SELECT 'c|' || c::text FROM customers c UNION ALL SELECT 'o|' || o::text FROM orders o
            UNION ALL SELECT 't|' || t::text FROM tickets t
            """
        ).split(separator: "\n").map(String.init)
    }

    /// The plan: the subject's identity row kept with its columns erased, orders' addresses
    /// replaced, tickets deleted.
    static let plan = ErasurePlan(
        identityTable: "customers", identityColumn: "email", keyColumn: "id", normalization: .lowercaseTrim,
        identityErasure: .columns([
            ColumnErasure(column: "email", action: .keyedHash), ColumnErasure(column: "name", action: .setNull),
            ColumnErasure(column: "phone", action: .replace("erased")),
            ColumnErasure(column: "notes", action: .setNull),
        ]),
        references: [
            TableReference(
                table: "orders", column: "customer_id",
                erasure: .columns([ColumnErasure(column: "shipping_address", action: .replace("[erased]"))])),
            TableReference(table: "tickets", column: "customer_id", erasure: .deleteRow),
        ])

    /// The store declaration over this database.
    func store(
        plan: ErasurePlan = PostgresCRM.plan, vacuum: DatabaseVacuum = .plain, url: String? = nil
    ) -> DataStoreDeclaration {
        DataStoreDeclaration(
            name: "crm", kind: .postgres(connection: SecretText(url ?? self.url)), owner: "sales",
            categories: [], erasure: plan, vacuum: vacuum)
    }
}

/// Runs blocking executor work on a thread of its own (the executor waits on its task there),
/// as the application layer does: a Swift concurrency thread never blocks.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result: Result<T, any Error> = await withCheckedContinuation { continuation in
        Thread {
            do {
                continuation.resume(returning: .success(try body()))
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }.start()
    }
    return try result.get()
}
