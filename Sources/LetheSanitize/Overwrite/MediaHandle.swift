import Foundation
import LetheCore

#if canImport(Glibc)
    import Glibc
#endif

/// An open overwrite or read-back target: a block device or an image file, with its true size,
/// using direct I/O where the target allows it and ordinary I/O where it does not.
/// Sendable by hand: pread and pwrite on one descriptor are thread-safe, and `direct` changes only
/// by the one thread doing I/O at a time (the read-ahead thread has finished before the tail is read).
final class MediaHandle: @unchecked Sendable {
    let path: String
    let descriptor: Int32
    /// The size to overwrite: BLKGETSIZE64 for a block device, the file's size for a file.
    let size: Int64
    let isBlockDevice: Bool
    /// The file opened (device and inode), to compare with the one the safety checks passed.
    let identity: FileIdentity
    /// Whether the page cache is bypassed (O_DIRECT); false after a fallback.
    private(set) var direct: Bool

    #if arch(x86_64)
        static let oDirect: Int32 = 0o40000
    #else
        static let oDirect: Int32 = 0o200000
    #endif
    /// `_IOR(0x12, 114, size_t)`: the size of a block device in bytes.
    static let blkGetSize64: UInt = 0x8008_1272

    /// Opens `path`. With `lock`, takes an advisory lock on the open target — exclusive for
    /// writing, shared for reading — so a second overwrite of the same target, or a read-back
    /// while it is being overwritten, is refused instead of interleaving (the lock goes with the
    /// process, also when it is killed).
    init(path: String, writing: Bool, allowDirect: Bool = true, lock: Bool = true) throws(LetheError) {
        self.path = path
        let mode = writing ? O_RDWR : O_RDONLY
        var fd: Int32 = -1
        var usedDirect = false
        if allowDirect {
            fd = Glibc.open(path, mode | Self.oDirect | O_CLOEXEC)
            usedDirect = fd >= 0
        }
        if fd < 0 { fd = Glibc.open(path, mode | O_CLOEXEC) }
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw LetheError(
                errno == EACCES || errno == EROFS || errno == EPERM ? .permission : .io,
                "cannot open \(path) for \(writing ? "writing" : "reading"): \(reason) (nothing was written)")
        }
        if lock, flock(fd, (writing ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            close(fd)
            throw LetheError(
                busy ? .locked : .io,
                busy
                    ? "\(path) is being \(writing ? "used" : "overwritten") by another process (another lethe sanitize or verify run); nothing was \(writing ? "written" : "read") — wait for it to finish or stop it, then retry"
                    : "cannot lock \(path): \(reason)")
        }
        descriptor = fd
        direct = usedDirect
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw LetheError(.io, "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        isBlockDevice = (info.st_mode & S_IFMT) == S_IFBLK
        identity = FileIdentity(info)
        if isBlockDevice {
            var bytes: UInt64 = 0
            if ioctl(fd, Self.blkGetSize64, &bytes) == 0 {
                size = Int64(bytes)
            } else {
                size = Int64(lseek(fd, 0, SEEK_END))
            }
        } else {
            size = Int64(info.st_size)
        }
    }

    deinit { close(descriptor) }

    /// Drops O_DIRECT (a file system or device refused it, or an unaligned tail follows).
    func dropDirect() {
        guard direct else { return }
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags & ~Self.oDirect)
        direct = false
    }

    /// Writes `count` bytes of `buffer` at `offset`, falling back to buffered I/O when direct I/O
    /// is refused or the length is not block-aligned (the partial last block).
    func write(_ buffer: UnsafeMutableRawBufferPointer, count: Int, at offset: Int64) throws(LetheError) {
        if direct, count % AlignedBuffer.alignment != 0 { dropDirect() }
        var done = 0
        while done < count {
            // swift-format-ignore: NeverForceUnwrap
            let written = pwrite(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL, direct {
                    dropDirect()
                    continue
                }
                throw LetheError(
                    .io,
                    "writing \(path) at offset \(offset + Int64(done)) failed: \(String(cString: strerror(errno)))")
            }
            if written == 0 {
                throw LetheError(
                    .io, "writing \(path) at offset \(offset + Int64(done)) wrote nothing (end of device?)")
            }
            done += written
        }
    }

    /// Reads `count` bytes at `offset` into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer, count: Int, at offset: Int64) throws(LetheError) {
        if direct, count % AlignedBuffer.alignment != 0 { dropDirect() }
        var done = 0
        while done < count {
            // swift-format-ignore: NeverForceUnwrap
            let got = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            if got < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL, direct {
                    dropDirect()
                    continue
                }
                throw LetheError(
                    .io, "reading \(path) at offset \(offset + Int64(done)) failed: \(String(cString: strerror(errno)))"
                )
            }
            if got == 0 {
                throw LetheError(.io, "reading \(path) at offset \(offset + Int64(done)) hit the end early")
            }
            done += got
        }
    }

    /// Flushes written data to the medium (fdatasync).
    func sync() throws(LetheError) {
        guard fdatasync(descriptor) == 0 else {
            throw LetheError(.io, "fdatasync of \(path) failed: \(String(cString: strerror(errno)))")
        }
    }
}
