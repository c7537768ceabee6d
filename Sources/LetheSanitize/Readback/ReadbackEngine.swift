import Foundation
import LetheCore

/// Reads a target back and compares it with the pattern its last pass wrote, regenerating the
/// random stream from the recorded seed. Direct I/O where allowed, so the medium is read and not
/// the page cache.
public struct ReadbackEngine: Sendable {
    /// The block a sampled read-back checks at each drawn position.
    public static let sampleBlockSize = 1 << 20
    /// Mismatches kept in the report; the count covers all.
    public static let keptMismatches = 100

    /// Creates an engine.
    public init() {}

    /// The blocks a sampled read-back of `blockCount` blocks checks, sorted: the first, the last,
    /// and blocks drawn from the AES-CTR stream of `seed` until `max(minimum, ceil(rate% × count))`.
    public static func sampleBlocks(blockCount: Int64, ratePercent: Int, minimum: Int, seed: [UInt8]) -> [Int64] {
        guard blockCount > 0 else { return [] }
        let wanted = min(blockCount, max(Int64(minimum), (blockCount * Int64(ratePercent) + 99) / 100, 2))
        if wanted >= blockCount { return Array(0..<blockCount) }
        var chosen: Set<Int64> = [0, blockCount - 1]
        let stream = PatternStream(pattern: .random, seed: seed, pass: 0)
        var words = [UInt64](repeating: 0, count: 4096)
        var streamOffset: Int64 = 0
        while Int64(chosen.count) < wanted {
            words.withUnsafeMutableBytes { stream.fill($0, at: streamOffset) }
            streamOffset += Int64(words.count * 8)
            for word in words where Int64(chosen.count) < wanted {
                chosen.insert(Int64(word % UInt64(blockCount)))
            }
        }
        return chosen.sorted()
    }

    /// Reads `path` back against pass `pass` of `pattern` under `seed`.
    public func run(
        path: String, pattern: OverwritePattern, seed: [UInt8], pass: Int, mode: ReadbackMode,
        bufferSize: Int = 8 << 20, stop: StopSignal = StopSignal(),
        progress: (_ bytesRead: Int64, _ total: Int64) -> Void = { _, _ in }
    ) throws(LetheError) -> ReadbackReport {
        let handle = try MediaHandle(path: path, writing: false)
        let size = handle.size
        let stream = PatternStream(pattern: pattern, seed: seed, pass: pass)
        let started = ContinuousClock.now
        var report = ReadbackReport(
            mode: mode, pattern: pattern, pass: pass, size: size, blockSize: bufferSize, blocksChecked: 0,
            bytesRead: 0, mismatches: [], mismatchCount: 0, directIO: handle.direct, seconds: 0, interrupted: false)
        let ranges: [(Int64, Int)]
        var total: Int64 = size
        switch mode {
        case .full:
            ranges = []
        case .sampled(let rate, let minimum, let sampleSeed):
            let block = Int64(Self.sampleBlockSize)
            report.blockSize = Self.sampleBlockSize
            let count = (size + block - 1) / block
            ranges = Self.sampleBlocks(blockCount: count, ratePercent: rate, minimum: minimum, seed: sampleSeed).map {
                ($0 * block, Int(min(block, size - $0 * block)))
            }
            total = ranges.reduce(0) { $0 + Int64($1.1) }
        }
        let readSize = mode == .full ? bufferSize : Self.sampleBlockSize
        // A full read-back reads whole buffers through a ``PrefetchPipeline``; only its short tail needs this one.
        let found = AlignedBuffer(
            size: mode == .full ? max(AlignedBuffer.alignment, Int(size % Int64(bufferSize))) : readSize)
        let expected = AlignedBuffer(size: readSize)
        var constantFilled = false
        func check(offset: Int64, count: Int, data: UnsafeMutableRawBufferPointer? = nil) throws(LetheError) {
            let found = data ?? found.pointer
            if data == nil { try handle.read(into: found, count: count, at: offset) }
            if pattern.constant == nil || !constantFilled {
                stream.fill(expected.pointer, at: offset)
                constantFilled = true
            }
            // swift-format-ignore: NeverForceUnwrap
            if memcmp(found.baseAddress!, expected.pointer.baseAddress!, count) != 0 {
                compareSectors(found, offset: offset, count: count)
            }
            report.blocksChecked += 1
            report.bytesRead += Int64(count)
            progress(report.bytesRead, total)
        }
        func compareSectors(_ found: UnsafeMutableRawBufferPointer, offset: Int64, count: Int) {
            var sector = 0
            while sector < count {
                let length = min(4096, count - sector)
                // swift-format-ignore: NeverForceUnwrap
                if memcmp(found.baseAddress! + sector, expected.pointer.baseAddress! + sector, length) != 0 {
                    report.mismatchCount += 1
                    if report.mismatches.count < Self.keptMismatches {
                        var index = sector
                        while found[index] == expected.pointer[index] { index += 1 }
                        report.mismatches.append(
                            ReadbackMismatch(
                                offset: offset + Int64(index), expected: expected.pointer[index],
                                found: found[index]))
                    }
                }
                sector += length
            }
        }
        if case .full = mode {
            // Whole buffers through a read-ahead thread; a short tail is read here (it may drop O_DIRECT).
            let whole = size / Int64(bufferSize) * Int64(bufferSize)
            let wholeRanges = ByteRanges(start: 0, end: whole, size: bufferSize)
            let reader = PrefetchPipeline(ranges: wholeRanges) {
                (buffer, offset, count) throws(LetheError) in
                try handle.read(into: buffer, count: count, at: offset)
            }
            defer { reader.shutDown() }
            for index in 0..<wholeRanges.count {
                let (offset, count) = wholeRanges[index]
                if stop.isStopped {
                    report.interrupted = true
                    break
                }
                let data = try reader.take()
                defer { reader.release() }
                try check(offset: offset, count: count, data: data)
            }
            if !report.interrupted, whole < size { try check(offset: whole, count: Int(size - whole)) }
        } else {
            for (offset, count) in ranges {
                if stop.isStopped {
                    report.interrupted = true
                    break
                }
                try check(offset: offset, count: count)
            }
        }
        report.directIO = handle.direct
        report.seconds = (ContinuousClock.now - started).secondsValue
        return report
    }
}
