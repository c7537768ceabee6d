import Foundation
import LetheCore
import Synchronization

/// Reads the next buffer of a target on a second thread while the current one is compared
/// (two buffers, handed over by semaphores), so that reading never waits for the comparison.
final class ReadAhead: @unchecked Sendable {
    private let buffers: [AlignedBuffer]
    private let ready = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
    private let free = [DispatchSemaphore(value: 1), DispatchSemaphore(value: 1)]
    private let finished = DispatchSemaphore(value: 0)
    private let cancelled = Atomic<Bool>(false)
    private let failure = Mutex<LetheError?>(nil)
    private var next = 0

    /// Starts reading `ranges` (offset, count) of `handle` in order.
    init(handle: MediaHandle, ranges: [(Int64, Int)], bufferSize: Int) {
        buffers = [AlignedBuffer(size: bufferSize), AlignedBuffer(size: bufferSize)]
        let thread = Thread { [self] in
            var index = 0
            for (offset, count) in ranges {
                free[index].wait()
                if cancelled.load(ordering: .acquiring) { break }
                do throws(LetheError) {
                    try handle.read(into: buffers[index].pointer, count: count, at: offset)
                } catch {
                    failure.withLock { $0 = error }
                    ready[index].signal()
                    break
                }
                ready[index].signal()
                index ^= 1
            }
            finished.signal()
        }
        thread.start()
    }

    /// Waits for the next buffer read; throws the reader's error, if it met one.
    func take() throws(LetheError) -> UnsafeMutableRawBufferPointer {
        ready[next].wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return buffers[next].pointer
    }

    /// Hands the buffer last taken back to the reader.
    func release() {
        free[next].signal()
        next ^= 1
    }

    /// Stops the reader and waits for it to end.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        free[0].signal()
        free[1].signal()
        finished.wait()
    }
}
