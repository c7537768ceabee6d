import Foundation
import Hummingbird
import Lethe
import LetheCore
import NIOCore

/// A request body handed to a use case that reads bytes on a thread of its own (an import): the
/// request's task pushes the chunks as they arrive, the reader blocks until there are some. At
/// most about a megabyte waits in between (the upload is slowed, not buffered), and past `limit`
/// bytes in all the reader gets an error and ``exceededLimit`` says why.
final class StreamedBody: ImportByteSource, @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [ByteBuffer] = []
    private var queued = 0
    private var received = 0
    private var finished = false
    private var failure: LetheError?
    private var abandoned = false
    private var tooLarge = false
    private var spaceWaiter: CheckedContinuation<Void, Never>?
    private let limit: Int
    private let highWater = 1 << 20

    /// A body of at most `limit` bytes.
    init(limit: Int) { self.limit = limit }

    /// Whether the body was refused for being larger than the limit.
    var exceededLimit: Bool { condition.withLock { tooLarge } }

    /// Reads `body` to its end (or until the reader abandons it), handing the chunks over.
    func receive(_ body: RequestBody) async {
        do {
            for try await buffer in body {
                guard await push(buffer) else { return }
            }
            end(nil)
        } catch {
            end(LetheError(.usage, "the upload ended before its end (the connection closed); nothing was imported"))
        }
    }

    /// Queues a chunk, waiting while the reader is a megabyte behind; false once nothing more is wanted.
    private func push(_ buffer: ByteBuffer) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            defer { condition.unlock() }
            guard !abandoned, !finished else { return continuation.resume() }
            received += buffer.readableBytes
            if received > limit {
                tooLarge = true
                failure = LetheError(.invalidInput, "the upload is larger than \(limit) bytes; nothing was imported")
                finished = true
                condition.broadcast()
                return continuation.resume()
            }
            chunks.append(buffer)
            queued += buffer.readableBytes
            condition.broadcast()
            if queued > highWater { spaceWaiter = continuation } else { continuation.resume() }
        }
        return condition.withLock { !abandoned && !finished }
    }

    private func end(_ error: LetheError?) {
        condition.withLock {
            guard !finished else { return }
            finished = true
            failure = error
            condition.broadcast()
        }
    }

    /// The reader is done (finished or failed): the sender stops waiting and stops reading.
    func abandon() {
        condition.withLock {
            abandoned = true
            spaceWaiter?.resume()
            spaceWaiter = nil
            condition.broadcast()
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LetheError) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished && !abandoned { condition.wait() }
        guard !chunks.isEmpty else {
            if let failure { throw failure }
            return 0
        }
        let count = min(buffer.count, chunks[0].readableBytes)
        chunks[0].withUnsafeReadableBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: count)
        }
        chunks[0].moveReaderIndex(forwardBy: count)
        if chunks[0].readableBytes == 0 { chunks.removeFirst() }
        queued -= count
        if queued <= highWater / 2, let waiter = spaceWaiter {
            spaceWaiter = nil
            waiter.resume()
        }
        return count
    }
}
