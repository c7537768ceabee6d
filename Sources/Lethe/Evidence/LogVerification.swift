import Foundation
import LetheCore
import LetheEvidence
import LetheStore

/// What `lethe log verify` found.
public struct LogVerificationReport: Sendable {
    /// How many entries were read.
    public var entries: Int64 = 0
    /// How many checkpoints were checked.
    public var checkpoints = 0
    /// The root of all entries, recomputed.
    public var root: [UInt8] = []
    /// The first problem, naming the entry (or checkpoint) where it is; nil when the log is intact.
    public var problem: String?
    /// The 0-based index of the first entry that differs, when one can be named.
    public var firstBadEntry: Int64?

    /// Whether the log is intact.
    public var passed: Bool { problem == nil }
}

extension LetheApp {
    /// How many entries `verifyLog` hands from the reading thread to the hashing thread at once
    /// by default: about 0.5 MB of typical events. Sixteen batches are in flight, so on a busy
    /// machine one thread can run about 10 ms ahead while the other waits for a core.
    public static let logVerificationBatch = 2048
    /// The percentage of each batch's leaf hashes that the reading thread computes, so that both
    /// threads have about as much to do (measured with perf on 200-byte entries: without it the
    /// hashing thread has about twice the reader's work; shares of 50–65 % balance them within
    /// the noise of a shared machine).
    static let readerLeafShare = 50

    /// Recomputes the tree from every stored entry inside a read transaction, on the store's
    /// thread, and checks each entry's position and leaf hash, every stored subtree hash, and
    /// every stored checkpoint's signature and root.
    ///
    /// This thread reads the entries from the store while another hashes them.
    /// - Parameter entriesPerBatch: how many entries go from one thread to the other at once;
    ///   the result does not depend on it (tests use small batches to put faults at their edges).
    ///   Taken within 1 ... 16,384.
    static func verifyLog(
        entriesPerBatch: Int, key: LogVerifierKey, in tx: any StoreReading
    ) throws(LetheError) -> LogVerificationReport {
        let checkpoints = try tx.checkpoints()
        let pipeline = LogBatchPipeline<LogReplayOutcome>(
            batches: 16, entriesPerBatch: min(max(1, entriesPerBatch), 1 << 14))
        Thread.detachNewThread {
            pipeline.finish(Self.replayLog(pipeline, checkpoints: checkpoints, key: key))
        }
        // The hashing thread ends once the reader closes the pipeline, also after an error.
        let reading = Result { () throws(LetheError) in
            try tx.readLogEntries(from: 0, into: pipeline.firstBatch()) { (batch) throws(LetheError) in
                // Reading costs less than hashing: the reader hashes a share of the leaves.
                LogReplay.hashLeaves(of: batch, upTo: batch.count * Self.readerLeafShare / 100)
                return pipeline.handOff(batch)
            }
        }
        pipeline.close()
        let outcome = pipeline.waitForOutcome()
        try reading.get()
        var report = LogVerificationReport()
        report.checkpoints = outcome.checkpoints
        func fail(_ message: String, entry: Int64?) -> LogVerificationReport {
            var failed = report
            failed.problem = message
            failed.firstBadEntry = entry
            return failed
        }
        if let problem = outcome.problem { return fail(problem, entry: outcome.firstBadEntry) }
        let replay = outcome.replay
        report.entries = replay.size
        if let missing = outcome.unreachedCheckpoint {
            return fail(
                "the log holds \(replay.size) entries but a checkpoint was signed for \(missing): entries \(replay.size) ..< \(missing) were deleted",
                entry: replay.size)
        }
        for (level, hashes) in replay.completedNodes.enumerated() where !hashes.isEmpty {
            let stored = try tx.storedLogNodeHashes(level: level)
            let index = stored.withUnsafeBytes { storedBytes in
                hashes.indices.first { index in
                    index * 32 + 32 > storedBytes.count
                        || LogReplay.Hash(
                            UnsafeRawBufferPointer(rebasing: storedBytes[index * 32..<index * 32 + 32]))
                            != hashes[index]
                }
            }
            if let index {
                let first = Int64(index) << level
                return fail(
                    "the stored subtree hash over entries \(first) ..< \(first + (Int64(1) << level)) does not match those entries",
                    entry: first)
            }
        }
        report.root = replay.root
        return report
    }

    /// The hashing thread of `verifyLog`: replays every batch the reader hands over, checking each
    /// stored checkpoint when the tree reaches its size; stops at the first problem.
    static func replayLog(
        _ pipeline: LogBatchPipeline<LogReplayOutcome>, checkpoints: [StoredCheckpoint], key: LogVerifierKey
    ) -> LogReplayOutcome {
        // The tree is a local that no closure captures: its updates are checked statically.
        var replay = LogReplay()
        var pending = checkpoints[...]
        var checked = 0
        func checkCheckpoints(_ replay: LogReplay) -> String? {
            while let next = pending.first, next.size == replay.size {
                pending = pending.dropFirst()
                let signed: Checkpoint
                do {
                    signed = try Checkpoint.verify(signedNote: next.note, key: key)
                } catch {
                    return "checkpoint of size \(next.size): \(error.message)"
                }
                guard signed.size == next.size, signed.root == next.root, replay.root == signed.root else {
                    return
                        "checkpoint of size \(next.size) does not match the entries 0 ..< \(next.size): they were changed after it was signed"
                }
                checked += 1
            }
            return nil
        }
        func outcome(_ replay: LogReplay, problem: String? = nil, entry: Int64? = nil) -> LogReplayOutcome {
            if problem != nil { pipeline.stop() }
            return LogReplayOutcome(
                replay: replay, checkpoints: checked, problem: problem, firstBadEntry: entry,
                unreachedCheckpoint: problem == nil ? pending.first?.size : nil)
        }
        if let problem = checkCheckpoints(replay) { return outcome(replay, problem: problem) }
        while let batch = pipeline.nextBatch() {
            var row = 0
            replaying: while true {
                switch replay.replay(batch, from: &row, until: pending.first?.size ?? .max) {
                case .endOfBatch:
                    break replaying
                case .reachedSize:
                    if let problem = checkCheckpoints(replay) { return outcome(replay, problem: problem) }
                case .fault(.missing(let index, let seq)):
                    return outcome(
                        replay,
                        problem: "entry \(index) (event \(index + 1)) is missing: the next stored row is event \(seq)",
                        entry: index)
                case .fault(.changed(let index)):
                    return outcome(
                        replay,
                        problem:
                            "entry \(index) (event \(index + 1)) was changed: its bytes no longer match the leaf hash written with it",
                        entry: index)
                case .fault(.foreignBody(let index)):
                    return outcome(
                        replay,
                        problem:
                            "entry \(index) (event \(index + 1)) holds the body of another event: rows were reordered or replaced",
                        entry: index)
                }
            }
            pipeline.recycle(batch)
        }
        return outcome(replay)
    }
}

/// What the hashing thread of `verifyLog` found.
struct LogReplayOutcome: Sendable {
    var replay = LogReplay()
    var checkpoints = 0
    var problem: String?
    var firstBadEntry: Int64?
    /// The size of the first checkpoint the entries did not reach.
    var unreachedCheckpoint: Int64?
}
