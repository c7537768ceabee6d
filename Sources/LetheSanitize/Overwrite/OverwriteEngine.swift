import Foundation
import LetheCore
import Synchronization

/// A flag another thread (a SIGINT handler's watcher) sets to stop an overwrite or read-back after
/// the buffer in flight.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    /// Creates an unset signal.
    public init() {}
    /// Asks the engine to stop after the current buffer.
    public func stop() { flag.store(true, ordering: .relaxed) }
    /// Whether a stop was asked for.
    public var isStopped: Bool { flag.load(ordering: .relaxed) }
}

/// Where an overwrite stands: pass (from 1) and bytes done in that pass.
public struct OverwritePosition: Sendable, Hashable {
    /// The pass under way, counted from 1.
    public var pass: Int
    /// Bytes of that pass already written (and, at a checkpoint, flushed).
    public var offset: Int64
    /// Creates a position.
    public init(pass: Int, offset: Int64) {
        self.pass = pass
        self.offset = offset
    }
}

/// What to overwrite, how, and from where.
public struct OverwriteRequest: Sendable {
    /// The target's path (already checked by ``TargetSafety``).
    public var path: String
    /// The pattern of every pass.
    public var pattern: OverwritePattern
    /// How many passes.
    public var passes: Int
    /// The seed of the random stream (recorded with the run).
    public var seed: [UInt8]
    /// Where to start (a checkpoint when resuming).
    public var start: OverwritePosition
    /// The I/O buffer size (a multiple of 1 MiB).
    public var bufferSize: Int
    /// An optional ceiling on throughput, bytes per second (to spare a shared machine).
    public var maxBytesPerSecond: Int64?
    /// How often to flush and checkpoint, in seconds.
    public var checkpointInterval: Double
    /// The file the safety checks passed (``CheckedTarget/identity``): a target that is another
    /// file once opened (replaced in between) is refused before anything is written.
    public var expectedIdentity: FileIdentity?
    /// The target's lock, when the caller took it before recording the run: the overwrite then
    /// does not lock again (a second lock from the same process would be refused).
    public var heldLock: TargetLock?

    /// Creates a request; 8 MiB buffers and a checkpoint every 2 seconds unless told otherwise.
    public init(
        path: String, pattern: OverwritePattern, passes: Int, seed: [UInt8],
        start: OverwritePosition = OverwritePosition(pass: 1, offset: 0), bufferSize: Int = 8 << 20,
        maxBytesPerSecond: Int64? = nil, checkpointInterval: Double = 2, expectedIdentity: FileIdentity? = nil,
        heldLock: TargetLock? = nil
    ) {
        self.path = path
        self.pattern = pattern
        self.passes = passes
        self.seed = seed
        self.start = start
        self.bufferSize = bufferSize
        self.maxBytesPerSecond = maxBytesPerSecond
        self.checkpointInterval = checkpointInterval
        self.expectedIdentity = expectedIdentity
        self.heldLock = heldLock
    }
}

/// Progress of a run, reported after every buffer.
public struct OverwriteProgress: Sendable {
    /// Where the run stands.
    public var position: OverwritePosition
    /// The number of passes.
    public var passes: Int
    /// The target's size (one pass).
    public var size: Int64
    /// Bytes written by this run (a resumed run counts from its start).
    public var bytesWritten: Int64
    /// Seconds since this run started.
    public var elapsed: Double

    /// Share of the whole job done, 0...1.
    public var fraction: Double {
        let total = Double(size) * Double(passes)
        guard total > 0 else { return 1 }
        return (Double(position.pass - 1) * Double(size) + Double(position.offset)) / total
    }
}

/// How an overwrite run ended.
public struct OverwriteResult: Sendable {
    /// Whether every pass finished (false: stopped, with `position` the exact offset reached).
    public var completed: Bool
    /// Where it ended.
    public var position: OverwritePosition
    /// The target's size.
    public var size: Int64
    /// Bytes written by this run.
    public var bytesWritten: Int64
    /// Seconds this run took.
    public var seconds: Double
    /// Whether the writes bypassed the page cache throughout.
    public var directIO: Bool
    /// Whether the target is a block device.
    public var isBlockDevice: Bool
}

/// Overwrites a block device or image file with a pattern: large aligned buffers, direct I/O
/// where allowed, fdatasync after each pass and before each checkpoint. Pure I/O: the caller
/// records checkpoints and results.
public struct OverwriteEngine: Sendable {
    /// Creates an engine.
    public init() {}

    /// The size an overwrite of `path` covers (the device's true size for a block device).
    public static func size(of path: String) throws(LetheError) -> (size: Int64, isBlockDevice: Bool) {
        let handle = try MediaHandle(path: path, writing: false, allowDirect: false, lock: false)
        return (handle.size, handle.isBlockDevice)
    }

    /// Runs the overwrite from `request.start`. `checkpoint` is called with a position whose bytes
    /// are flushed, at least every `checkpointInterval` seconds and at the end of each pass;
    /// `progress` after each buffer. A set `stop` ends the run after the buffer in flight, flushed.
    public func run(
        _ request: OverwriteRequest, stop: StopSignal,
        progress: (OverwriteProgress) -> Void = { _ in },
        checkpoint: (OverwritePosition) throws(LetheError) -> Void
    ) throws(LetheError) -> OverwriteResult {
        guard request.passes >= 1, request.bufferSize % PatternStream.chunkSize == 0 else {
            throw LetheError(.usage, "an overwrite needs at least one pass and a buffer that is a multiple of 1 MiB")
        }
        let handle = try MediaHandle(path: request.path, writing: true, lock: request.heldLock == nil)
        if let expected = request.expectedIdentity, handle.identity != expected {
            throw LetheError(
                .conflict,
                "\(request.path) is no longer the file that was checked (\(expected); now \(handle.identity)): it was replaced since; run the command again (nothing was written)"
            )
        }
        let size = handle.size
        guard request.start.offset >= 0, request.start.offset <= size, request.start.pass >= 1 else {
            throw LetheError(
                .invalidInput,
                "checkpoint offset \(request.start.offset) is outside \(request.path) (\(size) bytes); the target changed since the run started"
            )
        }
        let buffer = AlignedBuffer(size: request.bufferSize)
        let clock = ContinuousClock()
        let started = clock.now
        var directThroughout = handle.direct
        var written: Int64 = 0
        var position = request.start
        var lastCheckpoint = clock.now
        func finish(_ completed: Bool) -> OverwriteResult {
            OverwriteResult(
                completed: completed, position: position, size: size, bytesWritten: written,
                seconds: (clock.now - started).secondsValue, directIO: directThroughout,
                isBlockDevice: handle.isBlockDevice)
        }
        while position.pass <= request.passes {
            let stream = PatternStream(pattern: request.pattern, seed: request.seed, pass: position.pass)
            // A constant pattern is filled once; the random stream on a second thread, one buffer ahead.
            if request.pattern.constant != nil { stream.fill(buffer.pointer, at: 0) }
            let prefetcher =
                request.pattern.constant == nil
                ? PrefetchPipeline(
                    ranges: ByteRanges(start: position.offset, end: size, size: request.bufferSize),
                    producer: Self.fillInParallel(stream))
                : nil
            defer { prefetcher?.shutDown() }
            while position.offset < size {
                if stop.isStopped {
                    try handle.sync()
                    try checkpoint(position)
                    return finish(false)
                }
                let count = Int(min(Int64(request.bufferSize), size - position.offset))
                let source = try prefetcher?.take() ?? buffer.pointer
                defer { prefetcher?.release() }
                try handle.write(source, count: count, at: position.offset)
                if !handle.direct { directThroughout = false }
                position.offset += Int64(count)
                written += Int64(count)
                progress(
                    OverwriteProgress(
                        position: position, passes: request.passes, size: size, bytesWritten: written,
                        elapsed: (clock.now - started).secondsValue))
                var pause = 0.0
                if let limit = request.maxBytesPerSecond, limit > 0 {
                    pause = max(0, Double(written) / Double(limit) - (clock.now - started).secondsValue)
                }
                // Checkpoint on time, and before a throttling pause that would outlast the interval.
                if (clock.now - lastCheckpoint).secondsValue + pause >= request.checkpointInterval,
                    position.offset < size
                {
                    try handle.sync()
                    try checkpoint(position)
                    lastCheckpoint = clock.now
                }
                // Pause in short steps, so that a stop is not held up by the throttle.
                let resumeAt = clock.now + .milliseconds(Int64(pause * 1000))
                while clock.now < resumeAt, !stop.isStopped { Thread.sleep(forTimeInterval: 0.02) }
            }
            try handle.sync()
            position = OverwritePosition(pass: position.pass + 1, offset: 0)
            if position.pass <= request.passes { try checkpoint(position) }
            lastCheckpoint = clock.now
        }
        position = OverwritePosition(pass: request.passes, offset: size)
        return finish(true)
    }

    /// A producer that fills a buffer with `stream`, its independent 1 MiB chunks on every core
    /// (each part writes its own disjoint slice of the buffer).
    static func fillInParallel(_ stream: PatternStream) -> PrefetchPipeline.Producer {
        { (buffer, offset, count) in
            nonisolated(unsafe) let target = buffer
            let chunk = PatternStream.chunkSize
            DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { part in
                let start = part * chunk
                let slice = UnsafeMutableRawBufferPointer(rebasing: target[start..<min(start + chunk, count)])
                stream.fill(slice, at: offset + Int64(start))
            }
        }
    }
}
