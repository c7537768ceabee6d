import Foundation
import LetheCore

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP client on 127.0.0.1 that sends and reads bytes as the test says. Its waits block:
/// run them ``offThePool``, so that the server's handlers keep the threads they run on.
struct LoopbackClient {
    let descriptor: Int32

    /// Connects to `port`; with a `receiveWindow` (bytes), a small one makes the server's writes
    /// back up soon.
    init(port: Int, receiveWindow: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LetheError(.io, "no socket") }
        if var window = receiveWindow {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &window, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            _ = Glibc.close(descriptor)
            throw LetheError(.io, "cannot connect to 127.0.0.1:\(port)")
        }
    }

    /// Whether all of `bytes` were sent (false once the peer has closed).
    func send(_ bytes: [UInt8]) -> Bool {
        Glibc.send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count
    }

    /// Whether the peer closes the connection (or resets it) within `waiting`; bytes it sends
    /// meanwhile are read and dropped.
    func closedByPeer(waiting: Duration) -> Bool {
        let deadline = ContinuousClock.now + waiting
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero, wait(left) else { return false }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return true }
        }
    }

    /// What arrives until `done` says it is enough, the peer closes, or `waiting` has passed.
    func read(waiting: Duration, until done: ([UInt8]) -> Bool) -> [UInt8] {
        let deadline = ContinuousClock.now + waiting
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !done(received) {
            let left = deadline - ContinuousClock.now
            guard left > .zero, wait(left) else { break }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        return received
    }

    /// Whether the socket has something to read (or has closed) within `time`.
    private func wait(_ time: Duration) -> Bool {
        var descriptors = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let (seconds, attoseconds) = time.components
        let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return poll(&descriptors, 1, max(milliseconds, 1)) > 0
    }

    func close() { _ = Glibc.close(descriptor) }

    /// Runs `work` on a thread of its own and returns its result.
    static func offThePool<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}
