import Foundation
import LetheCore

/// Runs blocking work (an overwrite or read-back, a customer database's erasure, a residue scan, a
/// backup's encryption, key files, signing) on a thread of its own while the calling task is
/// suspended: a Swift concurrency thread never waits on I/O or a lock. The thread resumes the task
/// when the work ends. Every domain's use cases use this one mechanism; the service's streamed
/// downloads name their writing threads with ``nameCurrentThread(_:)``.
public enum OwnThread {
    /// Runs `body` on a new thread named `name` (at most 15 bytes, the kernel's limit; set from the
    /// thread itself, so that `ps` and tests see it) and returns its result.
    public static func run<T: Sendable>(
        _ name: String = "lethe-engine", _ body: @escaping @Sendable () throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        let result: Result<T, LetheError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                nameCurrentThread(name)
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

    /// Gives the calling thread the kernel name `name`, cut to the kernel's 15 bytes.
    ///
    /// Foundation's `Thread.name` setter cannot be used for this: it names the thread only once
    /// `start()` has stored its handle, which happens after the thread may already be running, and
    /// until then a Linux thread keeps the name of the thread that created it.
    public static func nameCurrentThread(_ name: String) {
        #if !os(Linux)
            // Darwin's Foundation names the calling thread itself.
            Thread.current.name = name
        #endif
        guard let setName = pthreadSetName else { return }
        var bytes = Array(name.utf8.prefix(15))
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        bytes.append(0)
        _ = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { setName(pthread_self(), $0.baseAddress!) }
        }
    }

    /// glibc's `pthread_setname_np`, which Swift's Glibc module does not declare (it is a GNU
    /// extension), looked up once.
    /// Elsewhere (Darwin's takes the name alone) Foundation names the thread.
    private static let pthreadSetName: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32)? = {
        #if os(Linux)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32).self)
        #else
            return nil
        #endif
    }()
}
