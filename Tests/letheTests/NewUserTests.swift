import Foundation
import LetheTestSupport
import Testing

/// Runs the binary as a new user would: in a directory that is not a checkout (no ./policies).
private struct OutsideCheckout {
    let root = TemporaryDirectory()
    var work: String { root.path }
    var data: String { root.file("data") }

    @discardableResult
    func run(_ arguments: String..., environment extra: [String: String] = [:]) throws -> ProcessOutput {
        var environment = ProcessInfo.processInfo.environment
        environment["LETHE_DATA_DIR"] = data
        environment["USER"] = "cli-tester"
        environment["LETHE_POLICIES"] = nil
        environment.merge(extra) { $1 }
        return try runProcess(LetheCLI.executable, arguments, in: work, environment: environment)
    }

    func json(_ output: ProcessOutput) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    }
}

@Test func aNewUserWithOnlyTheBinaryCanScheduleAndVerifyOnTheEmbeddedDefault() throws {
    let user = OutsideCheckout()
    #expect(try user.run("asset", "register", "LAP-1", "--type", "laptop", "--classification", "moderate").status == 0)
    #expect(try user.run("asset", "retire", "LAP-1").status == 0)

    let shown = try user.run("policy", "show", "--json")
    #expect(shown.status == 0, "\(shown.stderr)")
    let source = try user.json(shown)["source"] as? [String: Any]
    #expect(source?["kind"] as? String == "embedded-default")
    let version = try #require(try user.json(shown)["version"] as? String)
    #expect(try user.run("policy", "show").stdout.contains("embedded default"))
    #expect(try user.run("policy", "check").status == 0)

    let scheduled = try user.run("schedule", "--json")
    #expect(scheduled.status == 0, "\(scheduled.stderr)")
    #expect(try user.json(scheduled)["created"] as? Int == 1)
    #expect(try user.json(scheduled)["policy_version"] as? String == version)
    let verified = try user.run("verify", "--due")
    #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")

    // policy init writes the default out; that directory is then in force, with the same version
    let initialised = try user.run("policy", "init", "mine")
    #expect(initialised.status == 0, "\(initialised.stderr)")
    let edited = try user.run("policy", "show", "--json", "--policies", "mine")
    #expect(try user.json(edited)["version"] as? String == version)
    #expect((try user.json(edited)["source"] as? [String: Any])?["kind"] as? String == "directory")
    #expect(try user.run("policy", "init", "mine").status == 65)  // never overwritten

    // A configured directory that is missing stays an error.
    let missing = try user.run("schedule", environment: ["LETHE_POLICIES": user.root.file("nope")])
    #expect(missing.status == 66)
    #expect(missing.stderr.contains(user.root.file("nope")))
}

@Test func aReadOfAMissingDataDirectoryIsAnErrorAndCreatesNothing() throws {
    let user = OutsideCheckout()
    let typo = user.root.file("dta")

    let listed = try user.run("asset", "list", "--data-dir", typo)
    #expect(listed.status == 66)
    #expect(listed.stderr.contains(typo))
    #expect(!FileManager.default.fileExists(atPath: typo))
    #expect(try user.run("status", "--data-dir", typo).status == 66)
    #expect(try user.run("job", "list", "--data-dir", typo).status == 66)
    #expect(!FileManager.default.fileExists(atPath: typo))
    // So is a change to something that would have to exist already (the walk-through's typo made an
    // installation, keys and all, and then said only that the asset was not registered).
    for change in [
        ["asset", "move", "NOPE", "--to", "x"], ["asset", "retire", "NOPE"], ["job", "start", "1"],
        ["erasure", "run", "1", "--subject", "x"], ["backup", "shred", "1"],
    ] {
        let result = try LetheCLI(dataDirectory: typo).run(change)
        #expect(result.status == 66, "lethe \(change.joined(separator: " ")): \(result.stderr)")
        #expect(result.stderr.contains("no Lethe installation at \(typo)"), "\(result.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: typo))

    // A write creates it; --data-dir may come before the subcommand.
    let registered = try user.run(
        "--data-dir", typo, "asset", "register", "A-1", "--type", "hdd", "--classification", "low")
    #expect(registered.status == 0, "\(registered.stderr)")
    let after = try user.run("--data-dir", typo, "asset", "list", "--json")
    #expect(after.status == 0, "\(after.stderr)")
    #expect(try user.json(after)["total"] as? Int == 1)
    #expect(try user.run("--data-dir=\(typo)", "asset", "show", "A-1").status == 0)
}

@Test func aDatabaseThatGroupOrOthersCanReadIsRefusedAndLeftUnchanged() throws {
    let user = OutsideCheckout()
    #expect(try user.run("asset", "register", "A-1", "--type", "hdd", "--classification", "low").status == 0)
    let database = user.data + "/lethe.sqlite"
    #expect(chmod(database, 0o640) == 0)

    let listed = try user.run("asset", "list")

    #expect(listed.status == 77)
    #expect(listed.stderr.contains("chmod 600"))
    let mode = try FileManager.default.attributesOfItem(atPath: database)[.posixPermissions] as? Int
    #expect(mode == 0o640)
}

@Test func statusExitsOneWhenAJobIsOverdueAndItsJSONDecodes() throws {
    let user = OutsideCheckout()
    let csv = user.root.write("a.csv", "asset_tag,media_type,classification,state\nOLD-1,hdd,low,retired\n")
    #expect(try user.run("asset", "import", csv).status == 0)

    let quiet = try user.run("status", "--json")
    #expect(quiet.status == 0, "\(quiet.stderr)")
    #expect((try user.json(quiet)["assets"] as? [String: Int])?["retired"] == 1)

    // Retired long ago: its job is overdue at once.
    #expect(try user.run("schedule", "--at", "2020-01-01T00:00:00Z").status == 0)
    let late = try user.run("status", "--json")
    #expect(late.status == 1)
    let object = try user.json(late)
    #expect(object["overdue_job_count"] as? Int == 1)
    #expect((object["overdue_jobs"] as? [[String: Any]])?.first?["asset_tag"] as? String == "OLD-1")
    #expect((object["jobs"] as? [String: Int])?["scheduled"] == 1)
    #expect(object["last_verification_run"] == nil)
    let text = try user.run("status")
    #expect(text.status == 1)
    #expect(text.stdout.contains("overdue jobs: 1"))
}

@Test func asnipeITImportListsItsIgnoredColumnsInJSON() throws {
    let user = OutsideCheckout()
    let csv = user.root.write(
        "s.csv", "Asset Tag,Serial Number,Category,Warranty\nS-1,SN9,Laptops,36\n")
    let imported = try user.run("asset", "import", csv, "--format", "snipeit", "--json")
    #expect(imported.status == 0, "\(imported.stderr)")
    let ignored = try #require(try user.json(imported)["ignored_columns"] as? [[String: Any]])
    #expect(ignored.count == 1)
    #expect(ignored.first?["name"] as? String == "Warranty")
    #expect(ignored.first?["column"] as? Int == 4)
    #expect(ignored.first?["reason"] as? String == "not-used")
    let text = try user.run("asset", "import", csv, "--format", "snipeit", "--dry-run", "--update")
    #expect(text.stdout.contains("column 4 'Warranty'"))
}
