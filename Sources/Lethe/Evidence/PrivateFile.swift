import Foundation
import LetheCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files that hold keys: created with mode 0600, never readable by group or others.
enum PrivateFile {
    /// Writes a new file with mode 0600; refuses to replace an existing one unless `replace`.
    static func write(_ path: String, _ bytes: [UInt8], replace: Bool = false) throws(LetheError) {
        let target = replace ? path + ".tmp-\(getpid())" : path
        let descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw LetheError(.io, "cannot create \(target): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw LetheError(.io, "cannot write \(target): \(error.localizedDescription)")
        }
        if replace, rename(target, path) != 0 {
            throw LetheError(.io, "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a key file, refusing one that group or others can access.
    static func read(_ path: String) throws(LetheError) -> [UInt8]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        guard info.st_mode & 0o077 == 0 else {
            throw LetheError(
                .permission,
                "\(path) holds a private key but has mode \(String(info.st_mode & 0o777, radix: 8)): run 'chmod 600 \(path)'"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LetheError(.io, "cannot read \(path)")
        }
        return Array(data)
    }
}
