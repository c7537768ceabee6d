import ServiceLifecycle

/// The services that run beside the HTTP server (the scheduler, webhook deliveries), started only
/// once the server listens on its address.
///
/// Started with the server, they ran before it had bound its port: a second `lethe serve` on a port
/// in use recorded a failed scheduler run, and logged internal errors, before it stopped on the
/// port. Now a server that cannot listen runs none of their work.
struct AfterListening: Service {
    /// Opened by the server's `onServerRunning`.
    let listening: ListeningSignal
    let services: [any Service]

    func run() async throws {
        // Until the server listens; a shutdown or a failed start before then ends it here.
        guard await cancelWhenGracefulShutdown({ await listening.wait() }) else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { try await service.run() }
            }
            try await group.waitForAll()
        }
    }
}

/// A one-time signal, given once and waited for by one task.
final class ListeningSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Gives the signal (again: no effect).
    func give() {
        continuation.yield()
        continuation.finish()
    }

    /// Whether the signal was given; false when the waiting task was cancelled first.
    func wait() async -> Bool {
        for await _ in stream { return true }
        return false
    }
}
