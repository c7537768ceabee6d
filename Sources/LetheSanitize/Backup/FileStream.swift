import Foundation
import LetheCore

/// A POSIX file descriptor read or written in large blocks, closed on release.
final class FileStream {
    private let descriptor: Int32

    init(reading path: String) throws(LetheError) {
        descriptor = Foundation.open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw LetheError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
    }

    init(writing path: String) throws(LetheError) {
        descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw LetheError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// The file's size in bytes.
    func size(path: String) throws(LetheError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw LetheError(.io, "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        return Int64(info.st_size)
    }

    /// Reads until the buffer is full or the file ends; returns the bytes read.
    func readFull(into buffer: UnsafeMutableRawBufferPointer, path: String) throws(LetheError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw LetheError(.io, "reading \(path) failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// Writes all the bytes.
    func write(_ bytes: some DataProtocol, path: String) throws(LetheError) {
        for region in bytes.regions {
            let failure: Int32? = region.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int32? in
                var done = 0
                while done < raw.count {
                    let count = Foundation.write(descriptor, raw.baseAddress! + done, raw.count - done)
                    if count < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    done += count
                }
                return nil
            }
            if let failure {
                throw LetheError(.io, "writing \(path) failed: \(String(cString: strerror(failure)))")
            }
        }
    }

    /// Flushes to stable storage.
    func finish(path: String) throws(LetheError) {
        guard fsync(descriptor) == 0 else {
            throw LetheError(.io, "flushing \(path) failed: \(String(cString: strerror(errno)))")
        }
    }
}
