import Dispatch
import Foundation
import LetheCore

/// The result of work running on another thread, waited for when it is needed: a pipeline's
/// stage (signing a chunk of records, reading a batch of log entries) runs while the thread that
/// started it goes on with the stage before.
final class PendingResult<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `result` is read and set only under `lock`, and read only once `ready` says so.
    private let ready = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<Value, LetheError>?

    /// Runs `work` on `queue` (in the order of the queue's work, on a serial queue).
    init(on queue: DispatchQueue, _ work: @escaping @Sendable () throws(LetheError) -> Value) {
        queue.async {
            let result = Result { () throws(LetheError) in try work() }
            self.lock.withLock { self.result = result }
            self.ready.signal()
        }
    }

    /// Blocks until the work is done, and returns its value or throws its error.
    func wait() throws(LetheError) -> Value {
        ready.wait()
        let result = lock.withLock { self.result }
        ready.signal()  // a second wait returns at once
        return try result!.get()
    }
}
