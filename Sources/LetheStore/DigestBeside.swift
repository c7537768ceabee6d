import Crypto
import Foundation
import LetheCore

/// A SHA-256 computed on a thread of its own, a few pieces behind the thread that hands the
/// pieces in: a pass that stores or writes a large record and checks it against its digest
/// (``SplicedBytes/forEachPiece(_:)``) leaves the hashing — half a second of a year's record —
/// to another core.
///
/// Each piece is copied into one of a few buffers, allocated once, and hashed from there in the
/// order handed in; ``add(_:)`` waits while every buffer is waiting to be hashed. Once started,
/// it must be ended by ``finish()`` (the digest) or ``stop()`` (none): both wait for the thread
/// to end, and no thread or buffer outlives them.
///
/// `@unchecked Sendable`: every stored property but `size` is read and written only with
/// `condition` locked, and a buffer is written by the adding thread only while it is free, read
/// by the hashing thread only while it is queued.
final class DigestBeside: @unchecked Sendable {
    private let condition = NSCondition()
    private let size: Int
    private var free: [UnsafeMutableRawBufferPointer]
    private var queued: [(buffer: UnsafeMutableRawBufferPointer, count: Int)] = []
    private var all: [UnsafeMutableRawBufferPointer]
    private var ending = false
    private var stopping = false
    private var running = true
    private var digest: [UInt8]?

    /// Starts the hashing thread, with `buffers` buffers of `size` bytes.
    init(buffers: Int = 4, size: Int = SplicedBytes.pieceSize) {
        self.size = size
        all = (0..<max(1, buffers)).map { _ in
            UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        }
        free = all
        Thread.detachNewThread { [self] in hash() }
    }

    /// Hands `piece` over to be hashed after those before it (copied: it need not outlive the
    /// call).
    func add(_ piece: UnsafeRawBufferPointer) {
        var rest = piece
        while !rest.isEmpty {
            let buffer = condition.withLock {
                while free.isEmpty { condition.wait() }
                return free.removeLast()
            }
            let count = min(size, rest.count)
            buffer.baseAddress!.copyMemory(from: rest.baseAddress!, byteCount: count)
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
            condition.withLock {
                queued.append((buffer, count))
                condition.broadcast()
            }
        }
    }

    /// The SHA-256 of every piece handed in, once hashed; the thread has ended.
    func finish() -> [UInt8] {
        condition.withLock {
            ending = true
            condition.broadcast()
        }
        return end() ?? []
    }

    /// Ends the thread without a digest (the pass was abandoned).
    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        _ = end()
    }

    /// Waits for the thread to end, frees the buffers, and gives the digest, if it was made.
    private func end() -> [UInt8]? {
        condition.withLock {
            while running { condition.wait() }
            for buffer in all { buffer.deallocate() }
            all = []
            free = []
            return digest
        }
    }

    private func hash() {
        var hasher = SHA256()
        while true {
            let next: (buffer: UnsafeMutableRawBufferPointer, count: Int)? = condition.withLock {
                while queued.isEmpty && !ending && !stopping { condition.wait() }
                return stopping || queued.isEmpty ? nil : queued.removeFirst()
            }
            guard let next else { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: next.buffer[0..<next.count]))
            condition.withLock {
                free.append(next.buffer)
                condition.broadcast()
            }
        }
        condition.withLock {
            if !stopping { digest = Array(hasher.finalize()) }
            running = false
            condition.broadcast()
        }
    }
}
