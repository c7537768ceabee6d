import CoreMetrics
import Foundation
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The connections each client holds open, shared by every connection's
/// ``ClientConnectionLimitHandler``: a client (a peer address) may hold at most `perClient`.
///
/// Without it one client could take every connection the service allows, and leave none for
/// anyone else until its connections went idle.
final class ClientConnections: Sendable {
    /// The most connections one peer address may hold open at once.
    let perClient: Int
    /// Peers not limited: trusted reverse proxies, which carry every client's connections.
    let exempt: Set<String>
    let logger: Logger
    /// Counted once per connection refused (the metric `lethe_connections_refused_total`).
    private let refused: CoreMetrics.Counter
    private let state = Mutex<[String: Count]>([:])

    private struct Count {
        var open = 0
        /// Whether the client was refused since it last held fewer than the limit: its refusals
        /// are logged once each time it reaches the limit, not once per connection.
        var refusedSinceBelow = false
    }

    init(perClient: Int, exempt: Set<String>, logger: Logger, metrics: ServiceMetrics) {
        self.perClient = perClient
        self.exempt = exempt
        self.logger = logger
        refused = CoreMetrics.Counter(
            label: "lethe_connections_refused_total", dimensions: [("reason", "per-client")], factory: metrics.factory)
        refused.increment(by: 0)
    }

    /// Counts a connection opened by `peer`; false (and nothing counted) when the peer already
    /// holds as many as it may.
    func open(_ peer: String) -> Bool {
        guard !exempt.contains(peer) else { return true }
        let (accepted, firstRefusal) = state.withLock { (counts) -> (Bool, Bool) in
            var count = counts[peer, default: Count()]
            defer { counts[peer] = count }
            guard count.open < perClient else {
                let first = !count.refusedSinceBelow
                count.refusedSinceBelow = true
                return (false, first)
            }
            count.open += 1
            return (true, false)
        }
        if !accepted {
            refused.increment()
            if firstRefusal {
                logger.notice(
                    "a client reached its connection limit; its further connections are closed until it holds fewer",
                    metadata: ["client.address": .string(peer), "connections.per_client": "\(perClient)"])
            }
        }
        return accepted
    }

    /// Counts a connection of `peer` closed (one ``open(_:)`` accepted).
    func close(_ peer: String) {
        guard !exempt.contains(peer) else { return }
        state.withLock { (counts) in
            guard var count = counts[peer] else { return }
            count.open -= 1
            if count.open <= 0 {
                counts[peer] = nil
            } else {
                if count.open < perClient { count.refusedSinceBelow = false }
                counts[peer] = count
            }
        }
    }

    /// The connections `peer` holds now (for tests).
    func openCount(_ peer: String) -> Int { state.withLock { $0[peer]?.open ?? 0 } }
}

/// Closes a connection as it becomes active when its peer already holds as many as
/// ``ClientConnections`` allows, before anything of it is read; otherwise counts it until it closes.
final class ClientConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let connections: ClientConnections
    /// The peer counted for this connection, until it closes.
    private var counted: String?

    init(_ connections: ClientConnections) { self.connections = connections }

    func channelActive(context: ChannelHandlerContext) {
        let peer = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard connections.open(peer) else {
            context.close(promise: nil)
            return
        }
        counted = peer
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }

    private func release() {
        if let peer = counted { connections.close(peer) }
        counted = nil
    }
}

/// The process's limit on open files, which every connection, database file and spool counts
/// against.
enum FileDescriptorLimit {
    /// Descriptors kept for everything but connections: the database and its WAL, spools,
    /// caches, lock files, outgoing webhook connections, the event loops' own.
    static let reserve = 128
    /// The most connections allowed by default, however high the limit.
    static let defaultCeiling = 4096

    /// Raises the soft limit on open files to the hard limit (as Go's runtime and many servers
    /// do at start); returns the soft limit now in force.
    @discardableResult
    static func raiseToHard() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The soft limit on open files now in force.
    static func current() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }

    /// The most connections the limit leaves room for, beside the reserve (at least one).
    static func connectionRoom(limit: Int = current()) -> Int { max(1, limit - reserve) }
}
