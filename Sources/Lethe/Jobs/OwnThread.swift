import Foundation
import LetheCore

/// Runs blocking work (an engine's read-back or overwrite, the synchronous store calls it makes,
/// signing) on a thread of its own while the calling task is suspended: a Swift concurrency thread
/// never waits on I/O or a lock. The thread resumes the task when the work ends.
enum OwnThread {
    static func run<T: Sendable>(
        _ name: String, _ body: @escaping @Sendable () throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        let result: Result<T, LetheError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(LetheError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = name
            thread.start()
        }
        return try result.get()
    }
}
