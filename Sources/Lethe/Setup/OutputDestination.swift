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
    /// `write`, which is given an open descriptor, atomically: the bytes go to a temporary file
    /// next to it (`.NAME.lethe-PID`, mode 0600), which is then renamed over `path` when `force`,
    /// else linked to it (refused if `path` appeared meanwhile). A failure leaves no file.
    ///
    /// For output too large to hold in memory (a year's report record, written piece by piece).
    public static func writeFile(
        _ path: String, force: Bool, flag: String = "--output",
        _ write: (Int32) throws(LetheError) -> Void
    ) throws(LetheError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).lethe-\(getpid())"
        ).path
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw LetheError(
                .io, "cannot write \(flag) \(path): \(String(cString: strerror(errno))) (nothing was written)")
        }
        do throws(LetheError) {
            try write(descriptor)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        let placed = force ? rename(temporary, path) : link(temporary, path)
        let failure = errno
        if !force || placed != 0 { unlink(temporary) }
        guard placed == 0 else {
            if failure == EEXIST {
                throw LetheError(.conflict, "\(flag) \(path) exists; give a new file name, or --force to replace it")
            }
            throw LetheError(.io, "cannot write \(flag) \(path): \(String(cString: strerror(failure)))")
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
