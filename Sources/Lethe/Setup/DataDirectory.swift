import Foundation
import LetheCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The directory that holds an installation's database, keys and secrets.
///
/// Resolved as `--data-dir`, else `$LETHE_DATA_DIR`, else `~/.local/share/lethe`. It is created
/// with mode 0700 on first use; an existing directory that others can read or write is refused,
/// because it holds signing keys and the installation secret.
public struct DataDirectory: Sendable, Hashable {
    /// The environment variable that names the data directory.
    public static let environmentKey = "LETHE_DATA_DIR"
    /// The database file's name inside the directory.
    public static let databaseFileName = "lethe.sqlite"

    /// The directory's absolute path.
    public let path: String

    /// The SQLite database file.
    public var databasePath: String { path + "/" + Self.databaseFileName }

    /// Resolves the directory: the flag, else the environment, else the default under `$HOME`.
    public static func resolve(flag: String?, environment: [String: String]) -> DataDirectory {
        if let flag, !flag.isEmpty { return DataDirectory(path: absolute(flag)) }
        if let value = environment[environmentKey], !value.isEmpty { return DataDirectory(path: absolute(value)) }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return DataDirectory(path: home + "/.local/share/lethe")
    }

    /// Uses the directory at `path`.
    public init(path: String) {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    private static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return FileManager.default.currentDirectoryPath + "/" + expanded
    }

    /// Creates the directory (0700, with its parents) if it does not exist and `create` is true,
    /// and checks its mode and its database's.
    ///
    /// Only a command that writes creates an installation: a read (`create: false`) of a directory
    /// that does not exist, or holds no database, is refused, so that a mistyped `--data-dir` does
    /// not show an empty register.
    ///
    /// - Throws: `notFound` when `create` is false and there is no installation at the path; `io`
    ///   when it cannot be created or is not a directory; `permission` when group or others have
    ///   any access to an existing directory that already holds a database, or to the database.
    public func prepare(create: Bool = true) throws(LetheError) {
        var info = stat()
        if stat(path, &info) != 0 {
            guard errno == ENOENT else { throw ioError("cannot inspect", errno) }
            guard create else { throw missing() }
            let parent = (path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw LetheError(
                    .io, "cannot create the data directory's parent \(parent): \(error.localizedDescription)")
            }
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw ioError("cannot create", errno) }
            guard chmod(path, 0o700) == 0 else { throw ioError("cannot set mode 0700 on", errno) }
            try createDatabaseFile()
            return
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw LetheError(.io, "data directory \(path) exists but is not a directory; choose another --data-dir")
        }
        let hasDatabase = FileManager.default.fileExists(atPath: databasePath)
        guard create || hasDatabase else { throw missing() }
        if hasDatabase { try checkDatabaseModes() }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 != 0 else {
            if !hasDatabase { try createDatabaseFile() }
            return
        }
        if hasDatabase {
            throw LetheError(
                .permission,
                "data directory \(path) has mode \(String(mode, radix: 8)) but holds keys and secrets: run 'chmod 700 \(path)' and try again"
            )
        }
        // A directory prepared by an administrator for a new installation: make it private.
        guard chmod(path, 0o700) == 0 else { throw ioError("cannot set mode 0700 on", errno) }
        try createDatabaseFile()
    }

    /// Creates the empty database file with mode 0600 whatever the umask, so that SQLite (which
    /// gives its WAL and shared-memory files the database's mode) never makes them readable by others.
    private func createDatabaseFile() throws(LetheError) {
        let descriptor = open(databasePath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return }
            throw LetheError(.io, "cannot create \(databasePath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else {
            throw LetheError(.io, "cannot set mode 0600 on \(databasePath): \(String(cString: strerror(errno)))")
        }
    }

    /// Refuses a database (or its WAL and shared-memory files) that group or others may access:
    /// it holds the asset register and the evidence log. Nothing is changed.
    private func checkDatabaseModes() throws(LetheError) {
        for file in [databasePath, databasePath + "-wal", databasePath + "-shm"] {
            var info = stat()
            guard lstat(file, &info) == 0 else {
                if errno == ENOENT { continue }
                throw LetheError(.io, "cannot inspect \(file): \(String(cString: strerror(errno)))")
            }
            let mode = info.st_mode & 0o777
            guard mode & 0o077 != 0 else { continue }
            throw LetheError(
                .permission,
                "\(file) has mode \(String(mode, radix: 8)) but must be private to its owner (it holds the register and the evidence log): run 'chmod 600 \(file)' and try again"
            )
        }
    }

    private func missing() -> LetheError {
        LetheError(
            .notFound,
            "no Lethe installation at \(path) (no \(Self.databaseFileName)); check --data-dir or $\(Self.environmentKey) (--data-dir goes before or after the subcommand); 'lethe init', or a first change such as 'lethe asset register', creates one"
        )
    }

    private func ioError(_ what: String, _ code: Int32) -> LetheError {
        LetheError(.io, "\(what) the data directory \(path): \(String(cString: strerror(code)))")
    }
}
