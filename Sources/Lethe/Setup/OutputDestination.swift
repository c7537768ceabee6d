import Foundation
import LetheCore

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

    /// Checks that the file `path` may be written: its directory outside `dataDirectory`, and the
    /// file missing unless `force`. Messages name the path as the option `flag` that gave it.
    public static func checkFile(
        _ path: String, force: Bool, dataDirectory: DataDirectory?, flag: String = "--output"
    ) throws(LetheError) {
        let parent = (absolute(path) as NSString).deletingLastPathComponent
        try refuseDataDirectory(parent, dataDirectory, what: "\(flag) \(path)")
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
    /// `write`, which is given an open descriptor, atomically: the bytes go to a file without a
    /// name in `path`'s directory (`O_TMPFILE`, mode 0600), which is then linked to `path` —
    /// refused if `path` appeared meanwhile — or, with `force`, linked to a temporary name and
    /// renamed over it. A failure, an interruption or a crash leaves no file, whole or partial.
    /// Where the file system has no unnamed files, a temporary file beside it
    /// (`.NAME.lethe-PID`) takes their place.
    ///
    /// For output too large to hold in memory (a year's report record, written piece by piece).
    public static func writeFile(
        _ path: String, force: Bool, flag: String = "--output",
        _ write: (Int32) throws(LetheError) -> Void
    ) throws(LetheError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).lethe-\(getpid())"
        ).path
        let failed = { (what: String, code: Int32) in
            LetheError(
                code == EEXIST ? .conflict : .io,
                code == EEXIST
                    ? "\(flag) \(path) exists; give a new file name, or --force to replace it (nothing was written)"
                    : "cannot write \(flag) \(path): \(what): \(String(cString: strerror(code))) (nothing was written)")
        }
        var unnamed: Int32 = -1
        #if os(Linux)
            // O_TMPFILE (__O_TMPFILE | O_DIRECTORY, as in <fcntl.h>; Glibc does not export it).
            unnamed = open(directory, Int32(0o20_000_000) | O_DIRECTORY | O_WRONLY | O_CLOEXEC, 0o600)
        #endif
        let descriptor = unnamed >= 0 ? unnamed : open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failed("cannot create it", errno) }
        defer { close(descriptor) }
        do throws(LetheError) {
            try write(descriptor)
        } catch {
            if unnamed < 0 { unlink(temporary) }
            throw error
        }
        if unnamed >= 0 {
            // The unnamed file gets its name through its descriptor's link in /proc.
            let source = "/proc/self/fd/\(descriptor)"
            guard linkat(AT_FDCWD, source, AT_FDCWD, force ? temporary : path, AT_SYMLINK_FOLLOW) == 0 else {
                throw failed("cannot name it", errno)
            }
            guard force else { return }
        } else if !force {
            let linked = link(temporary, path)
            let failure = errno
            unlink(temporary)
            guard linked == 0 else { throw failed("cannot name it", failure) }
            return
        }
        guard rename(temporary, path) == 0 else {
            let failure = errno
            unlink(temporary)
            throw failed("cannot replace it", failure)
        }
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
