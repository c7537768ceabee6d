import Foundation
import LetheCore
import LethePostgres
import LetheSanitize
import LetheTestSupport
import Testing

@Suite(.enabled(if: PostgresCluster.shared.available, Comment(rawValue: PostgresCluster.shared.skipReason)))
struct PostgresErasureTests {
    let executor = PostgresErasureExecutor(hasher: PostgresCRM.hasher)
    let subject = PostgresCRM.hasher.hash(PostgresCRM.subject, normalization: .lowercaseTrim)

    @Test func allFourActionsInOneTransactionInMapOrder() async throws {
        // Given the CRM in a real server and the example plan
        let crm = try PostgresCRM("actions")
        let store = crm.store()
        let before = try crm.dump()
        let executor = self.executor

        // When the subject is erased by the identifier from the request
        let result = try await onThread { try executor.erase(identifier: "Ada.Lovelace@Example.com", store: store) }

        // Then each table shows what was done, references first, the identity table last
        #expect(result.subjectRows == 1)
        // (Other tests write in the same cluster meanwhile: their open transactions may hold VACUUM back.)
        #expect(result.vacuumed)
        #expect(result.compacted || result.compactionProblem?.contains("open since before the erasure") == true)
        #expect(result.tables.map { $0.table } == ["orders", "tickets", "customers"])
        let byTable = Dictionary(uniqueKeysWithValues: result.tables.map { ($0.table, $0) })
        #expect(byTable["orders"]?.matchedRows == 3 && byTable["orders"]?.rowsAffected == 3)
        #expect(byTable["tickets"]?.rowsAffected == 2)
        #expect(byTable["tickets"]?.totalRowsBefore == 400 && byTable["tickets"]?.totalRowsAfter == 398)
        #expect(byTable["customers"]?.action == "email=keyed-hash, name=set-null, phone=replace, notes=set-null")

        // And the rows hold what the actions say
        #expect(
            try crm.sql("SELECT email, coalesce(name, '-'), phone FROM customers WHERE id = 7")
                == "\(subject.hex)|-|erased\n")
        #expect(try crm.sql("SELECT DISTINCT shipping_address FROM orders WHERE customer_id = 7") == "[erased]\n")
        #expect(try crm.sql("SELECT count(*) FROM tickets WHERE customer_id = 7") == "0\n")

        // And every other customer's rows are untouched
        let changed = Set(before).subtracting(try crm.dump())
        #expect(changed.count == 1 + 3 + 2)
        #expect(changed.allSatisfy { $0.contains("Ada") || $0.contains(",7,") })

        // And the query check in a new snapshot passes; a second run finds nothing and changes nothing
        #expect(try await onThread { try executor.verify(subjects: [subject], store: store) }.passed)
        let again = try await onThread { try executor.reapply(subjects: [subject], store: store) }
        #expect(again.subjectRows == 0 && again.tables.isEmpty)
    }

    @Test func deleteRowEverywhereAndScanByKeyedHash() async throws {
        // Given the CRM with delete-row on the identity table and both references
        let crm = try PostgresCRM("delete")
        var plan = PostgresCRM.plan
        plan.identityErasure = .deleteRow
        plan.references = plan.references.map {
            TableReference(table: $0.table, column: $0.column, erasure: .deleteRow)
        }
        let store = crm.store(plan: plan, vacuum: .full)
        let executor = self.executor
        let subject = self.subject

        // When the store is scanned, the subject is among the 200 keyed hashes
        var scanned: [SubjectHash] = []
        let read = try await onThread { () throws -> [SubjectHash] in
            var hashes: [SubjectHash] = []
            _ = try executor.scanIdentities(store: store) { hashes.append($0) }
            return hashes
        }
        scanned = read
        #expect(scanned.count == 200)
        #expect(scanned.contains(subject))
        #expect(scanned.contains(PostgresCRM.hasher.hash("USER8@example.com ", normalization: .lowercaseTrim)))

        // When the subject is re-applied by its hash alone (as after a restore)
        let result = try await onThread { try executor.reapply(subjects: [subject], store: store) }

        // Then its rows are gone from every table, the others are not
        #expect(result.subjectRows == 1)
        #expect(result.vacuumReason == "vacuum: full")
        #expect(
            try crm.sql(
                "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders), (SELECT count(*) FROM tickets)"
            ) == "199|597|398\n")
        #expect(try await onThread { try executor.verify(subjects: [subject], store: store) }.remainingRows == 0)
    }

    @Test func theBatchedScanKeepsRowOrderAcrossBatchesAndFindsRowsInAnyBatch() async throws {
        // Given 20,000 more customers (three batches of the scan), ordered by id in the heap, and the
        // subject's row moved to the end of the table (an update writes a new row version last)
        let crm = try PostgresCRM("batches")
        try crm.sql(
            """
            INSERT INTO customers(email, name) SELECT 'bulk' || g || '@example.com', 'Bulk ' || g
                FROM generate_series(1, 20000) g;
            UPDATE customers SET name = 'Ada' WHERE id = 7;
            """)
        let order = try crm.sql("SELECT email FROM customers").split(separator: "\n").map(String.init)
        let store = crm.store()
        let executor = self.executor
        let subject = self.subject

        // When the store is scanned
        let scanned = try await onThread { () throws -> [SubjectHash] in
            var hashes: [SubjectHash] = []
            _ = try executor.scanIdentities(store: store) { hashes.append($0) }
            return hashes
        }

        // Then every value's hash arrives, in the order the server sends the rows
        #expect(scanned.count == 20_200)
        #expect(scanned == order.map { PostgresCRM.hasher.hash($0, normalization: .lowercaseTrim) })
        #expect(scanned.last == subject)

        // And an erasure finds the subject's row in the last batch by its ctid and key
        let result = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }
        #expect(result.subjectRows == 1)
        #expect(result.tables.map(\.rowsAffected) == [3, 2, 1])
        #expect(try crm.sql("SELECT email FROM customers WHERE id = 7") == "\(subject.hex)\n")
        #expect(try await onThread { try executor.verify(subjects: [subject], store: store) }.remainingRows == 0)
    }

    @Test func anUndeclaredForeignKeyRollsBackNamingTheConstraint() async throws {
        // Given a plan that deletes the customer but forgets the tickets, which restrict deletes
        let crm = try PostgresCRM("fkey")
        var plan = PostgresCRM.plan
        plan.identityErasure = .deleteRow
        plan.references = [TableReference(table: "orders", column: "customer_id", erasure: .deleteRow)]
        let store = crm.store(plan: plan)
        let before = try crm.dump()
        let executor = self.executor

        // When the subject is erased
        let error = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }
        }

        // Then it fails naming the table and constraint, and nothing changed (orders included)
        #expect(error?.code == .conflict)
        #expect(error?.message.contains("tickets_customer_id_fkey") == true)
        #expect(error?.message.contains("\"customers\"") == true)
        #expect(error?.message.contains("Nothing was changed") == true)
        #expect(try crm.dump() == before)

        // And once the map declares the tickets, a later run succeeds
        let fixed = crm.store()
        #expect(
            try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: fixed) }.subjectRows == 1)
    }

    @Test func schemaDriftIsAFailedRunThatSaysWhatToDo() async throws {
        // Given a plan applied against the schema, then a column it erases dropped
        let crm = try PostgresCRM("drift")
        let store = crm.store()
        let executor = self.executor
        #expect(try await onThread { try executor.verify(subjects: [], store: store) }.passed)
        try crm.sql("ALTER TABLE customers DROP COLUMN phone")
        let before = try crm.dump()

        // When the subject is erased, or the plan is checked as `store apply` does
        let error = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }
        }
        let check = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.verify(subjects: [], store: store) }
        }

        // Then both name the table and the missing column, and nothing changed
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("table 'customers' has no column 'phone'") == true)
        #expect(check?.message.contains("'phone'") == true)
        #expect(try crm.dump() == before)

        // And with the column back, the run succeeds
        try crm.sql("ALTER TABLE customers ADD COLUMN phone text")
        #expect(
            try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }.subjectRows == 1)
    }

    @Test func aLockHeldElsewhereTimesOutAndALaterRunSucceeds() async throws {
        // Given another session holding a lock on the customers table until the test ends it (a
        // fixed hold could end before a loaded machine even saw it taken)
        let crm = try PostgresCRM("locked")
        let store = crm.store(url: crm.url + "&lock_timeout=200")
        let before = try crm.dump()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = [
            "-X", "-q", "-h", "127.0.0.1", "-p", String(crm.cluster.port), "-U", "postgres", "-d", crm.database,
            "-o", "/dev/null", "-c",
            "BEGIN; LOCK TABLE customers IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120); COMMIT;",
        ]
        holder.environment = ["PGPASSWORD": crm.cluster.password, "PGAPPNAME": "lethe-lock-holder"]
        try holder.run()
        defer { if holder.isRunning { holder.terminate() } }
        var held = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !held, ContinuousClock.now < deadline {
            held =
                try crm.sql(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'customers' AND l.mode = 'AccessExclusiveLock' AND l.granted"
                ) == "1\n"
            if !held { try await Task.sleep(for: .milliseconds(20)) }
        }
        try #require(held, "the other session did not take its lock within a minute")
        let executor = self.executor

        // When the subject is erased meanwhile
        let error = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }
        }

        // Then the lock timeout fails it, says what to do, and nothing changed
        #expect(error?.code == .locked)
        #expect(error?.message.contains("run the erasure again") == true)
        _ = try crm.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lethe-lock-holder'")
        holder.waitUntilExit()
        #expect(try crm.dump() == before)

        // And once the lock is released a later run succeeds
        #expect(
            try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }.subjectRows == 1)
    }

    @Test func sslmodeRequireAgainstAServerWithoutTLSSaysSo() async throws {
        // Given the shared cluster, which runs without ssl, and a connection string that requires TLS
        let crm = try PostgresCRM("no_tls")
        let executor = self.executor
        let store = crm.store(url: crm.cluster.url(database: crm.database, parameters: "sslmode=require"))

        // When the store is scanned
        let error = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.scanIdentities(store: store) { _ in } }
        }

        // Then the run fails saying the server offers no TLS, never falling back to plain text
        #expect(error?.code == .io)
        #expect(error?.message.contains("does not offer TLS, which the connection string's sslmode requires") == true)
        #expect(error?.message.contains(crm.cluster.password) == false)
    }

    @Test func serverDownAndWrongPasswordAreClearErrorsWithoutTheSecret() async throws {
        let crm = try PostgresCRM("login")
        let executor = self.executor
        // Given a wrong password, and a port where no server listens
        let wrong = crm.store(url: crm.cluster.url(database: crm.database, password: "not-the-password"))
        let port = try PostgresClusterPort.closed()
        let down = crm.store(url: "postgresql://postgres:hunter2-secret@127.0.0.1:\(port)/crm?sslmode=disable")

        // When either is used
        let refused = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: wrong) }
        }
        let unreachable = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.scanIdentities(store: down) }
        }

        // Then each says what happened and what to do, and never the password
        #expect(refused?.code == .permission)
        #expect(refused?.message.contains("refused the login") == true)
        #expect(refused?.message.contains("not-the-password") == false)
        #expect(unreachable?.code == .io)
        #expect(unreachable?.message.contains("cannot reach the PostgreSQL server at 127.0.0.1:\(port)") == true)
        #expect(unreachable?.message.contains("hunter2") == false)
        #expect(try crm.sql("SELECT name FROM customers WHERE id = 7") == "Ada Lovelace\n")
    }

    @Test func theUnixSocketAndTheConnectionStringsParameters() async throws {
        // Given the socket directory as `host`, as libpq writes it
        let crm = try PostgresCRM("socket")
        let socket = try #require(crm.cluster.socketDirectory)
        let store = crm.store(url: "postgresql://postgres@/\(crm.database)?host=\(socket)&port=\(crm.cluster.port)")
        let executor = self.executor
        // Then the store is reachable through it
        let count = try await onThread { try executor.scanIdentities(store: store) { _ in } }
        #expect(count == 200)

        // And bad strings are refused naming the problem, not the text
        for (text, problem) in [
            ("mysql://u:secret-1@h/db", "is not a postgresql:// URL"),
            ("postgresql://u:secret-1@h/db?sslmode=maybe", "sslmode 'maybe'"),
            ("postgresql://u:secret-1@h/db?colour=blue", "unknown parameter 'colour'"),
            ("postgresql://h/db", "names no user"),
        ] {
            let error = #expect(throws: LetheError.self) {
                _ = try PostgresConnectionString(SecretText(text), store: "crm")
            }
            #expect(error?.message.contains(problem) == true, "\(text)")
            #expect(error?.message.contains("secret-1") == false)
        }
        let parsed = try PostgresConnectionString(
            SecretText("postgres://ann:p%40ss@db.internal:6543/crm?sslmode=verify-full&lock_timeout=250"), store: "crm")
        #expect(parsed.endpoint == .tcp(host: "db.internal", port: 6543))
        #expect(parsed.password == "p@ss" && parsed.database == "crm" && parsed.sslMode == "verify-full")
        #expect(parsed.lockTimeout == 250 && parsed.statementTimeout == 60_000)
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, read, released).
enum PostgresClusterPort {
    static func closed() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
