import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheSanitize

@Suite struct OverwriteEngineTests {
    /// An image of `size` bytes of 0xA5 (so a missed byte shows).
    static func image(_ directory: TemporaryDirectory, size: Int) -> String {
        let path = directory.file("disk.img")
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0xA5, count: size))
        return path
    }

    @Test func randomTwoPassesWithAPartialLastBlockVerifyFully() throws {
        // Given an image whose size is not a multiple of the buffer or of 4 KiB,
        let directory = TemporaryDirectory()
        let size = 3 * (1 << 20) + 1000
        let path = Self.image(directory, size: size)
        let seed = PatternStream.newSeed()
        var checkpoints: [OverwritePosition] = []
        // when it is overwritten twice with the random stream,
        let result = try OverwriteEngine().run(
            OverwriteRequest(path: path, pattern: .random, passes: 2, seed: seed, bufferSize: 1 << 20),
            stop: StopSignal()
        ) { checkpoints.append($0) }
        // then every byte is the second pass's stream, the size is unchanged, and a read-back agrees.
        #expect(result.completed)
        #expect(result.bytesWritten == Int64(size) * 2)
        #expect(checkpoints == [OverwritePosition(pass: 2, offset: 0)])
        let data = try #require(FileManager.default.contents(atPath: path))
        #expect(data.count == size)
        var expected = [UInt8](repeating: 0, count: size)
        expected.withUnsafeMutableBytes { PatternStream(pattern: .random, seed: seed, pass: 2).fill($0, at: 0) }
        #expect(Array(data) == expected)
        let report = try ReadbackEngine().run(path: path, pattern: .random, seed: seed, pass: 2, mode: .full)
        #expect(report.passed)
        #expect(report.bytesRead == Int64(size))
    }

    @Test func aReadBackOfAnEmptyTargetDoesNotPass() throws {
        // Given an image emptied after its overwrite (no mismatch can be found in nothing)
        let directory = TemporaryDirectory()
        let path = directory.file("empty.img")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        // Then a read-back of it, full or sampled, does not pass
        for mode in [ReadbackMode.full, .sampled(ratePercent: 5, minimum: 1, seed: PatternStream.newSeed())] {
            let report = try ReadbackEngine().run(path: path, pattern: .byte(0), seed: [], pass: 1, mode: mode)
            #expect(report.bytesRead == 0 && report.mismatchCount == 0)
            #expect(!report.passed)
            #expect(report.json["passed"] == .bool(false))
        }
    }

    @Test func stopAndResumeWriteEveryByte() throws {
        let directory = TemporaryDirectory()
        let size = 8 << 20
        let path = Self.image(directory, size: size)
        let stop = StopSignal()
        // Given a run stopped after its third buffer,
        var buffers = 0
        let first = try OverwriteEngine().run(
            OverwriteRequest(path: path, pattern: .byte(0x5A), passes: 1, seed: [], bufferSize: 1 << 20), stop: stop,
            progress: { _ in
                buffers += 1
                if buffers == 3 { stop.stop() }
            }
        ) { _ in }
        #expect(!first.completed)
        #expect(first.position == OverwritePosition(pass: 1, offset: 3 << 20))
        let partial = try ReadbackEngine().run(path: path, pattern: .byte(0x5A), seed: [], pass: 1, mode: .full)
        #expect(partial.mismatchCount == 5 * 256)
        #expect(partial.mismatches.first?.offset == 3 << 20)
        #expect(partial.mismatches.count == 100)
        // when it resumes from the offset reached, then the whole target holds the pattern.
        let second = try OverwriteEngine().run(
            OverwriteRequest(path: path, pattern: .byte(0x5A), passes: 1, seed: [], start: first.position),
            stop: StopSignal()
        ) { _ in }
        #expect(second.completed)
        #expect(second.bytesWritten == 5 << 20)
        #expect(try ReadbackEngine().run(path: path, pattern: .byte(0x5A), seed: [], pass: 1, mode: .full).passed)
    }

    @Test func aStoppedRandomOverwriteEndsCleanlyAtTheExactOffset() throws {
        // Before the shared pipeline, a stop here left a semaphore below its initial value and the
        // process trapped in _dispatch_semaphore_dispose (issue 13, item 7): repeat to meet every timing.
        let directory = TemporaryDirectory()
        let size = 8 << 20
        let path = Self.image(directory, size: size)
        let seed = [UInt8](repeating: 7, count: 32)
        for stopAfter in 1...12 {
            // Given a random overwrite with 1 MiB buffers, the producer filling ahead,
            let stop = StopSignal()
            var buffers = 0
            var checkpoints: [OverwritePosition] = []
            // when it is stopped after some buffers,
            let result = try OverwriteEngine().run(
                OverwriteRequest(path: path, pattern: .random, passes: 1, seed: seed, bufferSize: 1 << 20), stop: stop,
                progress: { _ in
                    buffers += 1
                    if buffers == (stopAfter - 1) % 6 + 1 { stop.stop() }
                }
            ) { checkpoints.append($0) }
            // then it ends (no trap) at the exact offset of the buffers written, checkpointed there,
            let reached = Int64((stopAfter - 1) % 6 + 1) << 20
            #expect(!result.completed)
            #expect(result.position == OverwritePosition(pass: 1, offset: reached))
            #expect(checkpoints.last == result.position)
            // and what it wrote is the stream up to that offset.
            let data = try #require(FileManager.default.contents(atPath: path))
            var expected = [UInt8](repeating: 0, count: Int(reached))
            expected.withUnsafeMutableBytes { PatternStream(pattern: .random, seed: seed, pass: 1).fill($0, at: 0) }
            #expect(Array(data.prefix(Int(reached))) == expected)
        }
    }

    @Test func aStoppedFullReadbackEndsCleanly() throws {
        // Given a full read-back of 8 buffers, its reader thread one buffer ahead,
        let directory = TemporaryDirectory()
        let path = Self.image(directory, size: 8 << 20)
        for stopAfter in 1...6 {
            let stop = StopSignal()
            // when it is stopped after some buffers,
            let report = try ReadbackEngine().run(
                path: path, pattern: .byte(0xA5), seed: [], pass: 1, mode: .full, bufferSize: 1 << 20, stop: stop
            ) { read, _ in
                if read == Int64(stopAfter) << 20 { stop.stop() }
            }
            // then it ends (no trap) and reports what it read.
            #expect(report.interrupted)
            #expect(report.bytesRead == Int64(stopAfter) << 20)
            #expect(report.mismatchCount == 0)
        }
    }

    @Test func aTargetReplacedAfterItsCheckIsRefused() throws {
        // Given a target checked as one file,
        let directory = TemporaryDirectory()
        let path = Self.image(directory, size: 1 << 20)
        let checked = try #require(FileIdentity.of(path: path))
        // when another file takes its name before the overwrite opens it,
        let other = directory.file("other.img")
        _ = FileManager.default.createFile(atPath: other, contents: Data(repeating: 0xA5, count: 1 << 20))
        #expect(rename(other, path) == 0)
        #expect(FileIdentity.of(path: path) != checked)
        // then the overwrite refuses it and writes nothing.
        #expect(throws: LetheError.self) {
            try OverwriteEngine().run(
                OverwriteRequest(path: path, pattern: .zero, passes: 1, seed: [], expectedIdentity: checked),
                stop: StopSignal()
            ) { _ in }
        }
        #expect(try #require(FileManager.default.contents(atPath: path)).allSatisfy { $0 == 0xA5 })
    }

    @Test func aTargetBeingOverwrittenRefusesASecondRunAndARead() throws {
        let directory = TemporaryDirectory()
        let path = Self.image(directory, size: 4 << 20)
        var refusals: [LetheError] = []
        // Given an overwrite in progress (its first buffer written),
        let result = try OverwriteEngine().run(
            OverwriteRequest(path: path, pattern: .zero, passes: 1, seed: [], bufferSize: 1 << 20), stop: StopSignal(),
            progress: { progress in
                guard progress.bytesWritten == 1 << 20 else { return }
                // when a second overwrite and a read-back of the same target start, both are refused
                do {
                    _ = try OverwriteEngine().run(
                        OverwriteRequest(path: path, pattern: .one, passes: 1, seed: []), stop: StopSignal()
                    ) { _ in }
                } catch let error as LetheError { refusals.append(error) } catch { Issue.record("\(error)") }
                do {
                    _ = try ReadbackEngine().run(path: path, pattern: .zero, seed: [], pass: 1, mode: .full)
                } catch let error as LetheError { refusals.append(error) } catch { Issue.record("\(error)") }
            }
        ) { _ in }
        #expect(refusals.map(\.code) == [.locked, .locked], "\(refusals)")
        #expect(refusals.allSatisfy { $0.message.contains("another process") })
        // and the first run finishes with its own pattern everywhere; afterwards the target is free.
        #expect(result.completed)
        #expect(try ReadbackEngine().run(path: path, pattern: .zero, seed: [], pass: 1, mode: .full).passed)
    }

    @Test func sampleIsRepeatableAndIncludesFirstAndLast() throws {
        let seed = [UInt8](repeating: 3, count: 32)
        let blocks = ReadbackEngine.sampleBlocks(blockCount: 1000, ratePercent: 1, minimum: 5, seed: seed)
        #expect(blocks.count == 10)
        #expect(blocks.first == 0)
        #expect(blocks.last == 999)
        #expect(blocks == ReadbackEngine.sampleBlocks(blockCount: 1000, ratePercent: 1, minimum: 5, seed: seed))
        #expect(ReadbackEngine.sampleBlocks(blockCount: 1000, ratePercent: 1, minimum: 50, seed: seed).count == 50)
        #expect(ReadbackEngine.sampleBlocks(blockCount: 3, ratePercent: 1, minimum: 5, seed: seed) == [0, 1, 2])
        #expect(blocks != ReadbackEngine.sampleBlocks(blockCount: 1000, ratePercent: 1, minimum: 5, seed: [9]))
    }

    @Test func sampledReadbackFindsAWrongLastBlock() throws {
        let directory = TemporaryDirectory()
        let path = Self.image(directory, size: 4 << 20)
        _ = try OverwriteEngine().run(
            OverwriteRequest(path: path, pattern: .zero, passes: 1, seed: []), stop: StopSignal()
        ) { _ in }
        // Given one byte of the last block left non-zero,
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: UInt64((4 << 20) - 10))
        try handle.write(contentsOf: Data([0x42]))
        try handle.close()
        // then a 1% sample (which always reads the last block) finds it at its offset.
        let report = try ReadbackEngine().run(
            path: path, pattern: .zero, seed: [], pass: 1, mode: .sampled(ratePercent: 1, minimum: 1, seed: [1]))
        #expect(!report.passed)
        #expect(report.blocksChecked == 2)
        #expect(report.mismatches == [ReadbackMismatch(offset: (4 << 20) - 10, expected: 0, found: 0x42)])
    }
}
