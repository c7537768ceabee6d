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
        try (app.store as! SQLiteStore).unsafeExecute(sql)
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

    /// Uses a data directory.
    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// Runs `lethe ARGS…` with `--data-dir` set through the environment.
    public func run(_ arguments: String...) throws -> Result {
        try run(arguments)
    }

    /// Runs `lethe ARGS…` with an argument array.
    public func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LETHE_DATA_DIR"] = dataDirectory
        environment["USER"] = "cli-tester"
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}
