import Foundation
import LetheTestSupport
import Testing

private let shippedPolicies = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("policies").path

/// A retired usb-flash stick of `capacity` bytes (Clear by overwrite) with its job, and an image.
private func stick(_ root: TemporaryDirectory, capacity: Int, image size: Int) throws -> (LetheCLI, String) {
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    let image = root.file("stick.img")
    try Data(repeating: 0xA5, count: size).write(to: URL(fileURLWithPath: image))
    let registered = try lethe.run(
        "asset", "register", "USB-1", "--type", "usb-flash", "--classification", "low", "--capacity", "\(capacity)B")
    #expect(registered.status == 0, "\(registered.stderr)")
    #expect(try lethe.run("asset", "retire", "USB-1", "--reason", "end of life").status == 0)
    #expect(try lethe.run("schedule", "--policies", shippedPolicies).status == 0)
    return (lethe, image)
}

private func count(_ lethe: LetheCLI, _ sql: String) throws -> String {
    try tool(["sqlite3", lethe.dataDirectory + "/lethe.sqlite", sql]).stdout.trimmingCharacters(
        in: .whitespacesAndNewlines)
}

/// The new-user trial found a 1 MiB image accepted as a 64 MiB stick, and the asset then verified.
@Test func aTargetThatIsNotTheWholeMediumIsRefusedUnlessARecordedReasonSaysSo() throws {
    let root = TemporaryDirectory()
    let (lethe, image) = try stick(root, capacity: 64 << 20, image: 1 << 20)
    let refused = try lethe.run("sanitize", "USB-1", "--target", image, "--yes", "--progress", "none")
    #expect(refused.status == 65, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains("recorded capacity is 67108864 bytes"), "\(refused.stderr)")
    #expect(try count(lethe, "SELECT count(*) FROM sanitize_run") == "0")
    let allowed = try lethe.run(
        "sanitize", "USB-1", "--target", image, "--yes", "--progress", "none", "--ignore-size", "--reason",
        "the stick's first partition only, as the vendor asked")
    #expect(allowed.status == 0, "\(allowed.stderr)")
    let executed = try count(lethe, "SELECT body FROM event WHERE type = 'job.executed'")
    #expect(
        try JSONOutput.strings("size_check_skipped", in: executed) == [
            "the stick's first partition only, as the vendor asked"
        ])
}

/// The trial found a run refused because another process held the target still writing a failed
/// run row (which then blocked --resume of the live run) and a job.resumed event.
@Test func aRunRefusedBecauseTheTargetIsBusyRecordsNothing() throws {
    let root = TemporaryDirectory()
    let (lethe, image) = try stick(root, capacity: 4 << 20, image: 4 << 20)
    let events = try count(lethe, "SELECT count(*) FROM event")
    // Given another process holding the target's lock
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
    holder.arguments = ["--exclusive", image, "sleep", "120"]
    try holder.run()
    defer { holder.terminate() }
    // (once it holds it: a probe that cannot take the lock exits 1; bounded at 60 s)
    let deadline = Date().addingTimeInterval(60)
    func held() throws -> Bool {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        probe.arguments = ["--nonblock", image, "true"]
        try probe.run()
        probe.waitUntilExit()
        return probe.terminationStatus == 1
    }
    while Date() < deadline, try !held() { Thread.sleep(forTimeInterval: 0.05) }
    // When a sanitize of it starts, it is refused as locked
    let refused = try lethe.run("sanitize", "USB-1", "--target", image, "--yes", "--progress", "none")
    #expect(refused.status == 75, "\(refused.stderr)")
    // Then no run, no event, and the job is still only scheduled
    #expect(try count(lethe, "SELECT count(*) FROM sanitize_run") == "0")
    #expect(try count(lethe, "SELECT count(*) FROM event") == events)
    #expect(try count(lethe, "SELECT state FROM job") == "scheduled")
}

/// The trial replaced an interrupted run's image file with another and `--resume` wrote the rest
/// of the new file, then the job said executed.
@Test func aResumeRefusesAnImageReplacedSinceTheRunStarted() throws {
    let root = TemporaryDirectory()
    let size = 16 << 20
    let (lethe, image) = try stick(root, capacity: size, image: size)
    // Given an overwrite killed after its first checkpoint
    let process = Process()
    process.executableURL = LetheCLI.executable
    process.arguments = [
        "sanitize", "USB-1", "--target", image, "--yes", "--max-rate", "1", "--checkpoint-interval", "0.1",
        "--progress", "none", "--data-dir", lethe.dataDirectory,
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Generous: the loop ends at the first checkpoint; only a run that never records one waits it out
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, Int(try count(lethe, "SELECT coalesce(max(offset_bytes), 0) FROM sanitize_run")) ?? 0 == 0
    {
        Thread.sleep(forTimeInterval: 0.05)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    // When the image is replaced by another file of the same size at the same path
    try FileManager.default.removeItem(atPath: image)
    try Data(repeating: 0x5A, count: size).write(to: URL(fileURLWithPath: image))
    // Then --resume refuses, naming the replacement, and writes nothing
    let resumed = try lethe.run("sanitize", "--resume", "1", "--yes", "--progress", "none")
    #expect(resumed.status == 65, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("is not what run 1 of job 1 was overwriting"), "\(resumed.stderr)")
    let untouched = try Data(contentsOf: URL(fileURLWithPath: image))
    #expect(untouched.allSatisfy { $0 == 0x5A })
    // And --restart starts a new run over the new file
    let restarted = try lethe.run("sanitize", "USB-1", "--target", image, "--yes", "--progress", "none", "--restart")
    #expect(restarted.status == 0, "\(restarted.stderr)")
}

/// The trial's most serious finding: with a mistyped data directory, the scheduled run created an
/// empty installation and exited 0, so monitoring stayed green.
@Test func theScheduledCommandsOnAMissingInstallationFailNamingItAndCreateNothing() throws {
    let root = TemporaryDirectory()
    let typo = root.file("lethe-typo")
    let lethe = LetheCLI(dataDirectory: typo)
    for arguments in [
        ["verify", "--due"], ["schedule"], ["keys", "show"], ["certificate", "issue", "--all-verified"],
    ] {
        let result = try lethe.run(arguments)
        #expect(result.status == 66, "lethe \(arguments.joined(separator: " ")): \(result.stderr)")
        #expect(result.stderr.contains(typo), "\(result.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: typo))
    // `lethe init` creates it on purpose; then the scheduled run works on it
    #expect(try lethe.run("init").status == 0)
    #expect(try lethe.run("init").status == 0, "init is idempotent")
    #expect(try lethe.run("verify", "--due").status == 0)
}

/// The trial ran `schedule --as-of` a few months ahead: events dated in the future entered the log,
/// then times went backwards. A run at another date is now only a preview.
@Test func scheduleAsOfPreviewsAndRecordsNothing() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    #expect(try lethe.run("asset", "register", "LAP-1", "--type", "laptop", "--classification", "low").status == 0)
    #expect(try lethe.run("asset", "retire", "LAP-1", "--reason", "end of life").status == 0)
    let events = try count(lethe, "SELECT count(*) FROM event")
    let preview = try lethe.run("schedule", "--as-of", "2030-01-01T00:00:00Z", "--policies", shippedPolicies)
    #expect(preview.status == 0, "\(preview.stderr)")
    #expect(preview.stdout.contains("nothing was recorded") && preview.stdout.contains("scheduled 1 job"))
    #expect(try count(lethe, "SELECT count(*) FROM event") == events)
    #expect(try count(lethe, "SELECT count(*) FROM job") == "0")
    #expect(try lethe.run("schedule", "--policies", shippedPolicies).status == 0)
    #expect(try count(lethe, "SELECT count(*) FROM job") == "1")
    #expect(try count(lethe, "SELECT max(recorded_at) <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM event") == "1")
}

/// The third walk-through overwrote an image with zeros, moved it away and put a fresh zero-filled
/// file at its path: 'verify --due' read the new file back and recorded the job verified.
@Test func aReadBackRefusesAFileThatReplacedTheOverwrittenOne() throws {
    // Given a stick overwritten with zeros through its image
    let root = TemporaryDirectory()
    let (lethe, image) = try stick(root, capacity: 4 << 20, image: 4 << 20)
    let overwritten = try lethe.run(
        "sanitize", "USB-1", "--target", image, "--pattern", "zero", "--yes", "--progress", "none")
    #expect(overwritten.status == 0, "\(overwritten.stderr)")
    // When that image is moved away and a fresh file of zeros takes its path
    try FileManager.default.moveItem(atPath: image, toPath: image + ".old")
    try Data(count: 4 << 20).write(to: URL(fileURLWithPath: image))
    // Then the read-back refuses it, and the job is not verified
    let verified = try lethe.run("verify", "--due", "--actor", "carol", "--policies", shippedPolicies)
    #expect(verified.status == 1, "\(verified.stdout)\(verified.stderr)")
    #expect(verified.stdout.contains("is not the file that was overwritten"), "\(verified.stdout)")
    #expect(try count(lethe, "SELECT state FROM disposal_job") != "verified")
}

/// The third walk-through interrupted a run made with --ignore-size and resumed it: the
/// resumed run's job.executed no longer said the size check was skipped, nor why; and after a
/// kill -9 it counted only the bytes the resume wrote.
@Test func aResumedRunKeepsTheReasonItsSizeCheckWasSkipped() throws {
    // Given a run over an image smaller than the stick, allowed with a reason, slowed to 1 MiB/s
    // (8 MiB buffers: the first checkpoint comes at 8 of 24 MiB)
    let root = TemporaryDirectory()
    let (lethe, image) = try stick(root, capacity: 32 << 20, image: 24 << 20)
    let process = Process()
    process.executableURL = LetheCLI.executable
    process.arguments = [
        "sanitize", "USB-1", "--target", image, "--pattern", "random", "--yes", "--max-rate", "1",
        "--checkpoint-interval", "0.1", "--progress", "none", "--ignore-size", "--reason", "first partition only",
        "--data-dir",
        lethe.dataDirectory,
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // When it is killed once a checkpoint is recorded, and resumed
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline,
        (Int((try? count(lethe, "SELECT offset_bytes FROM sanitize_run")) ?? "") ?? 0) == 0
    {
        Thread.sleep(forTimeInterval: 0.05)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(try count(lethe, "SELECT status FROM sanitize_run") == "running", "the kill came too late")
    let resumed = try lethe.run("sanitize", "--resume", "1", "--yes", "--progress", "none")
    #expect(resumed.status == 0, "\(resumed.stderr)")
    // Then its job.executed still says the size check was skipped, and why
    let executed = try count(lethe, "SELECT body FROM event WHERE type = 'job.executed'")
    #expect(try JSONOutput.strings("size_check_skipped", in: executed) == ["first partition only"], "\(executed)")
    // And it counts every byte the overwrite covered, the killed attempt's included (its last
    // checkpoint kept them)
    let counted = try JSONOutput.integers("bytes_written", in: executed)
    #expect(!counted.isEmpty && counted.allSatisfy { $0 == 24 << 20 }, "\(executed)")
}
