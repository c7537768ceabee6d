import Foundation

/// Work set aside on a thread of its own while its caller goes on, waited for with ``wait()``:
/// a report writes its ledger cache while it reads the register.
///
/// At most one piece at a time. ``wait()`` returns at once when nothing was started or the work
/// is done, and may be called any number of times (a caller waits where the work must be done,
/// and again on every path out).
final class AsideWork: Sendable {
    private let state = NSCondition()
    // `running` is read and written only with `state` locked.
    nonisolated(unsafe) private var running = false

    init() {}

    /// Runs `body` on a new thread named `name`; waits first for the work started before.
    func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        wait()
        state.withLock { running = true }
        Thread.detachNewThread { [self] in
            OwnThread.nameCurrentThread(name)
            body()
            state.withLock {
                running = false
                state.broadcast()
            }
        }
    }

    /// Waits until the work started, if any, is done.
    func wait() {
        state.withLock {
            while running { state.wait() }
        }
    }
}
