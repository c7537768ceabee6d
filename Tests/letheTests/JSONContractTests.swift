import Foundation
import LetheTestSupport
import Testing

/// The JSON that users and scripts read from `--json` is a contract: this test runs one session
/// through every command with JSON output and compares the key paths each prints (`a.b`,
/// `list[].c`, with the JSON type of each leaf) with `Fixtures/json-contract.txt`.
///
/// A key that disappears or changes type fails the test. After an intended change (a new key is
/// fine, a removed one needs a note in the release notes), rewrite the file with
/// `LETHE_UPDATE_JSON_CONTRACT=1 swift test --filter JSONContractTests` and review its diff.
@Suite struct JSONContractTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let contract = here.appendingPathComponent("Fixtures/json-contract.txt")
    static let policies = here.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies").path

    /// A JSON value as decoded, keeping booleans apart from numbers.
    indirect enum Value: Decodable {
        case object([String: Value]), array([Value]), string, number, bool, null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if (try? container.decode(Bool.self)) != nil {
                self = .bool
            } else if (try? container.decode(Double.self)) != nil {
                self = .number
            } else if (try? container.decode(String.self)) != nil {
                self = .string
            } else if let array = try? container.decode([Value].self) {
                self = .array(array)
            } else {
                self = .object(try container.decode([String: Value].self))
            }
        }
    }

    /// The key paths of a JSON value, with the type of each leaf (`a.b: string`).
    static func paths(_ value: Value, prefix: String, into out: inout Set<String>) {
        switch value {
        case .object(let object):
            if object.isEmpty { out.insert("\(prefix): object") }
            for (key, member) in object { paths(member, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &out) }
        case .array(let array):
            if array.isEmpty { out.insert("\(prefix)[]: empty") }
            for item in array { paths(item, prefix: prefix + "[]", into: &out) }
        case .null: out.insert("\(prefix): null")
        case .bool: out.insert("\(prefix): bool")
        case .number: out.insert("\(prefix): number")
        case .string: out.insert("\(prefix): string")
        }
    }

    @Test func everyCommandsJSONKeepsItsKeys() throws {
        let root = TemporaryDirectory()
        let lethe = LetheCLI(
            dataDirectory: root.file("data"), environment: ["LETHE_ORGANIZATION": "Contract Test Ltd"])
        let policies = ["--policies", Self.policies]
        var lines: [String] = []
        var problems: [String] = []

        /// Runs a command with --json and records its key paths under `label`.
        func record(_ label: String, _ arguments: [String], input: String = "", allow: Set<Int32> = [0]) throws {
            let result = try lethe.run(arguments + ["--json"], input: input)
            guard allow.contains(result.status) else {
                problems.append("\(label): exit \(result.status): \(result.stderr)\(result.stdout)")
                return
            }
            guard let value = try? JSONDecoder().decode(Value.self, from: Data(result.stdout.utf8)) else {
                problems.append("\(label): not JSON: \(result.stdout.prefix(200))")
                return
            }
            var found: Set<String> = []
            Self.paths(value, prefix: "", into: &found)
            lines += found.sorted().map { "\(label) \($0)" }
        }

        // Assets
        try record(
            "asset register",
            [
                "asset", "register", "LAP-1", "--type", "laptop", "--classification", "moderate",
                "--serial", "SN-1", "--custodian", "alice",
            ])
        let csv = root.write(
            "assets.csv", "asset_tag,media_type,classification,serial\nHDD-1,hdd,low,W1\nIMG-1,usb-flash,low,U1\n")
        try record("asset import", ["asset", "import", csv])
        try record("asset update", ["asset", "update", "LAP-1", "--location", "HQ"])
        try record("asset move", ["asset", "move", "LAP-1", "--to", "bob", "--seal", "S-1"])
        try record("asset list", ["asset", "list"])
        try record("asset show", ["asset", "show", "LAP-1"])
        try record("asset retire", ["asset", "retire", "LAP-1", "--reason", "end of life"])
        try record("asset lost", ["asset", "lost", "HDD-1", "--reason", "missing"])
        try record("asset found", ["asset", "found", "HDD-1", "--location", "store room"])
        try record("asset history", ["asset", "history", "LAP-1"])
        try record("policy show", ["policy", "show"] + policies)
        try record("policy check", ["policy", "check"] + policies)

        // Jobs, verification, records
        _ = try lethe.run("asset", "retire", "IMG-1", "--reason", "end of life")
        try record("schedule", ["schedule"] + policies)
        try record("job list", ["job", "list"])
        try record("job show", ["job", "show", "1"])
        let evidence = root.write("vendor.txt", "Certificate of sanitization, LAP-1\n")
        try record(
            "job record",
            [
                "job", "record", "1", "--technique", "crypto-erase", "--tool", "Vendor wipe",
                "--tool-version", "2.1", "--evidence", evidence,
            ])
        try record("verify due", ["verify", "--due"] + policies)
        try record(
            "verify attest",
            ["verify", "--job", "1", "--attest", "--evidence", evidence, "--actor", "carol"]
                + policies)
        let image = root.file("usb.img")
        try Data(repeating: 0xAA, count: 1 << 20).write(to: URL(fileURLWithPath: image))
        let imageJob =
            try #require(
                (try JSONSerialization.jsonObject(with: Data(try lethe.run("job", "list", "--json").stdout.utf8))
                    as? [String: Any])?["jobs"] as? [[String: Any]]
            ).first { $0["asset"] as? String == "IMG-1" }?["id"] as? Int
        try record("sanitize", ["sanitize", "IMG-1", "--target", image, "--yes", "--progress", "none"])
        try record("verify readback", ["verify", "--job", "\(imageJob ?? 0)", "--actor", "carol"] + policies)
        try record("certificate issue", ["certificate", "issue", "--all-verified"])
        let listed = try lethe.run("certificate", "list", "--json").stdout
        let records = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]]
        let serial = try #require(records?.first?["serial"] as? String, "\(listed)")
        try record("certificate list", ["certificate", "list"])
        try record("certificate show", ["certificate", "show", serial])
        try record("certificate export", ["certificate", "export", serial, "--out", root.file("bundle")])
        try record("certificate verify", ["certificate", "verify", root.file("bundle")])
        try record("keys show", ["keys", "show"])
        try record("log checkpoint", ["log", "checkpoint"])
        try record("log prove", ["log", "prove", "--index", "0"])
        try record("log verify", ["log", "verify"])
        try record("status", ["status"], allow: [0, 1])
        // Reports (the report itself is the signed record.json; these are the commands' --json results)
        let day = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        _ = try lethe.run("report", "disposal", "--from", day, "--to", day, "--out", root.file("report.json"))
        let reports = try lethe.run("report", "list", "--json").stdout
        let report = try #require(
            (try JSONSerialization.jsonObject(with: Data(reports.utf8)) as? [[String: Any]])?.first?["serial"]
                as? String, "\(reports)")
        try record("report list", ["report", "list"])
        try record("report reproduce", ["report", "reproduce", report])
        try record("report export", ["report", "export", report, "--out", root.file("report-bundle")])
        try record("report verify", ["report", "verify", root.file("report-bundle")])
        try record("report define", ["report", "define", "monthly", "--period", "previous-month"])
        try record("report definitions", ["report", "definitions"])
        try record("report run-due", ["report", "run-due"])

        // Data map and erasure
        let crm = root.file("crm.sqlite")
        _ = try tool([
            "sqlite3", crm,
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL); INSERT INTO customers VALUES (1, 'ada@example.com'), (2, 'bob@example.com');",
        ])
        let map = root.write(
            "stores.yaml",
            """
            stores:
              - name: crm
                kind: sqlite
                owner: sales
                connection: \(crm)
                categories: [user.contact.email]
                identity_normalization: lowercase-trim
                identity: {table: customers, column: email, key: id, erase: delete-row}
              - name: mailer
                kind: processor
                owner: marketing
                contact: privacy@mailer.example
                categories: [user.contact.email]

            """)
        try record("store apply", ["store", "apply", map])
        try record("store scan", ["store", "scan", "crm"])
        try record("store list", ["store", "list"])
        try record("store show", ["store", "show", "crm"])
        let holdings = root.write("holdings.csv", "identifier,store\nada@example.com,mailer\n")
        try record("holding import", ["holding", "import", holdings])
        let backup = root.file("crm-backup.sqlite")
        try FileManager.default.copyItem(atPath: crm, toPath: backup)
        try record(
            "backup register",
            [
                "backup", "register", "--store", "crm", "--file", backup, "--created",
                "2026-11-01",
            ] + policies)
        try record("backup encrypt", ["backup", "encrypt", "1", "--output", backup + ".lethe"])
        try record("backup list", ["backup", "list"])
        try record(
            "erasure request", ["erasure", "request", "--subject-stdin", "--reason", "withdrawal"] + policies,
            input: "ada@example.com\n")
        try record("erasure run", ["erasure", "run", "1", "--subject-stdin"], input: "ada@example.com\n")
        try record("erasure attest", ["erasure", "attest", "1", "--store", "mailer", "--notes", "deleted by vendor"])
        try record("erasure status", ["erasure", "status", "1"])
        try record("erasure list", ["erasure", "list"])
        try record("erasure report", ["erasure", "report", "1"])
        let identifiers = root.write("ids.txt", "ada@example.com\n")
        try record(
            "erasure scan-file", ["erasure", "scan-file", backup, "--identifiers-file", identifiers],
            allow: [0, 1])
        try record("backup shred", ["backup", "shred", "1"])

        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let text = lines.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["LETHE_UPDATE_JSON_CONTRACT"] == "1" {
            try FileManager.default.createDirectory(
                at: Self.contract.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: Self.contract)
            return
        }
        let expected = try String(contentsOf: Self.contract, encoding: .utf8)
        let want = Set(expected.split(separator: "\n").map(String.init))
        let have = Set(lines)
        let missing = want.subtracting(have).sorted()
        let added = have.subtracting(want).sorted()
        #expect(missing.isEmpty, "keys users rely on are gone or changed type:\n\(missing.joined(separator: "\n"))")
        if !added.isEmpty {
            // New keys break no script, but the contract file must name them so that a later removal is caught.
            Issue.record("new keys not yet in Fixtures/json-contract.txt:\n\(added.joined(separator: "\n"))")
        }
    }
}
