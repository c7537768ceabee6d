import Foundation
import LetheCore
import LetheEvidence
import LetheStore

/// A consistency proof between an earlier tree size and a signed checkpoint.
public struct ConsistencyProof: Sendable {
    /// The earlier size.
    public var fromSize: Int64
    /// The root of the earlier tree.
    public var fromRoot: [UInt8]
    /// The proof hashes (RFC 9162 §2.1.4).
    public var hashes: [[UInt8]]
    /// The checkpoint the proof leads to.
    public var checkpoint: StoredCheckpoint

    /// The proof's text (``ConsistencyProofText``): a header line, the old size and root, the
    /// hashes, a blank line, the checkpoint.
    public var text: String {
        ConsistencyProofText(fromSize: fromSize, fromRoot: fromRoot, hashes: hashes, signedCheckpoint: checkpoint.note)
            .text
    }
}

extension LetheApp {
    /// The log's hash functions.
    static let logHasher = SHA256LogHasher()

    /// Signs a checkpoint of the current head inside a write transaction, unless the newest one
    /// already covers it. Refuses to sign a head inconsistent with the newest checkpoint signed before.
    static func signCheckpoint(
        in tx: any StoreWriting, key: LogSigningKey, at time: Date
    ) throws(LetheError)
        -> StoredCheckpoint
    {
        let size = try tx.eventCount()
        let tree = MerkleTree(hasher: logHasher, source: tx)
        let root = try tree.root(size: size)
        if let latest = try tx.latestCheckpoint() {
            let proof = try latest.size <= size ? tree.consistencyProof(from: latest.size, to: size) : []
            guard latest.size <= size, try tree.root(size: latest.size) == latest.root,
                MerkleProofs.verifyConsistency(
                    oldSize: latest.size, newSize: size, oldRoot: latest.root, newRoot: root, proof: proof,
                    hasher: logHasher)
            else {
                throw LetheError(
                    .conflict,
                    "the log's first \(latest.size) entries no longer match the checkpoint signed at \(RFC3339.format(latest.signedAt)); refusing to sign an inconsistent head (run 'lethe log verify')"
                )
            }
            if latest.size == size { return latest }
        }
        let note = try Checkpoint(origin: key.name, size: size, root: root).signed(with: key)
        let checkpoint = StoredCheckpoint(size: size, root: root, note: note, signedAt: time)
        try tx.insert(checkpoint)
        return checkpoint
    }

    /// Signs (and keeps) a checkpoint of the log's current head; returns the newest one when
    /// nothing was appended since.
    @discardableResult
    public func checkpoint() throws(LetheError) -> StoredCheckpoint {
        let key = try logSigningKey()
        let time = now
        return try store.write { (tx) throws(LetheError) in try Self.signCheckpoint(in: tx, key: key, at: time) }
    }

    /// The C2SP tlog-proof of entry `index` against the newest checkpoint (signing one of the
    /// current head first when no checkpoint covers the entry).
    public func inclusionProof(index: Int64) throws(LetheError) -> TlogProof {
        let key = try logSigningKey()
        let time = now
        return try store.write { (tx) throws(LetheError) in
            let count = try tx.eventCount()
            guard index >= 0, index < count else {
                throw LetheError(.notFound, "the log has no entry \(index); it holds entries 0 ..< \(count)")
            }
            var checkpoint = try tx.latestCheckpoint()
            if checkpoint.map({ $0.size <= index }) ?? true {
                checkpoint = try Self.signCheckpoint(in: tx, key: key, at: time)
            }
            let signed = checkpoint!
            let hashes = try MerkleTree(hasher: Self.logHasher, source: tx).inclusionProof(
                index: index, size: signed.size)
            return TlogProof(index: index, hashes: hashes, signedCheckpoint: signed.note)
        }
    }

    /// The consistency proof from the tree of `fromSize` entries to a checkpoint of the current
    /// head (signed now unless the newest one already covers it).
    public func consistencyProof(from fromSize: Int64) throws(LetheError) -> ConsistencyProof {
        let key = try logSigningKey()
        let time = now
        return try store.write { (tx) throws(LetheError) in
            let count = try tx.eventCount()
            guard fromSize >= 0, fromSize <= count else {
                throw LetheError(.usage, "--from \(fromSize) is beyond the log's \(count) entries")
            }
            let signed = try Self.signCheckpoint(in: tx, key: key, at: time)
            let tree = MerkleTree(hasher: Self.logHasher, source: tx)
            return ConsistencyProof(
                fromSize: fromSize, fromRoot: try tree.root(size: fromSize),
                hashes: try tree.consistencyProof(from: fromSize, to: signed.size), checkpoint: signed)
        }
    }

    /// The log's public key.
    public func logVerifierKey() throws(LetheError) -> LogVerifierKey { try logSigningKey().verifier }
}

extension LetheApp {
    /// Computes `count` inclusion proofs of spread-out entries against the newest checkpoint, each
    /// in its own read transaction as `log prove` does, and returns the mean seconds per proof
    /// (for `scripts/bench-evidence.sh`).
    public func timeInclusionProofs(count: Int) throws(LetheError) -> (meanSeconds: Double, size: Int64) {
        let size = try store.read { (tx) throws(LetheError) in try tx.latestCheckpoint()?.size } ?? 0
        guard size > 0, count > 0 else { throw LetheError(.usage, "sign a checkpoint first: lethe log checkpoint") }
        let start = DispatchTime.now().uptimeNanoseconds
        var index = Int64(7)
        for _ in 0..<count {
            index = (index &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407) & Int64.max
            let target = index % size
            _ = try store.read { (tx) throws(LetheError) in
                try MerkleTree(hasher: Self.logHasher, source: tx).inclusionProof(index: target, size: size)
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (elapsed / Double(count), size)
    }
}
