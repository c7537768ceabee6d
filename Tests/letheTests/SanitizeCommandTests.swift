import Foundation
import LetheTestSupport
import Testing

private let shippedPolicies = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("policies").path
private let nwipeFixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("LetheSanitizeTests/Fixtures/nwipe").path

/// An installation with an hdd (low: Clear by overwrite, sampled read-back) awaiting sanitization
/// and its job, and an image file of `size` bytes of 0xA5.
private func prepared(_ root: TemporaryDirectory, tag: String = "IMG-1", size: Int) throws -> (LetheCLI, String) {
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    let image = root.file("\(tag).img")
    _ = FileManager.default.createFile(atPath: image, contents: Data(repeating: 0xA5, count: size))
    #expect(try lethe.run("asset", "register", tag, "--type", "hdd", "--classification", "low").status == 0)
    #expect(try lethe.run("asset", "retire", tag, "--reason", "end of life").status == 0)
    #expect(try lethe.run("schedule", "--policies", shippedPolicies).status == 0)
    return (lethe, image)
}

private func sqlite(_ database: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [database, sql]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    process.waitUntilExit()
    return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

@Test func aKilledOverwriteResumesAndEveryByteIsWritten() throws {
    let root = TemporaryDirectory()
    let size = 24 << 20
    let (lethe, image) = try prepared(root, size: size)
    // Given a random overwrite (8 MiB buffers) slowed to 1 MiB/s and checkpointed every 0.1 s,
    let process = Process()
    process.executableURL = LetheCLI.executable
    process.arguments = [
        "sanitize", "IMG-1", "--target", image, "--pattern", "random", "--yes", "--max-rate", "1",
        "--checkpoint-interval", "0.1", "--progress", "none", "--data-dir", lethe.dataDirectory,
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // when the process is killed mid-pass, once a checkpoint is recorded (SIGKILL: no chance to record more),
    let database = lethe.dataDirectory + "/lethe.sqlite"
    let query = "SELECT status || ' ' || offset_bytes FROM sanitize_run WHERE job_id = 1"
    // Generous: the loop ends at the first checkpoint; only a run that never records one waits it out
    let deadline = Date().addingTimeInterval(120)
    func checkpointed() -> Bool {
        guard let row = try? sqlite(database, query), let offset = Int(row.split(separator: " ").last ?? "") else {
            return false
        }
        return offset > 0
    }
    while Date() < deadline, !checkpointed() {
        Thread.sleep(forTimeInterval: 0.05)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal)
    let checkpoint = try sqlite(database, query)
    let parts = checkpoint.split(separator: " ")
    #expect(parts.first == "running", "\(checkpoint)")
    let offset = Int(parts.last ?? "") ?? -1
    #expect(offset > 0 && offset < size, "checkpoint \(checkpoint)")
    let before = try #require(FileManager.default.contents(atPath: image))
    #expect(before.suffix(4096).allSatisfy { $0 == 0xA5 }, "the kill came too late to test a resume")
    // then a resume continues from the checkpoint and completes the job,
    let resumed = try lethe.run("sanitize", "--resume", "1", "--yes", "--json")
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(try JSONOutput.top("completed", in: resumed.stdout) as? Bool == true, "\(resumed.stdout)")
    // and a read-back of every block (the sample minimum exceeds the 24 blocks) by someone else finds no mismatch.
    let verified = try lethe.run("verify", "--job", "1", "--json", "--actor", "carol", "--policies", shippedPolicies)
    #expect(verified.status == 0, "\(verified.stderr)")
    #expect(try JSONOutput.integers("bytes_read", in: verified.stdout).contains(size), "\(verified.stdout)")
    #expect(try JSONOutput.integers("mismatch_count", in: verified.stdout) == [0], "\(verified.stdout)")
    #expect(try JSONOutput.top("passed", in: verified.stdout) as? Bool == true)
    #expect(
        try JSONOutput.top("state", in: lethe.run("asset", "show", "IMG-1", "--json").stdout) as? String == "verified")
}

@Test func refusalsWriteNothing() throws {
    let root = TemporaryDirectory()
    let (lethe, image) = try prepared(root, size: 1 << 20)
    let link = root.file("link.img")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: image)
    let symlink = try lethe.run("sanitize", "IMG-1", "--target", link, "--yes")
    #expect(symlink.status == 65)
    #expect(symlink.stderr.contains("symlink"))
    let own = try lethe.run("sanitize", "IMG-1", "--target", lethe.dataDirectory + "/lethe.sqlite", "--yes")
    #expect(own.status == 65)
    #expect(own.stderr.contains("data directory"))
    let unconfirmed = try lethe.run("sanitize", "IMG-1", "--target", image)
    #expect(unconfirmed.status == 64)
    #expect(unconfirmed.stderr.contains("--yes"))
    let dry = try lethe.run("sanitize", "IMG-1", "--target", image, "--dry-run", "--json")
    #expect(dry.status == 0)
    #expect(try JSONOutput.integers("bytes_to_write", in: dry.stdout) == [1_048_576], "\(dry.stdout)")
    #expect(try #require(FileManager.default.contents(atPath: image)).allSatisfy { $0 == 0xA5 })
    #expect(try JSONOutput.top("state", in: lethe.run("job", "show", "1", "--json").stdout) as? String == "scheduled")
    let noSerialReason = try lethe.run("sanitize", "IMG-1", "--target", image, "--ignore-serial", "--yes")
    #expect(noSerialReason.status == 64)
}

@Test func nwipeLogsRecordJobs() throws {
    let root = TemporaryDirectory()
    let (lethe, _) = try prepared(root, tag: "HDD-2", size: 4096)
    #expect(try lethe.run("asset", "register", "HDD-3", "--type", "hdd", "--classification", "low").status == 0)
    #expect(try lethe.run("asset", "retire", "HDD-3", "--reason", "end of life").status == 0)
    #expect(try lethe.run("schedule", "--policies", shippedPolicies).status == 0)
    // The serials (as hex: loop devices report raw bytes) and sizes of the fixtures' loop devices.
    #expect(try lethe.run("asset", "update", "HDD-2", "--serial", "30d8048b7f", "--capacity", "32MiB").status == 0)
    #expect(try lethe.run("asset", "update", "HDD-3", "--serial", "b02685537f", "--capacity", "1GiB").status == 0)
    // An erased, verified log executes job 1 (its rule separates duties, so it is not self-verified).
    let erased = try lethe.run(
        "evidence", "import-nwipe", nwipeFixtures + "/verified-zero.log", "--job", "1", "--json", "--policies",
        shippedPolicies)
    #expect(erased.status == 0, "\(erased.stderr)")
    #expect(try JSONOutput.strings("state", in: erased.stdout).contains("executed"), "\(erased.stdout)")
    #expect(try JSONOutput.strings("tool", in: erased.stdout).contains("nwipe"))
    let details = try lethe.run("job", "show", "1", "--json")
    #expect(details.stdout.contains("verified-zero.log"))
    #expect(
        try JSONOutput.top("state", in: lethe.run("asset", "show", "HDD-2", "--json").stdout) as? String == "sanitized")
    // An aborted log fails job 2.
    let aborted = try lethe.run(
        "evidence", "import-nwipe", nwipeFixtures + "/aborted-random.log", "--job", "2", "--policies", shippedPolicies)
    #expect(aborted.status == 0, "\(aborted.stderr)")
    #expect(aborted.stdout.contains("failed"), "\(aborted.stdout)")
}

/// The `error` object of a `--json` failure.
private struct ErrorOutput: Decodable {
    struct Body: Decodable {
        var code: String
        var message: String
    }
    var error: Body
}

/// The outcome `lethe sanitize --json` prints.
private struct SanitizeOutput: Decodable {
    struct Run: Decodable {
        var status: String
        var offset: Int?
    }
    var completed: Bool
    var run: Run
}

/// Starts a throttled overwrite of `image` (JSON progress), sends SIGINT once its first
/// checkpoint is recorded, and returns the process (ended) and what it printed.
private func interruptedRun(_ lethe: LetheCLI, image: String, pattern: String) throws -> (Process, String) {
    let process = Process()
    process.executableURL = LetheCLI.executable
    process.arguments = [
        "sanitize", "IMG-1", "--target", image, "--pattern", pattern, "--yes", "--max-rate", "1",
        "--checkpoint-interval", "0.1", "--progress", "json", "--data-dir", lethe.dataDirectory,
    ]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let database = lethe.dataDirectory + "/lethe.sqlite"
    // Generous: the loop ends at the first checkpoint; only a run that never records one waits it out
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline,
        (try? sqlite(database, "SELECT offset_bytes FROM sanitize_run")).flatMap({ Int($0) }) ?? 0 == 0
    {
        Thread.sleep(forTimeInterval: 0.05)
    }
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    return (process, String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
}

@Test(arguments: ["zero", "random"])
func ctrlCStopsAfterTheBufferRecordsTheOffsetAndExits130(pattern: String) throws {
    let root = TemporaryDirectory()
    let (lethe, image) = try prepared(root, size: 24 << 20)
    let database = lethe.dataDirectory + "/lethe.sqlite"
    // Given a throttled overwrite printing JSON progress lines (random: its pattern filled ahead on
    // a second thread, which made Ctrl-C trap before the shared pipeline), when it gets SIGINT,
    let (process, printed) = try interruptedRun(lethe, image: image, pattern: pattern)
    // then it exits 130 (not a crash, not success), says where it stopped, and the job records the exact offset
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 130, "\(printed)")
    #expect(printed.contains("interrupted at pass 1 offset 8388608"), "\(printed)")
    let first = try #require(printed.split(separator: "\n").first)
    #expect(first.hasPrefix("{\"bytes_per_second\":"), "one compact JSON line: \(first)")
    #expect(try sqlite(database, "SELECT status || ' ' || offset_bytes FROM sanitize_run") == "interrupted 8388608")
    let event = try sqlite(database, "SELECT body FROM event WHERE type = 'job.interrupted'")
    let body = try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any]
    let payload = try #require(body?["payload"] as? [String: Any])
    #expect(payload["offset"] as? Int == 8_388_608, "\(event)")
    #expect(payload["pass"] as? Int == 1)
    let history = try lethe.run("asset", "history", "IMG-1")
    #expect(history.stdout.contains("job.interrupted"))
    #expect(history.stdout.contains("job 1 interrupted at pass 1, offset 8388608"), "\(history.stdout)")
    #expect(try JSONOutput.top("state", in: lethe.run("job", "show", "1", "--json").stdout) as? String == "in-progress")
    // and running it again from the start is refused, pointing to --resume, with nothing written;
    let again = try lethe.run("sanitize", "IMG-1", "--target", image, "--pattern", pattern, "--yes", "--json")
    #expect(again.status == 65)
    let refusal = try JSONDecoder().decode(ErrorOutput.self, from: Data(again.stdout.utf8))
    #expect(refusal.error.code == "conflict")
    #expect(refusal.error.message.contains("was interrupted at pass 1 of 1, offset 8388608"), "\(refusal)")
    #expect(refusal.error.message.contains("lethe sanitize --resume 1"))
    #expect(try sqlite(database, "SELECT count(*) FROM sanitize_run") == "1")
    #expect(try #require(FileManager.default.contents(atPath: image)).suffix(4096).allSatisfy { $0 == 0xA5 })
    // while --resume finishes the job.
    let resumed = try lethe.run("sanitize", "--resume", "1", "--yes", "--json")
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let outcome = try JSONDecoder().decode(SanitizeOutput.self, from: Data(resumed.stdout.utf8))
    #expect(outcome.completed)
    #expect(outcome.run.status == "completed")
}

@Test func aHardLinkToTheDatabaseOrAnImageWithOtherLinksIsRefused() throws {
    let root = TemporaryDirectory()
    let (lethe, image) = try prepared(root, size: 1 << 20)
    let database = lethe.dataDirectory + "/lethe.sqlite"
    let before = try #require(FileManager.default.contents(atPath: database))
    // Given a hard link to lethe.sqlite outside the data directory,
    let link = root.file("x")
    #expect(Foundation.link(database, link) == 0)
    // when it is given as the target, even with --allow-hard-links, then it is refused and the database is intact.
    for extra in [[], ["--allow-hard-links"]] {
        let refused = try lethe.run(["sanitize", "IMG-1", "--target", link, "--yes", "--json"] + extra)
        #expect(refused.status == 65)
        let error = try JSONDecoder().decode(ErrorOutput.self, from: Data(refused.stdout.utf8))
        #expect(error.error.message.contains("/lethe.sqlite in Lethe's data directory"), "\(error)")
    }
    #expect(try #require(FileManager.default.contents(atPath: database)).prefix(16) == before.prefix(16))
    #expect(try sqlite(database, "PRAGMA integrity_check") == "ok")
    // Given an image file with another hard link, it is refused unless --allow-hard-links;
    let second = root.file("second-name.img")
    #expect(Foundation.link(image, second) == 0)
    let linked = try lethe.run("sanitize", "IMG-1", "--target", image, "--yes", "--json")
    #expect(linked.status == 65)
    #expect(
        try JSONDecoder().decode(ErrorOutput.self, from: Data(linked.stdout.utf8)).error.message.contains(
            "2 hard links"))
    #expect(try sqlite(database, "SELECT count(*) FROM sanitize_run") == "0")
}

@Test func aHardLinkToTheDatabaseIsRefusedAtResume() throws {
    let root = TemporaryDirectory()
    let (lethe, image) = try prepared(root, size: 24 << 20)
    let database = lethe.dataDirectory + "/lethe.sqlite"
    // Given an interrupted run
    let (process, _) = try interruptedRun(lethe, image: image, pattern: "zero")
    #expect(process.terminationStatus == 130)
    // whose target is then replaced by a hard link to the database, --resume refuses it too.
    try FileManager.default.removeItem(atPath: image)
    #expect(Foundation.link(database, image) == 0)
    let resume = try lethe.run("sanitize", "--resume", "1", "--yes", "--json")
    #expect(resume.status == 65, "\(resume.stdout)")
    let resumeError = try JSONDecoder().decode(ErrorOutput.self, from: Data(resume.stdout.utf8))
    #expect(resumeError.error.message.contains("/lethe.sqlite in Lethe's data directory"), "\(resumeError)")
    #expect(try sqlite(database, "PRAGMA integrity_check") == "ok")
}
