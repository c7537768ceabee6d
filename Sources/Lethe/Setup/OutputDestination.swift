import Foundation
import LetheCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a command may write what a user asked for (an evidence bundle, a decrypted backup): never
/// into the data directory — compared by device and inode along the whole path, so a symlink, a
/// bind mount or another spelling of it is caught too — and never over existing files unless
/// forced. The checks write nothing.
public enum OutputDestination {
    /// Checks that `path` may receive a bundle's files: outside `dataDirectory`, and missing or
    /// empty unless `force`.
    public static func checkDirectory(
        _ path: String, force: Bool, dataDirectory: DataDirectory?
    )
        throws(LetheError)
    {
        try refuseDataDirectory(path, dataDirectory, what: "--out \(path)")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw LetheError(
                .conflict, "--out \(path) is a file, not a directory; give a new directory (nothing was written)")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard entries.isEmpty || force else {
            throw LetheError(
                .conflict,
                "--out \(path) is not empty (\(entries.count) entries, e.g. \(entries.sorted()[0])); give a new or empty directory, or --force to replace the bundle's files in it (nothing was written)"
            )
        }
    }

    /// Checks that the file `path` may be written: its directory existing, writable and outside
    /// `dataDirectory`, and the file missing unless `force`. Messages name the path as the option `flag` that gave it.
    public static func checkFile(
        _ path: String, force: Bool, dataDirectory: DataDirectory?, flag: String = "--output"
    ) throws(LetheError) {
        let parent = (absolute(path) as NSString).deletingLastPathComponent
        try refuseDataDirectory(parent, dataDirectory, what: "\(flag) \(path)")
        // Known before anything is done: a command that issues (a report, a record) before it
        // writes would otherwise issue, then fail to write.
        var directory = stat()
        guard stat(parent, &directory) == 0, (directory.st_mode & S_IFMT) == S_IFDIR else {
            throw LetheError(
                .io, "cannot write \(flag) \(path): the directory \(parent) does not exist (nothing was written)")
        }
        guard access(parent, W_OK) == 0 else {
            throw LetheError(
                .io,
                "cannot write \(flag) \(path): the directory \(parent) is not writable (\(String(cString: strerror(errno)))); nothing was written"
            )
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw LetheError(
                .conflict,
                "\(flag) \(path) exists and is not a regular file; give a new file name (nothing was written)")
        }
        guard force else {
            throw LetheError(
                .conflict,
                "\(flag) \(path) exists (\(info.st_size) bytes); give a new file name, or --force to replace it (nothing was written)"
            )
        }
    }

    /// Writes the file `path` (checked with ``checkFile(_:force:dataDirectory:flag:)``) through
    /// `write`, which is given an open descriptor, so that the file appears whole or not at all:
    /// the bytes go to a file without a name in `path`'s directory (`O_TMPFILE`, mode 0600),
    /// which is then linked to `path` — refused if `path` appeared meanwhile — or, with `force`,
    /// linked to a temporary name and renamed over it (the new file has mode 0600). Where there
    /// are no unnamed files (another file system, no `/proc`), a temporary file beside it
    /// (`.NAME.lethe-…`) takes their place. A failure or an interruption (Ctrl-C, kill -9) leaves
    /// no file, whole or partial; the file is not synced to disk (a copy of what the store
    /// holds, which can be written again).
    ///
    /// For output too large to hold in memory (a year's report record, written piece by piece).
    public static func writeFile(
        _ path: String, force: Bool, flag: String = "--output",
        _ write: (Int32) throws(LetheError) -> Void
    ) throws(LetheError) {
        let file = try OutputFile(path, force: force, flag: flag)
        try write(file.descriptor)
        try file.place()
    }

    /// Refuses `path` when it, or any directory above it, is the data directory.
    static func refuseDataDirectory(_ path: String, _ dataDirectory: DataDirectory?, what: String) throws(LetheError) {
        guard let dataDirectory else { return }
        var data = stat()
        guard stat(dataDirectory.path, &data) == 0 else { return }
        var current = (absolute(path) as NSString).standardizingPath
        while true {
            var info = stat()
            if stat(current, &info) == 0, info.st_dev == data.st_dev, info.st_ino == data.st_ino {
                throw LetheError(
                    .conflict,
                    "\(what) is inside Lethe's data directory \(dataDirectory.path) (\(current)); it would replace Lethe's own files — write somewhere else (nothing was written)"
                )
            }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { return }
            current = parent
        }
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// A file being written for ``OutputDestination/writeFile(_:force:flag:_:)``, whole or not at all:
/// its bytes go to ``descriptor``, a file without a name (or with a hidden temporary one) in the
/// path's directory, and appear at the path only when ``place()`` is called. Let go unplaced (a
/// failure, an issuance that did not commit), it leaves nothing.
///
/// For a writer on another thread than the one that places it: `lethe report … --out` copies a
/// report's record into it while the store commits the report, and places it once the commit is
/// done.
public final class OutputFile: Sendable {
    /// The path the file appears at once placed.
    public let path: String
    /// Where its bytes are written.
    public let descriptor: Int32
    private let force: Bool
    private let flag: String
    /// The hidden temporary name, where there are no unnamed files; removed unless placed.
    private let named = Mutex<String?>(nil)

    /// Opens the file to be written at `path` (checked with
    /// ``OutputDestination/checkFile(_:force:dataDirectory:flag:)``), mode 0600. Messages name it
    /// as the option `flag` that gave it.
    public init(_ path: String, force: Bool, flag: String = "--output") throws(LetheError) {
        self.path = path
        self.force = force
        self.flag = flag
        var unnamed: Int32 = -1
        #if os(Linux)
            // O_TMPFILE (__O_TMPFILE | O_DIRECTORY, as in <fcntl.h>; Glibc does not export it),
            // named later through /proc/self/fd, so only when /proc is there.
            if access("/proc/self/fd", F_OK) == 0 {
                unnamed = open(
                    Self.directory(of: path), Int32(0o20_000_000) | O_DIRECTORY | O_WRONLY | O_CLOEXEC, 0o600)
            }
        #endif
        if unnamed >= 0 {
            descriptor = unnamed
        } else {
            let created = Self.temporary(path) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
            guard created.result >= 0 else { throw Self.failed(path, flag, "cannot create it", errno) }
            descriptor = created.result
            named.withLock { $0 = created.path }
        }
    }

    deinit {
        close(descriptor)
        if let named = named.withLock({ $0 }) { unlink(named) }
    }

    /// Gives the file its path: linked to it — refused if the path appeared meanwhile — or, when
    /// forced, linked to a temporary name and renamed over it.
    public func place() throws(LetheError) {
        var named = self.named.withLock { $0 }
        if named == nil {
            // The unnamed file gets its name through its descriptor's link in /proc.
            let source = "/proc/self/fd/\(descriptor)"
            guard force else {
                guard linkat(AT_FDCWD, source, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 else {
                    throw Self.failed(path, flag, "cannot name it", errno)
                }
                return
            }
            let linked = Self.temporary(path) { linkat(AT_FDCWD, source, AT_FDCWD, $0, AT_SYMLINK_FOLLOW) }
            guard linked.result == 0 else { throw Self.failed(path, flag, "cannot name it", errno) }
            named = linked.path
        }
        guard let named else { return }
        // From here the temporary name is this function's to remove, not the deinitializer's.
        self.named.withLock { $0 = nil }
        let placed = force ? rename(named, path) : link(named, path)
        let failure = errno
        if !force || placed != 0 { unlink(named) }
        guard placed == 0 else {
            throw Self.failed(path, flag, force ? "cannot replace it" : "cannot name it", failure)
        }
    }

    private static func directory(of path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    private static func failed(_ path: String, _ flag: String, _ what: String, _ code: Int32) -> LetheError {
        LetheError(
            code == EEXIST ? .conflict : .io,
            code == EEXIST
                ? "\(flag) \(path) exists; give a new file name, or --force to replace it (nothing was written)"
                : "cannot write \(flag) \(path): \(what): \(String(cString: strerror(code))) (nothing was written)")
    }

    /// A temporary name no other file has, beside `path`: `name(candidate)` is tried with fresh
    /// ones while it fails with EEXIST.
    private static func temporary(_ path: String, _ name: (String) -> Int32) -> (path: String, result: Int32) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var attempt: (path: String, result: Int32) = ("", -1)
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            attempt.path = directory + "/.\(url.lastPathComponent).lethe-\(getpid())-\(suffix)"
            attempt.result = name(attempt.path)
            if attempt.result >= 0 || errno != EEXIST { break }
        }
        return attempt
    }
}
