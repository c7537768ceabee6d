import Foundation
import GRDB
import LetheCore
import LetheTestSupport

@testable import LetheSanitize

/// A small CRM database: customers, their orders and support tickets.
enum CRMFixture {
    static let subject = "ada.lovelace@example.com"
    static let storedSubject = "  Ada.Lovelace@Example.com "
    static let secret = [UInt8](repeating: 7, count: 32)

    static var hasher: SubjectHasher { try! SubjectHasher(secret: secret) }

    /// Creates the database at `path`; the subject is customer 7 with 3 orders and 2 tickets.
    static func create(at path: String, journalMode: String = "delete", customers: Int = 40) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = \(journalMode)")
            try db.execute(sql: "PRAGMA secure_delete = OFF")
            try db.execute(
                sql: """
                    CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, phone TEXT, notes TEXT);
                    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                                         total INTEGER NOT NULL, shipping_address TEXT);
                    CREATE TABLE tickets (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), body TEXT);
                    """)
            try db.inTransaction {
                for id in 1...customers {
                    let email = id == 7 ? storedSubject : "customer\(id)@example.org"
                    try db.execute(
                        sql: "INSERT INTO customers VALUES (?, ?, ?, ?, ?)",
                        arguments: [id, email, "Customer \(id)", "+44 20 7946 \(1000 + id)", "notes about \(email)"])
                    for order in 0..<3 {
                        try db.execute(
                            sql: "INSERT INTO orders (customer_id, total, shipping_address) VALUES (?, ?, ?)",
                            arguments: [id, 100 * order + id, "\(id) Analytical Street, c/o \(email)"])
                    }
                    if id % 2 == 1 {
                        for ticket in 0..<2 {
                            try db.execute(
                                sql: "INSERT INTO tickets (customer_id, body) VALUES (?, ?)",
                                arguments: [id, "ticket \(ticket): please write to \(email)"])
                        }
                    }
                }
                return .commit
            }
        }
    }

    /// The plan of docs/examples/crm-store.yaml: all four actions.
    static func store(_ path: String, plan: ErasurePlan? = nil) -> DataStoreDeclaration {
        DataStoreDeclaration(
            name: "crm", kind: .sqlite(path: path), owner: "ops",
            categories: [DataCategory("user.contact.email")!],
            erasure: plan
                ?? ErasurePlan(
                    identityTable: "customers", identityColumn: "email", keyColumn: "id",
                    normalization: .lowercaseTrim,
                    identityErasure: .columns([
                        .init(column: "email", action: .keyedHash), .init(column: "name", action: .setNull),
                        .init(column: "phone", action: .replace("erased")), .init(column: "notes", action: .setNull),
                    ]),
                    references: [
                        TableReference(
                            table: "orders", column: "customer_id",
                            erasure: .columns([.init(column: "shipping_address", action: .replace("[erased]"))])),
                        TableReference(table: "tickets", column: "customer_id", erasure: .deleteRow),
                    ]))
    }

    /// Every row of every table, as text, for before/after comparisons.
    static func dump(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var lines: [String] = []
            for table in ["customers", "orders", "tickets"] {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY id") {
                    lines.append("\(table) \(row)")
                }
            }
            return lines
        }
    }
}
