import Foundation
import LetheCore

/// Maps `0..<count` on every core, keeping the order; the first error (by index) is thrown.
/// For CPU-bound work that touches no shared state: canonical encoding and signing of records,
/// leaf hashes of log entries.
public enum ParallelMap {
    /// The results of `transform(0) … transform(count - 1)` on `threads` threads (the calling
    /// thread one of them; default: one per core). Below `minimumForThreads` items, or with one
    /// thread, everything runs on the calling thread.
    public static func map<T: Sendable>(
        count: Int, minimumForThreads: Int = 8, threads: Int? = nil,
        _ transform: @escaping @Sendable (Int) throws(LetheError) -> T
    ) throws(LetheError) -> [T] {
        let threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        if count < minimumForThreads || threads == 1 {
            return try (0..<count).map { (index) throws(LetheError) in try transform(index) }
        }
        let slots = Slots<T>(count: count)
        let workers = max(1, min(count, threads))
        // Each thread takes the next index when it is free: a thread the system holds back (the
        // machine is shared) delays only the items it took, not a fixed share of them.
        let work: @Sendable (Int) -> Void = { _ in
            while let index = slots.next() {
                slots.set(index, Result { () throws(LetheError) in try transform(index) })
            }
        }
        // Threads of our own (the caller may be a database's serial queue): it takes worker 0.
        let done = DispatchSemaphore(value: 0)
        for worker in 1..<max(workers, 1) {
            Thread.detachNewThread {
                work(worker)
                done.signal()
            }
        }
        work(0)
        for _ in 1..<max(workers, 1) { done.wait() }
        return try slots.values()
    }
}

/// One result slot per index, filled by the workers.
private final class Slots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, LetheError>?]
    private var taken = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next index no thread has taken, or nil when all are.
    func next() -> Int? {
        lock.withLock {
            guard taken < slots.count else { return nil }
            taken += 1
            return taken - 1
        }
    }

    func set(_ index: Int, _ result: Result<T, LetheError>) { lock.withLock { slots[index] = result } }

    func values() throws(LetheError) -> [T] {
        try slots.map { (slot) throws(LetheError) in try slot!.get() }
    }
}
