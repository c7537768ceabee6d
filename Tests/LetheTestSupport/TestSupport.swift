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
