import Foundation
import LetheCore

/// Runs blocking work (an overwrite or read-back, a customer database's erasure, a residue scan, a
/// backup's encryption, key files, signing) on a thread of its own while the calling task is
/// suspended: a Swift concurrency thread never waits on I/O or a lock. The thread resumes the task
/// when the work ends. Every domain's use cases use this one mechanism.
enum OwnThread {
    /// Runs `body` on a new thread named `name` (at most 15 characters, the kernel's limit; set
    /// from the thread itself, so that `ps` and tests see it) and returns its result.
    static func run<T: Sendable>(
        _ name: String = "lethe-engine", _ body: @escaping @Sendable () throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        let result: Result<T, LetheError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                Thread.current.name = name
                do throws(LetheError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.start()
        }
        return try result.get()
    }
}
