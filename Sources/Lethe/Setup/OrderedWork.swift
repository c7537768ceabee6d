import Foundation
import LetheCore

#if canImport(Glibc)
    import Glibc
#endif

/// A pipeline stage on threads of its own: work handed in order is done on several threads at
/// once, a few pieces in flight, and its results are taken back in the order handed in, on the
/// thread that handed the work.
///
/// For a fold over a long sequence (a report's ten million log entries): the caller reads a
/// batch, hands it over, and folds the results of earlier batches while the threads work on the
/// later ones. One batch to one thread: the threads never wait on each other, and with several
/// batches in flight no thread waits for the slowest piece of one batch (a stage that split each
/// batch across the threads kept two cores about 70 % busy).
///
/// ``run(threads:window:transform:feed:take:)`` starts the threads and stops them before it
/// returns or throws: nothing outlives it, and no thread is left waiting.
enum OrderedWork {
    /// Runs `feed`, which hands work to `submit` in order; each piece is transformed on one of
    /// `threads` threads, and `take` is given the results in the order handed in, on this
    /// thread. At most `window` pieces are in flight: handing over another first takes the
    /// oldest result. The first error thrown (by `feed`, `take`, or a transform, when its
    /// result is due) ends the run, once the threads have stopped.
    static func run<Input: Sendable, Output: Sendable>(
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, window: Int? = nil,
        transform: @escaping @Sendable (Input) throws(LetheError) -> Output,
        feed: (_ submit: (Input) throws(LetheError) -> Void) throws(LetheError) -> Void,
        take: (Output) throws(LetheError) -> Void
    ) throws(LetheError) {
        let threads = max(1, threads)
        let window = max(1, window ?? 2 * threads + 1)
        let state = State<Input, Output>(transform: transform)
        for _ in 0..<threads {
            state.started()
            Thread.detachNewThread {
                lowerPriority()
                state.work()
            }
        }
        defer { state.stop() }
        // `take` is called by the submitting closure `feed` calls, and nowhere after `run` returns.
        try withoutActuallyEscaping(take) { (take) throws(LetheError) in
            try feed { (input) throws(LetheError) in
                if state.inFlight >= window { try take(state.next()) }
                state.submit(input)
            }
            while state.inFlight > 0 { try take(state.next()) }
        }
    }

    /// Lowers the calling thread's scheduling priority (nice 10), where the system has a
    /// priority a thread: the thread that hands the work in and takes the results is the
    /// pipeline's narrow stage (its work cannot be split), and with as many threads as cores
    /// beside it, an equal share left it a third of its time waiting for a core while the
    /// others waited for it.
    private static func lowerPriority() {
        #if os(Linux)
            // Linux keeps a nice value a thread; `who` 0 is the calling thread.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }

    /// The work waiting, the results not yet taken, and the threads, under one lock.
    ///
    /// `@unchecked`: every stored property but `transform` (immutable) is read and written only
    /// with `condition` locked.
    private final class State<Input: Sendable, Output: Sendable>: @unchecked Sendable {
        private let condition = NSCondition()
        private let transform: @Sendable (Input) throws(LetheError) -> Output
        /// Work no thread has begun, by its number (handed in from 0 on, in order).
        private var waiting: [Int: Input] = [:]
        private var results: [Int: Result<Output, LetheError>] = [:]
        /// Pieces handed in, begun by a thread, and whose results were taken.
        private var submitted = 0
        private var begun = 0
        private var taken = 0
        private var stopping = false
        private var alive = 0

        init(transform: @escaping @Sendable (Input) throws(LetheError) -> Output) {
            self.transform = transform
        }

        /// Pieces handed in whose result was not yet taken.
        var inFlight: Int {
            condition.withLock { submitted - taken }
        }

        /// Counts a thread about to start (before it starts: ``stop()`` waits for it).
        func started() {
            condition.withLock { alive += 1 }
        }

        /// Hands a piece of work to the threads.
        func submit(_ input: Input) {
            condition.withLock {
                waiting[submitted] = input
                submitted += 1
                condition.broadcast()
            }
        }

        /// Waits for the result of the oldest piece not taken, and takes it.
        func next() throws(LetheError) -> Output {
            let result = condition.withLock {
                while results[taken] == nil { condition.wait() }
                let result = results.removeValue(forKey: taken)!
                taken += 1
                return result
            }
            return try result.get()
        }

        /// A thread's loop: take the oldest waiting piece, do it, leave its result; until stopped.
        func work() {
            while true {
                let next: (number: Int, input: Input)? = condition.withLock {
                    while begun == submitted && !stopping { condition.wait() }
                    guard begun < submitted, let input = waiting.removeValue(forKey: begun) else { return nil }
                    begun += 1
                    return (begun - 1, input)
                }
                guard let next else { break }
                let result = Result { () throws(LetheError) in try transform(next.input) }
                condition.withLock {
                    results[next.number] = result
                    condition.broadcast()
                }
            }
            condition.withLock {
                alive -= 1
                condition.broadcast()
            }
        }

        /// Stops the threads, dropping the work no thread has begun (there is none left after a
        /// run that ended well), and waits until every thread has returned.
        func stop() {
            condition.withLock {
                stopping = true
                waiting.removeAll()
                begun = submitted
                condition.broadcast()
                while alive > 0 { condition.wait() }
                results.removeAll()
            }
        }
    }
}
