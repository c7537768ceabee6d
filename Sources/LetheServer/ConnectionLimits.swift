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
        self.exempt = Set(exempt.map(ClientAddress.canonical))
        self.logger = logger
        refused = CoreMetrics.Counter(
            label: "lethe_connections_refused_total", dimensions: [("reason", "per-client")], factory: metrics.factory)
        refused.increment(by: 0)
    }

    /// The client a canonical address counts under: an IPv4 address itself; an IPv6 address by
    /// its /64, since one host is commonly given a whole /64 and could otherwise open its
    /// connections from as many addresses as it likes.
    static func client(_ canonical: String) -> String {
        var v6 = in6_addr()
        guard canonical.contains(":"), inet_pton(AF_INET6, canonical, &v6) == 1 else { return canonical }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        let groups = stride(from: 0, to: 8, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }

    /// Counts a connection opened by `peer` (an address); false (and nothing counted) when its
    /// client already holds as many as it may. Returns the client it was counted under.
    func open(_ address: String) -> String? {
        let canonical = ClientAddress.canonical(address)
        guard !exempt.contains(canonical) else { return "" }
        let peer = Self.client(canonical)
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
        return accepted ? peer : nil
    }

    /// Counts a connection of `client` closed (as ``open(_:)`` returned it; "" for an exempt peer).
    func close(_ peer: String) {
        guard !peer.isEmpty else { return }
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

    /// The connections the client of `address` holds now (for tests).
    func openCount(_ address: String) -> Int {
        state.withLock { $0[Self.client(ClientAddress.canonical(address))]?.open ?? 0 }
    }

    /// The connections counted for every client (for tests).
    var totalOpen: Int { state.withLock { $0.values.reduce(0) { $0 + $1.open } } }
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
        guard let client = connections.open(context.channel.remoteAddress?.ipAddress ?? "unknown") else {
            context.close(promise: nil)
            return
        }
        counted = client
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
    /// Descriptors kept beside those open now for the service's own later files (spools, caches,
    /// lock files, outgoing webhook connections, readers of the database): 128, or a quarter of
    /// the limit when that is less (a limit of 100 leaves connections room still).
    static func reserve(limit: Int = current()) -> Int { min(128, limit / 4) }
    /// The most connections allowed by default, however high the limit.
    static let defaultCeiling = 4096
    /// Below this many, the service warns at start that the limit leaves it few connections.
    static let fewConnections = 64

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

    /// The descriptors the process holds open now (the database, its WAL, the event loops'),
    /// counted in /proc/self/fd; 0 where that cannot be read.
    static func openNow() -> Int {
        max(0, ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 1) - 1)
    }

    /// The most connections the limit leaves room for, beside the descriptors open now and the
    /// reserve (at least one).
    static func connectionRoom(limit: Int = current(), open: Int = openNow()) -> Int {
        max(1, limit - open - reserve(limit: limit))
    }
}
