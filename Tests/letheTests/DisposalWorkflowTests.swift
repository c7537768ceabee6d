import Foundation
import LetheTestSupport
import Testing

/// The shipped policies, found from this file so the test does not depend on the working directory.
private let shippedPolicies = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("policies").path

@Test func aRetiredLaptopIsScheduledRecordedAndVerifiedByAnotherPerson() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    let policies = ["--policies", shippedPolicies]
    #expect(try lethe.run(["policy", "check"] + policies).status == 0)

    // Given a retired laptop with a job scheduled for it
    #expect(try lethe.run("asset", "register", "LAP-1", "--type", "laptop", "--classification", "moderate").status == 0)
    #expect(try lethe.run("asset", "retire", "LAP-1", "--reason", "end of life").status == 0)
    let scheduled = try lethe.run(["schedule", "--json"] + policies)
    #expect(scheduled.status == 0, "\(scheduled.stderr)")
    #expect(
        try JSONOutput.top("state", in: lethe.run("asset", "show", "LAP-1", "--json").stdout) as? String
            == "awaiting-sanitization")

    // When the vendor's work is recorded, verify --due asks for a person and stays green
    let evidence = root.write("vendor-certificate.txt", "Certificate of sanitization, LAP-1\n")
    let recorded = try lethe.run(
        "job", "record", "1", "--technique", "crypto-erase", "--tool", "Vendor wipe", "--tool-version", "2.1",
        "--evidence", evidence)
    #expect(recorded.status == 0, "\(recorded.stderr)")
    let due = try lethe.run(["verify", "--due", "--json"] + policies)
    #expect(due.status == 0)
    #expect((try JSONOutput.top("needs_person", in: due.stdout) as? [Any])?.count == 1, "\(due.stdout)")

    // Then whoever recorded the work cannot verify it, and someone else can
    let own = try lethe.run(["verify", "--job", "1", "--attest", "--evidence", evidence] + policies)
    // (a separation-of-duties refusal is forbidden: exit 77, as any action a principal may not run)
    #expect(own.status == 77)
    #expect(own.stderr.contains("separation of duties"))
    let other = try lethe.run(
        ["verify", "--job", "1", "--attest", "--evidence", evidence, "--actor", "carol"] + policies)
    #expect(other.status == 0, "\(other.stderr)")
    #expect(
        try JSONOutput.top("state", in: lethe.run("asset", "show", "LAP-1", "--json").stdout) as? String == "verified")
    let history = try lethe.run("asset", "history", "LAP-1")
    for type in ["job.scheduled", "job.executed", "job.verified"] {
        #expect(history.stdout.contains(type), "history lacks \(type): \(history.stdout)")
    }
}

@Test func anOverdueJobMakesTheVerificationRunExitNonZero() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    let policies = ["--policies", shippedPolicies]
    let file = root.write("old.csv", "asset_tag,media_type,classification,state\nOLD-1,hdd,low,retired\n")
    #expect(try lethe.run("asset", "import", file).status == 0)
    // Retired long ago (before Lethe knew it): its deadline has passed
    #expect(try lethe.run(["schedule", "--at", "2025-01-01T00:00:00Z"] + policies).status == 0)
    let overdue = try lethe.run("job", "list", "--overdue", "--json")
    #expect(try JSONOutput.strings("asset", in: overdue.stdout) == ["OLD-1"], "\(overdue.stdout)")
    let run = try lethe.run(["verify", "--due"] + policies)
    #expect(run.status == 1)
    #expect(run.stdout.contains("OVERDUE"))
}

@Test func policyCheckNamesEachProblemsFileUnderItsDirectory() throws {
    // Given a policy directory, given relative to where lethe runs, with a file it cannot parse
    let root = TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: root.file("work/rules"), withIntermediateDirectories: true)
    root.write("work/rules/broken.yaml", "retention: [\n")
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    // When it is checked
    let checked = try lethe.run(["policy", "check", "rules"], in: root.file("work"))
    // Then the problem names the file under the directory, and the directory sums up
    #expect(checked.status == 65)
    let rules = URL(fileURLWithPath: root.file("work/rules")).standardizedFileURL.path
    #expect(checked.stderr.hasPrefix(rules + "/broken.yaml:2:1: "), "\(checked.stderr)")
    #expect(checked.stderr.contains("\n\(rules): 1 problem"), "\(checked.stderr)")
}

@Test func aPolicyFileThatIsNotUTF8IsOneProblemAmongTheOthers() throws {
    // Given a policy directory with a file saved as Latin-1, and a file with another problem
    let root = TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: root.file("rules"), withIntermediateDirectories: true)
    let latin1: [UInt8] = Array("erasure_sla: P30D\n# caf".utf8) + [0xE9] + Array("\n".utf8)
    FileManager.default.createFile(atPath: root.file("rules/a-latin1.yaml"), contents: Data(latin1))
    root.write("rules/b-broken.yaml", "retention: [\n")
    // When it is checked
    let checked = try LetheCLI(dataDirectory: root.file("data")).run("policy", "check", root.file("rules"))
    // Then both are reported, the Latin-1 one at its line, and the set is invalid
    #expect(checked.status == 65)
    #expect(checked.stderr.contains("a-latin1.yaml:2:1: the file is not UTF-8 text"), "\(checked.stderr)")
    #expect(checked.stderr.contains("b-broken.yaml:2:1: YAML syntax error"), "\(checked.stderr)")
}
