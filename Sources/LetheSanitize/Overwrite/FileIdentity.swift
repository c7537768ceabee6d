import Foundation

/// A file as the kernel knows it: its device and inode. Two paths (a hard link, a bind mount, a
/// different spelling) name the same file exactly when their identities are equal.
public struct FileIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The device holding the file (`st_dev`).
    public var device: UInt64
    /// The file's inode on that device (`st_ino`).
    public var inode: UInt64

    /// Creates an identity.
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The identity in a `stat` result.
    init(_ info: stat) {
        self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The identity of the file at `path` (not following a final symlink), or nil if it cannot be read.
    public static func of(path: String) -> FileIdentity? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return FileIdentity(info)
    }

    public var description: String { "device \(device), inode \(inode)" }
}
