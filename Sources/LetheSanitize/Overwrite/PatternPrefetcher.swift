import Foundation
import Synchronization

/// Fills the next buffer of a random stream on a second thread while the current one is written,
/// so that generating the stream and writing it overlap (two buffers, handed over by semaphores).
final class PatternPrefetcher: @unchecked Sendable {
    private let buffers: [AlignedBuffer]
    private let ready = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
    private let free = [DispatchSemaphore(value: 1), DispatchSemaphore(value: 1)]
    private let finished = DispatchSemaphore(value: 0)
    private let cancelled = Atomic<Bool>(false)
    private var next = 0

    /// Starts filling buffers of `bufferSize` with `stream` from `offset` up to `size`.
    init(stream: PatternStream, from offset: Int64, size: Int64, bufferSize: Int) {
        buffers = [AlignedBuffer(size: bufferSize), AlignedBuffer(size: bufferSize)]
        let thread = Thread { [self] in
            var position = offset
            var index = 0
            while position < size {
                free[index].wait()
                if cancelled.load(ordering: .acquiring) { break }
                let count = Int(min(Int64(bufferSize), size - position))
                // The stream's 1 MiB chunks are independent: compute them on every core.
                // Each part writes its own disjoint slice of the buffer.
                nonisolated(unsafe) let target = buffers[index].pointer
                let chunk = PatternStream.chunkSize
                let base = position
                DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { part in
                    let start = part * chunk
                    let slice = UnsafeMutableRawBufferPointer(rebasing: target[start..<min(start + chunk, count)])
                    stream.fill(slice, at: base + Int64(start))
                }
                ready[index].signal()
                position += Int64(count)
                index ^= 1
            }
            finished.signal()
        }
        thread.start()
    }

    /// Waits for the next filled buffer; call ``release()`` once it is written.
    func take() -> UnsafeMutableRawBufferPointer {
        ready[next].wait()
        return buffers[next].pointer
    }

    /// Hands the buffer last taken back to the filler.
    func release() {
        free[next].signal()
        next ^= 1
    }

    /// Stops the filler and waits for it to end.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        free[0].signal()
        free[1].signal()
        finished.wait()
    }
}
