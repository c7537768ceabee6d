import Foundation
import LetheTestSupport
import Testing

private let shippedPolicies = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("policies").path

/// Runs `lethe` with `input` on standard input (for --subject-stdin).
private func lethe(_ dataDirectory: String, _ arguments: [String], input: String = "") throws -> LetheCLI.Result {
    try LetheCLI(dataDirectory: dataDirectory, environment: ["LETHE_ORGANIZATION": "Acme Data Services"])
        .run(arguments, input: input)
}

private func sqlite(_ path: String, _ sql: String) throws -> String {
    try tool(["sqlite3", path, sql]).stdout
}

/// A CRM database (customers and their orders, Ada and Bob) and its data-map declaration: the
/// database's path and the YAML file's.
private func makeCRMStore(in root: TemporaryDirectory) throws -> (crm: String, map: String) {
    let crm = root.file("crm.sqlite")
    _ = try sqlite(
        crm,
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), address TEXT);
        INSERT INTO customers VALUES (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob');
        INSERT INTO orders (customer_id, address) VALUES (1, 'St James Sq'), (2, 'Elm St');
        """)
    let map = root.write(
        "stores.yaml",
        """
        stores:
          - name: crm
            kind: sqlite
            owner: sales
            connection: \(crm)
            categories: [user.contact.email, user.name]
            identity:
              table: customers
              column: email
              key: id
              erase: delete-row
            references:
              - table: orders
                column: customer_id
                erase: delete-row

        """)
    return (crm, map)
}

@Test func aNewcomerErasesACustomerFromTheCRMAndItsBackup() throws {
    let root = TemporaryDirectory()
    let data = root.file("data")
    let (crm, map) = try makeCRMStore(in: root)
    let policies = ["--policies", shippedPolicies]
    #expect(try lethe(data, ["store", "apply", map]).stdout.contains("store crm: added"))
    #expect(try JSONOutput.top("added", in: lethe(data, ["store", "scan", "crm", "--json"]).stdout) as? Int == 2)
    let backupFile = root.file("crm-backup.sqlite")
    try FileManager.default.copyItem(atPath: crm, toPath: backupFile)
    let registered = try lethe(
        data, ["backup", "register", "--store", "crm", "--file", backupFile, "--created", "2026-11-01"] + policies)
    #expect(registered.status == 0, "\(registered.stderr)")
    #expect(try lethe(data, ["backup", "encrypt", "1", "--output", backupFile + ".lethe"]).status == 0)

    let request = try lethe(
        data, ["erasure", "request", "--subject-stdin", "--reason", "withdrawal", "--json"] + policies,
        input: "ada@example.com\n")
    #expect(request.status == 0, "\(request.stderr)")
    #expect(
        Set(try JSONOutput.strings("action", in: request.stdout)).isSuperset(of: ["suppress", "execute"]),
        "\(request.stdout)")
    let run = try lethe(data, ["erasure", "run", "1", "--subject-stdin"], input: "ada@example.com\n")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("residue clean"), "\(run.stdout)")
    #expect(try sqlite(crm, "SELECT count(*) FROM customers; SELECT count(*) FROM orders") == "1\n1\n")

    // The backup is restored; reapply erases Ada again without her identifier.
    let restored = try lethe(data, ["backup", "decrypt", "1", "--output", root.file("restored.sqlite")])
    #expect(restored.status == 0, "\(restored.stderr)")
    try FileManager.default.removeItem(atPath: crm)
    try FileManager.default.copyItem(atPath: root.file("restored.sqlite"), toPath: crm)
    #expect(try sqlite(crm, "SELECT count(*) FROM customers") == "2\n")
    let reapply = try lethe(data, ["erasure", "reapply", "--store", "crm"])
    #expect(reapply.stdout.contains("1 found again"), "\(reapply.stdout)\(reapply.stderr)")
    #expect(try sqlite(crm, "SELECT email FROM customers") == "bob@example.com\n")

    let report = try lethe(data, ["erasure", "report", "1", "--format", "json"])
    #expect(report.status == 0)
    #expect(try JSONOutput.top("state", in: report.stdout) as? String == "completed", "\(report.stdout)")
    #expect(try lethe(data, ["erasure", "report", "1", "--format", "html"]).stdout.contains("<table>"))

    // The completed request was issued as a signed record; its bundle verifies offline.
    let text = try lethe(data, ["erasure", "report", "1"])
    #expect(text.stdout.contains("signed record: ADS-2026-000001"), "\(text.stdout)\(text.stderr)")
    let bundle = root.file("erasure-bundle")
    #expect(try lethe(data, ["certificate", "export", "ADS-2026-000001", "--out", bundle]).status == 0)
    let verified = try lethe(data, ["certificate", "verify", bundle])
    #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    #expect(try !String(contentsOfFile: bundle + "/record.json", encoding: .utf8).contains("ada@example.com"))

    #expect(try lethe(data, ["backup", "shred", "1"]).status == 0)
    let refused = try lethe(data, ["backup", "decrypt", "1", "--output", root.file("again.sqlite")])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("shredded"), "\(refused.stderr)")

    // Nothing Lethe wrote holds the identifier: database, WAL, keys, everything.
    for name in try FileManager.default.contentsOfDirectory(atPath: data) {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: data + "/" + name))
        #expect(bytes.range(of: Data("ada@example.com".utf8)) == nil, "\(name)")
        #expect(bytes.range(of: Data("bob@example.com".utf8)) == nil, "\(name)")
    }
    #expect(try lethe(data, ["erasure", "list", "--overdue"]).status == 0)
}

@Test func theErasureCommandsHaveHelp() throws {
    let root = TemporaryDirectory()
    for command in [["store", "apply"], ["holding", "import"], ["erasure", "request"], ["backup", "shred"]] {
        let help = try lethe(root.file("data"), command + ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE"), "\(command)")
    }
}

@Test func anExpiredBackupOnATapeRetiresTheTapeAndScheduleGivesItAJob() throws {
    let root = TemporaryDirectory()
    let data = root.file("data")
    let (_, map) = try makeCRMStore(in: root)
    let policies = ["--policies", shippedPolicies]
    #expect(try lethe(data, ["store", "apply", map]).status == 0)
    #expect(try lethe(data, ["asset", "register", "T-1", "--type", "tape", "--classification", "high"]).status == 0)
    let refused = try lethe(
        data,
        ["backup", "register", "--store", "crm", "--file", "tape:T-9/crm", "--created", "2020-01-01", "--media", "T-9"])
    #expect(refused.status != 0 && refused.stderr.contains("T-9"), "\(refused.stderr)")
    let registered = try lethe(
        data,
        [
            "backup", "register", "--store", "crm", "--file", "tape:T-1/crm", "--created", "2020-01-01", "--expires",
            "2020-04-01", "--media", "T-1",
        ])
    #expect(registered.status == 0, "\(registered.stderr)")
    let scheduled = try lethe(data, ["schedule"] + policies)
    #expect(scheduled.status == 0, "\(scheduled.stderr)")
    #expect(scheduled.stdout.contains("job 1  T-1"), "\(scheduled.stdout)")
    #expect(
        scheduled.stdout.contains("backup 1 (crm) expired, destruction due 2020-04-08: its medium, asset T-1"),
        "\(scheduled.stdout)")
    let listed = try lethe(data, ["backup", "list", "--json"]).stdout
    #expect(try JSONOutput.strings("media", in: listed) == ["T-1"], "\(listed)")
    #expect(try JSONOutput.strings("state", in: listed) == ["destruction-overdue"], "expired in 2020: \(listed)")
    let verified = try lethe(data, ["verify", "--due"] + policies)
    #expect(verified.status == 1, "an overdue backup destruction needs attention: \(verified.stdout)")
    #expect(verified.stdout.contains("OVERDUE  backup 1 (crm) expired 2020-04-01"), "\(verified.stdout)")
    // The JSON is the application layer's typed summary: the method is a fact, the action names no command
    let due = try lethe(data, ["verify", "--due", "--json"] + policies)
    #expect(due.status == 1)
    #expect(try JSONOutput.strings("method", in: due.stdout) == ["medium"], "\(due.stdout)")
    #expect(try JSONOutput.integers("backup", in: due.stdout) == [1])
    #expect(try JSONOutput.strings("action", in: due.stdout).allSatisfy { !$0.contains("lethe ") })
    #expect(try lethe(data, ["asset", "show", "T-1"]).stdout.contains("awaiting-sanitization"))
}

/// The trial found relative paths recorded as typed and resolved later against another directory:
/// a data map's `connection: crm.sqlite` and `backup encrypt --output b.lethe` broke from elsewhere.
@Test func relativePathsAreRecordedAbsoluteSoOtherDirectoriesFindTheSameFiles() throws {
    let root = TemporaryDirectory()
    let work = root.file("work")
    let elsewhere = root.file("elsewhere")
    for directory in [work, elsewhere] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    _ = try sqlite(
        work + "/crm.sqlite",
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL); INSERT INTO customers VALUES (1, 'ada@example.com');"
    )
    try """
    stores:
      - name: crm
        kind: sqlite
        owner: sales
        connection: crm.sqlite
        categories: [user.contact.email]
        identity: {table: customers, column: email, key: id, erase: delete-row}

    """.write(toFile: work + "/stores.yaml", atomically: true, encoding: .utf8)
    // Given a map and a backup named relative to one directory
    #expect(try lethe.run(["store", "apply", "stores.yaml"], in: work).status == 0)
    try FileManager.default.copyItem(atPath: work + "/crm.sqlite", toPath: work + "/backup.sqlite")
    #expect(
        try lethe.run(
            [
                "backup", "register", "--store", "crm", "--file", "backup.sqlite", "--created", "2026-11-01",
                "--expires",
                "2027-11-01",
            ], in: work
        ).status == 0)
    #expect(try lethe.run(["backup", "encrypt", "1", "--output", "backup.sqlite.lethe"], in: work).status == 0)
    // When they are used from another directory
    let scanned = try lethe.run(["store", "scan", "crm"], in: elsewhere)
    let decrypted = try lethe.run(["backup", "decrypt", "1", "--output", "restored.sqlite"], in: elsewhere)
    // Then the same files are found
    #expect(scanned.status == 0, "\(scanned.stderr)")
    #expect(decrypted.status == 0, "\(decrypted.stderr)")
    #expect(FileManager.default.fileExists(atPath: elsewhere + "/restored.sqlite"))
}
