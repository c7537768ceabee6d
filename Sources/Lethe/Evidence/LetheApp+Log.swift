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

    /// The C2SP tlog-proof of entry `index` against the newest checkpoint, inside a write
    /// transaction (signing a checkpoint of the current head first when none covers the entry).
    static func inclusionProof(
        index: Int64, key: LogSigningKey, at time: Date, in tx: any StoreWriting
    ) throws(LetheError) -> TlogProof {
        let count = try tx.eventCount()
        guard index >= 0, index < count else {
            throw LetheError(.notFound, "the log has no entry \(index); it holds entries 0 ..< \(count)")
        }
        var checkpoint = try tx.latestCheckpoint()
        if checkpoint.map({ $0.size <= index }) ?? true {
            checkpoint = try signCheckpoint(in: tx, key: key, at: time)
        }
        let signed = checkpoint!
        let hashes = try MerkleTree(hasher: logHasher, source: tx).inclusionProof(index: index, size: signed.size)
        return TlogProof(index: index, hashes: hashes, signedCheckpoint: signed.note)
    }
}
