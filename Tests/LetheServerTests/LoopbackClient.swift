import Foundation
import LetheCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP client on 127.0.0.1 that sends and reads bytes as the test says. Its waits block:
/// run them ``offThePool``, so that the server's handlers keep the threads they run on.
final class LoopbackClient: Sendable {
    /// The socket; -1 once closed. A second close of a number the kernel may already have given to
    /// another file (a database, a server's connection, in a test process running suites side by
    /// side) would close that one instead: the full suite crashed so.
    private let socketDescriptor: Mutex<Int32>
    /// The socket (-1 once closed).
    var descriptor: Int32 { socketDescriptor.withLock { $0 } }

    /// Connects to `port` from `source` (another loopback address, such as 127.0.0.2, is
    /// another client to the server); with a `receiveWindow` (bytes), a small one makes the
    /// server's writes back up soon.
    init(port: Int, from source: String = "127.0.0.1", receiveWindow: Int32? = nil) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LetheError(.io, "no socket") }
        if var window = receiveWindow {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &window, socklen_t(MemoryLayout<Int32>.size))
        }
        guard Self.at(source, port: 0, { bind(descriptor, $0, $1) }) == 0 else {
            _ = Glibc.close(descriptor)
            throw LetheError(.io, "cannot bind to \(source)")
        }
        guard Self.at("127.0.0.1", port: port, { connect(descriptor, $0, $1) }) == 0 else {
            _ = Glibc.close(descriptor)
            throw LetheError(.io, "cannot connect to 127.0.0.1:\(port)")
        }
        socketDescriptor = Mutex(descriptor)
    }

    /// `call` given the IPv4 address `address`:`port` as a socket address and its length.
    private static func at(
        _ address: String, port: Int, _ call: (UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
        socketAddress.sin_addr.s_addr = inet_addr(address)
        return withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                call($0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
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

    /// Closes the socket, once.
    func close() {
        socketDescriptor.withLock { (descriptor) in
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
            descriptor = -1
        }
    }

    /// Whether `GET /healthz` on this connection is answered 200 within `waiting` (the
    /// connection is kept alive).
    func healthy(waiting: Duration) -> Bool {
        guard send(Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)) else { return false }
        let answer = read(waiting: waiting) { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }
        return String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }

    /// Runs `work` on a thread of its own and returns its result.
    static func offThePool<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}
