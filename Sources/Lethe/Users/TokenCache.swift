import Foundation
import LetheCore

/// API tokens this process has verified recently, so that a request need not read the store to
/// authenticate.
///
/// An entry holds what the store said about one token (its secret's hash, the principal, its expiry)
/// and is trusted for at most ``lifetime``; the presented secret is still compared with the stored
/// hash in constant time and the expiry checked on every request. Every user or token change made
/// through this process empties the cache at once, so a revocation or a disabled user through the
/// API, the console or the same application value takes effect on the next request. A change made by
/// another process on the same data directory (`lethe token revoke` on the command line while the
/// service runs) takes effect within ``lifetime``. Failed look-ups are never cached.
final class TokenCache: @unchecked Sendable {
    /// How long a verified token is trusted without reading the store again.
    static let lifetime: Duration = .seconds(1)
    /// The most tokens kept; past it the cache starts again empty.
    static let capacity = 10_000

    struct Entry: Sendable {
        let secretHash: [UInt8]
        let principal: Principal
        let expiresAt: Date?
        let verifiedAt: ContinuousClock.Instant
    }

    // Guarded by `lock` (a Mutex would need macOS 15).
    private let lock = NSLock()
    private var entries: [Int64: Entry] = [:]
    private var generation: UInt64 = 0

    /// A number that changes whenever the cache is emptied: read it before reading the store, and
    /// pass it to ``store(id:_:generation:)`` so that what was read before a change is not kept.
    func currentGeneration() -> UInt64 { lock.withLock { generation } }

    /// The entry for a token id, when it was verified less than ``lifetime`` ago.
    func entry(id: Int64, now: ContinuousClock.Instant = .now) -> Entry? {
        lock.withLock {
            guard let entry = entries[id] else { return nil }
            guard now - entry.verifiedAt < Self.lifetime else {
                entries[id] = nil
                return nil
            }
            return entry
        }
    }

    /// Remembers what the store said about a token that was just verified, unless a user or token
    /// change emptied the cache since `generation` was read.
    func store(id: Int64, _ entry: Entry, generation readAt: UInt64) {
        lock.withLock {
            guard generation == readAt else { return }
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = entry
        }
    }

    /// Forgets every token: called after any user or token change.
    func removeAll() {
        lock.withLock {
            entries.removeAll()
            generation &+= 1
        }
    }
}
