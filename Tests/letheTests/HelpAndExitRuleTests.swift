import Foundation
import LetheTestSupport
import Testing

/// The shipped policies, found from this file so the test does not depend on the working directory.
private let shippedPolicies = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("policies").path

/// The subcommand names listed in a help text's SUBCOMMANDS section.
private func subcommands(in help: String) -> [String] {
    guard let section = help.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
    return section.split(separator: "\n").compactMap { line in
        // "  name    abstract": an entry is indented by two spaces; wrapped abstracts by more.
        guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
        let name = line.split(separator: " ").first.map(String.init)
        return name == "help" || name?.hasPrefix("See") == true ? nil : name
    }
}

/// Lines of `help` that end a sentence's line early: the next line, at the same indentation,
/// starts with a word that would have fitted on it, so the break was written into the text
/// rather than made by ArgumentParser's wrapping (lines of at most `width` - 1 bytes).
private func hardBreaks(in help: String, width: Int) -> [String] {
    let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var found: [String] = []
    for (line, next) in zip(lines, lines.dropFirst()) {
        let indent = line.prefix { $0 == " " }.count
        let nextIndent = next.prefix { $0 == " " }.count
        let trimmed = next.trimmingCharacters(in: .whitespaces)
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty, !trimmed.isEmpty, indent == nextIndent,
            !line.hasSuffix(":"), let word = trimmed.split(separator: " ").first
        else { continue }
        // Examples, lists and the two-column subcommand table are one item a line on purpose.
        if trimmed.hasPrefix("lethe ") || trimmed.hasPrefix("-") || trimmed.hasPrefix("$") || trimmed.hasPrefix("#")
            || trimmed.contains("   ")
        {
            continue
        }
        if line.utf8.count + 1 + word.utf8.count < width { found.append(line + "⏎" + next) }
    }
    return found
}

@Test func helpTextIsWrappedByTheParserNotBrokenMidSentenceAndNamesEachDefaultOnce() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"), environment: ["COLUMNS": "80"])
    var commands: [[String]] = [[]]
    var index = 0
    while index < commands.count {
        let command = commands[index]
        index += 1
        let help = try lethe.run(command + ["--help"])
        #expect(help.status == 0, "\(command)")
        #expect(hardBreaks(in: help.stdout, width: 80) == [], "lethe \(command.joined(separator: " ")) --help")
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(
            flat.range(of: #"\(default: [^)]*\)\.? \(default:"#, options: .regularExpression) == nil,
            "a default shown twice in lethe \(command) --help")
        #expect(!flat.contains("cli-tester"), "the login user's name shown as a default in lethe \(command) --help")
        if command.count < 2 { commands += subcommands(in: help.stdout).map { command + [$0] } }
    }
    #expect(commands.count > 30, "the walk found the subcommands: \(commands)")
}

@Test func helpForAnUnknownCommandIsAUsageError() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    let unknown = try lethe.run("help", "nonsense")
    #expect(unknown.status == 64)
    #expect(unknown.stderr.contains("'nonsense'"), "\(unknown.stderr)")
    let nested = try lethe.run("help", "asset", "nonsense")
    #expect(nested.status == 64)
    let known = try lethe.run("help", "asset", "register")
    #expect(known.status == 0)
    #expect(known.stdout.contains("USAGE"))
}

@Test func listingsWithOverdueExitOneWhenTheyFindSomethingAndZeroWhenNot() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    let policies = ["--policies", shippedPolicies]
    // Given an installation (a write creates it) with no jobs and no requests: nothing overdue,
    // exit 0 for both listings.
    #expect(try lethe.run("asset", "register", "NEW-1", "--type", "laptop", "--classification", "low").status == 0)
    #expect(try lethe.run("job", "list", "--overdue").status == 0)
    #expect(try lethe.run("erasure", "list", "--overdue").status == 0)
    // When an asset retired long ago gets its job, that job is overdue at once.
    let file = root.write("old.csv", "asset_tag,media_type,classification,state\nOLD-1,hdd,low,retired\n")
    #expect(try lethe.run("asset", "import", file).status == 0)
    #expect(try lethe.run(["schedule", "--at", "2025-01-01T00:00:00Z"] + policies).status == 0)
    // Then job list --overdue exits 1, as erasure list --overdue does, and still prints the list.
    let overdue = try lethe.run("job", "list", "--overdue", "--json")
    #expect(overdue.status == 1)
    let listed = try JSONDecoder().decode(JobListing.self, from: Data(overdue.stdout.utf8))
    #expect(listed.jobs.map(\.asset) == ["OLD-1"])
    // A listing without --overdue is not an alarm.
    #expect(try lethe.run("job", "list").status == 0)
}

private struct JobListing: Decodable {
    struct Job: Decodable { var asset: String }
    var jobs: [Job]
}
