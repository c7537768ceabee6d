import LetheCore
import LetheEvidence
import Testing

@Suite struct LogReplayTests {
    /// An event body as the store keeps it, `"seq"` near its end, with a padding of `size` bytes.
    static func body(seq: Int64, size: Int = 0) -> [UInt8] {
        let padding = String(repeating: "x", count: size)
        return Array(
            #"{"actor":"t","payload":{"note":"\#(padding)","seq":999},"seq":\#(seq),"time":"2026-11-22T09:00:00Z","type":"test.event","v":1}"#
                .utf8)
    }

    /// Batches of `perBatch` entries (their stored leaf hashes given), of which the first
    /// `hashedByReader` have their leaf hash computed as the reading thread does.
    static func batches(
        _ entries: [[UInt8]], perBatch: Int, hashedByReader: Int = 0, storedLeaves: Bool = true,
        seqs: [Int64]? = nil
    ) -> [LogEntryBatch] {
        let hasher = SHA256LogHasher()
        var batches: [LogEntryBatch] = []
        for start in stride(from: 0, to: entries.count, by: perBatch) {
            let batch = LogEntryBatch(maximumCount: perBatch, byteCapacity: 16)
            for index in start..<min(start + perBatch, entries.count) {
                let leaf = hasher.leafHash(entries[index])
                entries[index].withUnsafeBytes { bytes in
                    leaf.withUnsafeBytes { leafBytes in
                        batch.append(
                            seq: seqs?[index] ?? Int64(index + 1), entry: bytes,
                            leafHash: storedLeaves ? leafBytes : nil)
                    }
                }
            }
            LogReplay.hashLeaves(of: batch, upTo: hashedByReader)
            batches.append(batch)
        }
        return batches
    }

    /// Given entries of many sizes in batches of every size, with or without leaves hashed by the
    /// reader, the replayed root is RFC 9162's root and the completed nodes are the stored ones.
    @Test func replayMatchesTheNaiveRootForEveryBatching() throws {
        let entries = (0..<70).map { Self.body(seq: Int64($0 + 1), size: ($0 * 37) % 300) }
        let log = try MemoryLog(entries: entries)
        for perBatch in [1, 3, 16, 64, 100] {
            for hashedByReader in [0, 1, perBatch] {
                var replay = LogReplay()
                for batch in Self.batches(entries, perBatch: perBatch, hashedByReader: hashedByReader) {
                    var row = 0
                    #expect(replay.replay(batch, from: &row, until: .max) == .endOfBatch)
                    #expect(row == batch.count)
                }
                #expect(replay.size == 70)
                #expect(replay.root == naiveRoot(entries[...], SHA256LogHasher()))
                // 70 entries complete four 16-leaf subtrees, two of 32 and one of 64.
                #expect(replay.completedNodes[4].map(\.bytes) == (0..<4).map { log.nodes["4/\($0)"]! })
                #expect(replay.completedNodes[5].map(\.bytes) == (0..<2).map { log.nodes["5/\($0)"]! })
                #expect(replay.completedNodes[6].map(\.bytes) == [log.nodes["6/0"]!])
                #expect(replay.completedNodes[7].isEmpty)
            }
        }
    }

    /// A replay stops at each size asked for, even in the middle of a batch, with the root of
    /// exactly that many entries.
    @Test func stopsAtACheckpointSizeInsideABatch() {
        let entries = (0..<10).map { Self.body(seq: Int64($0 + 1)) }
        let batch = Self.batches(entries, perBatch: 10)[0]
        var replay = LogReplay()
        var row = 0
        #expect(replay.replay(batch, from: &row, until: 3) == .reachedSize)
        #expect(row == 3 && replay.root == naiveRoot(entries[0..<3], SHA256LogHasher()))
        #expect(replay.replay(batch, from: &row, until: 10) == .reachedSize)
        #expect(row == 10 && replay.root == naiveRoot(entries[...], SHA256LogHasher()))
    }

    /// Each fault names the entry, wherever it is in its batch and whichever thread hashed it.
    @Test(arguments: [0, 2, 3, 5, 7])
    func faultsNameTheFirstWrongEntry(wrong: Int) {
        let entries = (0..<8).map { Self.body(seq: Int64($0 + 1)) }
        func firstFault(_ batches: [LogEntryBatch]) -> LogReplay.Fault? {
            var replay = LogReplay()
            for batch in batches {
                var row = 0
                if case .fault(let fault) = replay.replay(batch, from: &row, until: .max) { return fault }
            }
            return nil
        }
        for hashedByReader in [0, 2, 4] {
            // A changed body: its stored leaf hash no longer matches.
            var changed = Self.batches(entries, perBatch: 4, hashedByReader: hashedByReader)
            var edited = entries
            edited[wrong][2] = UInt8(ascii: "A")
            let editedBatches = Self.batches(edited, perBatch: 4, hashedByReader: hashedByReader)
            // Keep the original leaf hashes with the edited bytes.
            changed = zip(editedBatches, changed).map { editedBatch, original in
                let batch = LogEntryBatch(maximumCount: 4, byteCapacity: 16)
                for row in 0..<editedBatch.count {
                    batch.append(
                        seq: editedBatch.seq(at: row), entry: editedBatch.entry(at: row),
                        leafHash: original.storedLeafHash(at: row))
                }
                LogReplay.hashLeaves(of: batch, upTo: hashedByReader)
                return batch
            }
            #expect(firstFault(changed) == .changed(index: Int64(wrong)))
            // A missing row.
            var seqs = (1...8).map(Int64.init)
            seqs[wrong...].indices.forEach { seqs[$0] += 1 }
            #expect(
                firstFault(Self.batches(entries, perBatch: 4, hashedByReader: hashedByReader, seqs: seqs))
                    == .missing(index: Int64(wrong), nextSeq: Int64(wrong + 2)))
            // Another event's body in the row, with a leaf hash that matches it.
            var swapped = entries
            swapped[wrong] = Self.body(seq: 42)
            #expect(
                firstFault(Self.batches(swapped, perBatch: 4, hashedByReader: hashedByReader))
                    == .foreignBody(index: Int64(wrong)))
            // Without stored leaf hashes a changed body is not caught here (the checkpoint does).
            #expect(firstFault(Self.batches(entries, perBatch: 4, storedLeaves: false)) == nil)
        }
    }

    @Test func readsTheLastTopLevelSequenceNumber() {
        func seq(_ text: String) -> Int64? {
            Array(text.utf8).withUnsafeBytes { LogReplay.sequenceNumber(in: $0) }
        }
        #expect(seq(#"{"payload":{"seq":7},"seq":12,"type":"t","v":1}"#) == 12)
        #expect(seq(String(decoding: Self.body(seq: 123_456, size: 250), as: UTF8.self)) == 123_456)
        // A `q` elsewhere, close to the end, and within the 8-byte steps of the scan.
        #expect(seq(#"{"seq":5,"type":"quququququququququ","v":1}"#) == 5)
        #expect(seq(#""seq":9"#) == 9)
        #expect(seq(#"{"payload":{},"type":"t","v":1}"#) == nil)
        #expect(seq(#"{"seq":"x","v":1}"#) == nil)
        #expect(seq(#"{"seq":1234567890123456789}"#) == nil)
        #expect(seq(#"{"seq":123456789012345678}"#) == 123_456_789_012_345_678)
        #expect(seq("") == nil)
    }
}

@Suite struct LogEntryBatchTests {
    /// Entries larger than the buffer grow it; each keeps its prefix byte, its bytes and its
    /// stored leaf state, and emptying keeps the buffers for the next batch.
    @Test func holdsEntriesOfAnySize() {
        let batch = LogEntryBatch(maximumCount: 3, byteCapacity: 8)
        let large = [UInt8](repeating: 7, count: 1_000)
        let hash = [UInt8](repeating: 9, count: 32)
        [UInt8]("ab".utf8).withUnsafeBytes { batch.append(seq: 1, entry: $0, leafHash: nil) }
        large.withUnsafeBytes { bytes in hash.withUnsafeBytes { batch.append(seq: 2, entry: bytes, leafHash: $0) } }
        [UInt8]().withUnsafeBytes { bytes in
            [UInt8](repeating: 1, count: 31).withUnsafeBytes { batch.append(seq: 3, entry: bytes, leafHash: $0) }
        }
        #expect(batch.isFull && batch.count == 3)
        #expect(Array(batch.prefixedEntry(at: 0)) == [0, 0x61, 0x62])
        #expect(Array(batch.entry(at: 1)) == large)
        #expect(Array(batch.prefixedEntry(at: 2)) == [0])
        #expect(batch.storedLeaf(at: 0) == .absent)
        #expect(batch.storedLeaf(at: 1) == .present && Array(batch.storedLeafHash(at: 1)) == hash)
        #expect(batch.storedLeaf(at: 2) == .malformed)
        #expect(batch.seq(at: 2) == 3)
        batch.removeAll()
        #expect(batch.count == 0 && batch.hashedCount == 0 && !batch.isFull)
    }
}
