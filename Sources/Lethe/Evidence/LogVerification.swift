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
    /// Recomputes the tree from every stored entry and checks each entry's position and leaf
    /// hash, every stored subtree hash, and every stored checkpoint's signature and root.
    public func verifyLog() throws(LetheError) -> LogVerificationReport {
        let key = try logVerifierKey()
        let hasher = Self.logHasher
        return try store.read { (tx) throws(LetheError) in
            var report = LogVerificationReport()
            let checkpoints = try tx.checkpoints()
            var pending = checkpoints[...]
            var frontier = LogFrontier()
            var computedNodes: [Int: [[UInt8]]] = [:]
            func fail(_ message: String, entry: Int64?) -> LogVerificationReport {
                var failed = report
                failed.problem = message
                failed.firstBadEntry = entry
                return failed
            }
            func checkCheckpoints() throws(LetheError) -> String? {
                while let next = pending.first, next.size == frontier.size {
                    pending = pending.dropFirst()
                    let signed: Checkpoint
                    do {
                        signed = try Checkpoint.verify(signedNote: next.note, key: key)
                    } catch {
                        return "checkpoint of size \(next.size): \(error.message)"
                    }
                    let root = frontier.root(hasher: hasher)
                    guard signed.size == next.size, signed.root == next.root, root == signed.root else {
                        return
                            "checkpoint of size \(next.size) does not match the entries 0 ..< \(next.size): they were changed after it was signed"
                    }
                    report.checkpoints += 1
                }
                return nil
            }
            if let problem = try checkCheckpoints() { return fail(problem, entry: nil) }
            var failure: LogVerificationReport?
            try tx.forEachLogEntry(from: 0) { (seq, bytes, storedLeaf) throws(LetheError) in
                guard failure == nil else { return }
                let index = frontier.size
                guard seq == index + 1 else {
                    failure = fail(
                        "entry \(index) (event \(index + 1)) is missing: the next stored row is event \(seq)",
                        entry: index)
                    return
                }
                let leaf = hasher.leafHash(bytes: bytes)
                if let storedLeaf, !storedLeaf.elementsEqual(leaf) {
                    failure = fail(
                        "entry \(index) (event \(seq)) was changed: its bytes no longer match the leaf hash written with it",
                        entry: index)
                    return
                }
                guard Self.sequenceNumber(in: bytes) == seq else {
                    failure = fail(
                        "entry \(index) (event \(seq)) holds the body of another event: rows were reordered or replaced",
                        entry: index)
                    return
                }
                try frontier.append(leafHash: leaf, hasher: hasher) { (level, nodeIndex, hash) throws(LetheError) in
                    guard level >= MerkleTree.firstStoredLevel else { return }
                    computedNodes[level, default: []].append(hash)
                }
                if let problem = try checkCheckpoints() { failure = fail(problem, entry: nil) }
            }
            if let failure { return failure }
            report.entries = frontier.size
            if let missing = pending.first {
                return fail(
                    "the log holds \(frontier.size) entries but a checkpoint was signed for \(missing.size): entries \(frontier.size) ..< \(missing.size) were deleted",
                    entry: frontier.size)
            }
            for (level, hashes) in computedNodes.sorted(by: { $0.key < $1.key }) {
                let stored = try tx.storedLogNodes(level: level)
                if let index = hashes.indices.first(where: { $0 >= stored.count || stored[$0] != hashes[$0] }) {
                    let first = Int64(index) << level
                    return fail(
                        "the stored subtree hash over entries \(first) ..< \(first + (Int64(1) << level)) does not match those entries",
                        entry: first)
                }
            }
            report.root = frontier.root(hasher: hasher)
            return report
        }
    }

    /// The top-level `"seq":N` member of a stored event body, read without decoding the body: in
    /// canonical order only `time`, `type` and `v` follow it, so it is the last `"seq":` in the bytes.
    static func sequenceNumber(in body: UnsafeRawBufferPointer) -> Int64? {
        let key = Array("\"seq\":".utf8)
        guard body.count > key.count,
            let found = stride(from: body.count - key.count, through: 0, by: -1).first(where: {
                body[$0] == key[0] && body[$0..<$0 + key.count].elementsEqual(key)
            })
        else { return nil }
        let start = found + key.count
        var value: Int64 = 0
        var index = start
        while index < body.count, body[index] >= 0x30, body[index] <= 0x39 {
            value = value * 10 + Int64(body[index] - 0x30)
            index += 1
        }
        return index > start ? value : nil
    }
}
