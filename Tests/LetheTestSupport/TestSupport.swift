import Foundation
import Lethe
import LetheCore
import LetheStore

/// A fresh temporary directory, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    /// Its absolute path.
    public let path: String

    /// Creates a unique directory under the system's temporary folder.
    public init(_ prefix: String = "lethe-test") {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/" + prefix + "-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes text to a file inside the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        let target = file(name)
        try! Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A clock that tests set and advance.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    /// Starts at 2026-11-22T09:00:00Z unless told otherwise.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_338_000)) { current = start }

    /// The current time.
    public var now: Date { lock.withLock { current } }

    /// Moves the clock forward.
    public func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }

    /// Sets the clock.
    public func set(_ date: Date) { lock.withLock { current = date } }
}

/// An installation in a fresh temporary data directory with a fixed clock.
public struct TestInstallation: Sendable {
    /// The temporary directory holding the data directory (kept alive with the installation).
    public let root: TemporaryDirectory
    /// The clock the application reads.
    public let clock: TestClock
    /// The application.
    public let app: LetheApp

    /// The data directory.
    public var dataDirectory: DataDirectory { app.dataDirectory! }

    /// Creates an installation; `busyTimeout` is short so lock tests finish quickly.
    public init(busyTimeout: TimeInterval = 0.2) throws {
        root = TemporaryDirectory()
        clock = TestClock()
        let clock = self.clock
        app = try LetheApp.open(
            DataDirectory(path: root.file("data")), busyTimeout: busyTimeout, clock: { clock.now })
    }

    /// Runs raw SQL against the installation's database (for tampering and lock tests).
    public func rawSQL(_ sql: String) throws {
        // A connection of its own to the installation's file: the application's store is reached
        // only through its protocol.
        try SQLiteStore(path: dataDirectory.databasePath).unsafeExecute(sql)
    }

    /// How many rows a table holds, read with the system's sqlite3 library through a fresh store.
    public func count(_ table: String) throws -> Int {
        let store = try SQLiteStore(path: dataDirectory.databasePath)
        return try store.countRows(table)
    }
}

/// Another process — the `sqlite3` shell — holding a database's write lock until released.
public final class SQLiteLockHolder: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    /// Starts `sqlite3 PATH`, begins an immediate transaction and waits until it holds the lock.
    public init(path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw CocoaError(.fileReadUnknown) }
            seen.append(chunk)
        }
    }

    /// Rolls back and ends the process.
    public func release() {
        guard process.isRunning else { return }
        input.fileHandleForWriting.write(Data("ROLLBACK;\n.quit\n".utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { release() }
}

/// Runs the built `lethe` executable, as a user would.
public struct LetheCLI: Sendable {
    /// What a run printed and how it ended.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The data directory every run uses.
    public let dataDirectory: String
    /// Variables added to the environment of every run.
    public var environment: [String: String]

    /// The executable next to the test bundle in the build folder.
    public static var executable: URL {
        var url = Bundle.main.bundleURL
        while url.path != "/" {
            let candidate = url.appendingPathComponent("lethe")
            if FileManager.default.isExecutableFile(atPath: candidate.path), !url.path.hasSuffix(".xctest") {
                return candidate
            }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/lethe")
    }

    /// Uses a data directory, with `environment` added to every run's.
    public init(dataDirectory: String, environment: [String: String] = [:]) {
        self.dataDirectory = dataDirectory
        self.environment = environment
    }

    /// Runs `lethe ARGS…` with `--data-dir` set through the environment.
    public func run(_ arguments: String...) throws -> Result {
        try run(arguments)
    }

    /// Runs `lethe ARGS…` with the arguments in an array, `input` on its standard input, in
    /// `directory` when given (else the test's own).
    public func run(_ arguments: [String], input: String = "", in directory: String? = nil) throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        environment["LETHE_DATA_DIR"] = dataDirectory
        environment["USER"] = "cli-tester"
        environment.merge(self.environment) { $1 }
        let ran = try runProcess(Self.executable, arguments, in: directory, environment: environment, input: input)
        return Result(status: ran.status, stdout: ran.stdout, stderr: ran.stderr)
    }
}

/// What a process printed and how it ended.
public struct ProcessOutput: Sendable {
    /// The exit status.
    public var status: Int32
    /// Standard output.
    public var stdout: String
    /// Standard error.
    public var stderr: String
    /// Both, standard output first.
    public var output: String { stdout + stderr }
}

/// Runs `executable` with `arguments` (in `directory` when given, `input` on its standard input)
/// and waits for it; both pipes are drained on their own threads, so a chatty process cannot block.
public func runProcess(
    _ executable: URL, _ arguments: [String], in directory: String? = nil,
    environment: [String: String]? = nil, input: String = ""
) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment { process.environment = environment }
    let stdin = Pipe()
    let out = Pipe()
    let err = Pipe()
    process.standardInput = stdin
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let collected = ProcessPipes()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { collected.setStdout(out.fileHandleForReading.readDataToEndOfFile()) }
    DispatchQueue.global().async(group: group) { collected.setStderr(err.fileHandleForReading.readDataToEndOfFile()) }
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    group.wait()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus, stdout: String(decoding: collected.stdout, as: UTF8.self),
        stderr: String(decoding: collected.stderr, as: UTF8.self))
}

/// ``runProcess(_:_:in:environment:input:)`` on a thread of its own, for a long run (a browser
/// test) from an async test: waiting for it must not hold one of the few cooperative threads every
/// other test in the run shares (on two cores, two), or their own deadlines run out meanwhile.
public func runProcessOffThePool(
    _ executable: URL, _ arguments: [String], in directory: String? = nil,
    environment: [String: String]? = nil, input: String = ""
) async throws -> ProcessOutput {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(
                with: Result {
                    try runProcess(executable, arguments, in: directory, environment: environment, input: input)
                })
        }
    }
}

/// Runs a tool found on `PATH` (`tool(["openssl", "version"])`) in `directory`.
public func tool(_ arguments: [String], in directory: String? = nil, input: String = "") throws -> ProcessOutput {
    try runProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments, in: directory, input: input)
}

/// Runs a shell command line in `directory`.
public func shell(_ command: String, in directory: String? = nil) throws -> ProcessOutput {
    try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", command], in: directory)
}

/// The two outputs of a process, filled from two threads.
private final class ProcessPipes: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    var stdout: Data { lock.withLock { out } }
    var stderr: Data { lock.withLock { err } }
    func setStdout(_ data: Data) { lock.withLock { out = data } }
    func setStderr(_ data: Data) { lock.withLock { err = data } }
}
