import Foundation
import LetheCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files that hold keys: created with mode 0600, never readable by group or others.
///
/// Every write is atomic: the bytes go to a temporary file next to the target
/// (`NAME.tmp-PID`), which is fsynced, then linked or renamed into place, and the directory is
/// fsynced. A crash leaves either the old file, the new one, or a temporary file that
/// ``removeStaleTemporaries(of:)`` deletes; never a half-written key.
public enum PrivateFile {
    /// The suffix of temporary files, followed by the writing process's id.
    static let temporaryMarker = ".tmp-"

    /// Writes `bytes` to `path` with mode 0600, atomically. Refuses (code `conflict`, nothing
    /// changed) to replace an existing file unless `replace`.
    static func write(_ path: String, _ bytes: [UInt8], replace: Bool = false) throws(LetheError) {
        let temporary = path + temporaryMarker + "\(getpid())"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw LetheError(.io, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + written, $0.count - written) }
            guard count > 0 else { break }
            written += count
        }
        let synced = fsync(descriptor)
        let failure = errno
        close(descriptor)
        guard written == bytes.count, synced == 0 else {
            unlink(temporary)
            throw LetheError(.io, "cannot write \(temporary): \(String(cString: strerror(failure)))")
        }
        if replace {
            guard rename(temporary, path) == 0 else {
                let failure = errno
                unlink(temporary)
                throw LetheError(.io, "cannot replace \(path): \(String(cString: strerror(failure)))")
            }
        } else {
            // link(2) fails with EEXIST instead of replacing: two processes creating the same key
            // cannot overwrite each other's.
            let linked = link(temporary, path)
            let failure = errno
            unlink(temporary)
            guard linked == 0 else {
                if failure == EEXIST {
                    throw LetheError(.conflict, "\(path) already exists (nothing was replaced)")
                }
                throw LetheError(.io, "cannot create \(path): \(String(cString: strerror(failure)))")
            }
        }
        try syncDirectory(of: path)
    }

    /// Fsyncs the directory holding `path`, so a rename or link in it survives a crash.
    static func syncDirectory(of path: String) throws(LetheError) {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw LetheError(.io, "cannot open \(directory) to sync it: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw LetheError(.io, "cannot sync \(directory): \(String(cString: strerror(errno)))")
        }
    }

    /// Deletes temporary files of `path` left by processes that no longer run (a crash during
    /// ``write(_:_:replace:)``); returns how many were removed. Those of live processes are kept.
    @discardableResult
    static func removeStaleTemporaries(of path: String) -> Int {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + temporaryMarker
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)) else { continue }
            let alive = pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)
            if !alive, unlink(directory + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }

    /// Whether a file exists at `path` (without following a final symbolic link).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Refuses (code `permission`) a key file that group or others can access; a missing file passes.
    static func checkMode(_ path: String) throws(LetheError) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        guard info.st_mode & 0o077 == 0 else {
            throw LetheError(
                .permission,
                "\(path) holds a private key but has mode \(String(info.st_mode & 0o777, radix: 8)): run 'chmod 600 \(path)' (nothing was done)"
            )
        }
    }

    /// Reads a key file, refusing one that group or others can access; nil when there is none.
    public static func read(_ path: String) throws(LetheError) -> [UInt8]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        try checkMode(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LetheError(.io, "cannot read \(path)")
        }
        return Array(data)
    }
}

/// write(2), named apart from ``PrivateFile/write(_:_:replace:)``.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
