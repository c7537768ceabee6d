import Foundation
import LetheCore

/// The exclusive advisory lock on a target, taken before anything about a run is recorded, so a
/// run refused because another process holds the target changes nothing: no run row, no event.
/// The overwrite then uses it (``OverwriteRequest/heldLock``) instead of locking again. The lock
/// is released when the value is released, or when the process ends, also when it is killed.
public final class TargetLock: @unchecked Sendable {
    private let handle: MediaHandle
    /// The file that is locked.
    public var identity: FileIdentity { handle.identity }
    /// Its size in bytes (for a block device, the device's).
    public var size: Int64 { handle.size }

    /// Takes the lock on `path`, or fails with `locked` when another process holds it.
    public init(path: String) throws(LetheError) {
        handle = try MediaHandle(path: path, writing: true, allowDirect: false, lock: true)
    }
}

extension FileIdentity {
    /// The identity as stored with a run: `device:inode`.
    public var key: String { "\(device):\(inode)" }
}
