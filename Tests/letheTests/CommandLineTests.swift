import Foundation
import LetheTestSupport
import Testing

@Test func theQuickstartWalkThroughWorks() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))

    let register = try lethe.run(
        "asset", "register", "LAP-0042", "--type", "laptop", "--classification", "moderate", "--serial", "5CG1",
        "--custodian", "alice")
    #expect(register.status == 0, "\(register.stderr)")
    #expect(try lethe.run("asset", "move", "LAP-0042", "--to", "IT storage", "--seal", "S-1").status == 0)
    #expect(try lethe.run("asset", "retire", "LAP-0042", "--reason", "end of life").status == 0)

    let history = try lethe.run("asset", "history", "LAP-0042")
    #expect(history.status == 0)
    #expect(history.stdout.contains("asset.registered"))
    #expect(history.stdout.contains("custody alice → IT storage"))
    #expect(history.stdout.contains("in-service → retired"))
    #expect(history.stdout.contains("cli-tester"))

    let shown = try lethe.run("asset", "show", "LAP-0042", "--json")
    let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
    #expect(object?["state"] as? String == "retired")
    #expect(object?["custodian"] as? String == "IT storage")
}

@Test func exitCodesFollowSysexits() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    #expect(try lethe.run("asset", "register", "A", "--type", "laptop").status == 64)  // usage
    #expect(try lethe.run("asset", "register", "A", "--type", "floppy", "--classification", "low").status == 65)
    #expect(try lethe.run("asset", "show", "NOPE").status == 66)
    let json = try lethe.run("asset", "show", "NOPE", "--json")
    #expect(json.status == 66)
    let error = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: Any]]
    #expect(error?["error"]?["code"] as? String == "not-found")

    let blocker = root.write("file", "x")
    let io = LetheCLI(dataDirectory: blocker + "/data")
    #expect(try io.run("asset", "list").status == 74)
}

@Test func importReportsBadRowsAndExits65() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    let file = root.write("a.csv", "asset_tag,media_type,classification\nA-1,laptop,low\nA-2,toaster,low\n")
    let result = try lethe.run("asset", "import", file)
    #expect(result.status == 65)
    #expect(result.stderr.contains("line 3, column media_type 'toaster'"))
    #expect(try JSONOutput.top("total", in: lethe.run("asset", "list", "--json").stdout) as? Int == 0)
}
