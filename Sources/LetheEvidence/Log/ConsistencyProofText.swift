import LetheCore

/// The text of a consistency proof as `lethe log consistency` prints it: a header, the earlier
/// size and root, the RFC 9162 proof hashes, a blank line, and the signed checkpoint it leads to.
///
/// ```
/// lethe.log/consistency-proof@v1
/// old 1200 <base64 root>
/// <base64 hash>
/// …
///
/// <signed checkpoint>
/// ```
public struct ConsistencyProofText: Sendable, Hashable {
    /// The first line.
    public static let header = "lethe.log/consistency-proof@v1"

    /// The earlier tree size.
    public var fromSize: Int64
    /// The earlier tree's root.
    public var fromRoot: [UInt8]
    /// The proof hashes.
    public var hashes: [[UInt8]]
    /// The newer signed checkpoint, verbatim.
    public var signedCheckpoint: String

    /// Creates a proof.
    public init(fromSize: Int64, fromRoot: [UInt8], hashes: [[UInt8]], signedCheckpoint: String) {
        self.fromSize = fromSize
        self.fromRoot = fromRoot
        self.hashes = hashes
        self.signedCheckpoint = signedCheckpoint
    }

    /// The text.
    public var text: String {
        var out = Self.header + "\nold \(fromSize) \(StrictBase64.encode(fromRoot))\n"
        for hash in hashes { out += StrictBase64.encode(hash) + "\n" }
        return out + "\n" + signedCheckpoint
    }

    /// Reads the text.
    public init(parsing text: String) throws(LetheError) {
        guard let split = text.range(of: "\n\n") else {
            throw LetheError(.invalidInput, "the consistency proof has no blank line before its checkpoint")
        }
        let lines = text[..<split.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[0] == Substring(Self.header) else {
            throw LetheError(.invalidInput, "the consistency proof does not start with '\(Self.header)'")
        }
        let old = lines[1].split(separator: " ", omittingEmptySubsequences: false)
        guard old.count == 3, old[0] == "old", let size = Int64(old[1]), size >= 0, String(size) == old[1],
            let root = StrictBase64.decode(old[2]), root.count == 32
        else {
            throw LetheError(.invalidInput, "the consistency proof's 'old SIZE ROOT' line is malformed")
        }
        var hashes: [[UInt8]] = []
        for (offset, line) in lines.dropFirst(2).enumerated() {
            guard let hash = StrictBase64.decode(line), hash.count == 32 else {
                throw LetheError(
                    .invalidInput, "line \(offset + 3) of the consistency proof is not the base64 of a hash")
            }
            hashes.append(hash)
        }
        self.init(fromSize: size, fromRoot: root, hashes: hashes, signedCheckpoint: String(text[split.upperBound...]))
    }

    /// Checks the proof offline against a checkpoint kept earlier: both checkpoints are signed by
    /// `key`, the proof starts from the kept size and root, and the newer tree extends the kept one.
    public func check(
        kept note: String, key: LogVerifierKey
    ) throws(LetheError) -> (kept: Checkpoint, newer: Checkpoint) {
        let kept = try Checkpoint.verify(signedNote: note, key: key)
        let newer = try Checkpoint.verify(signedNote: signedCheckpoint, key: key)
        guard kept.size == fromSize, kept.root == fromRoot else {
            throw LetheError(
                .invalidInput,
                "the proof starts from size \(fromSize) with another root than the checkpoint you kept (size \(kept.size)): the log's history was rewritten, or this proof is for another checkpoint"
            )
        }
        guard
            MerkleProofs.verifyConsistency(
                oldSize: kept.size, newSize: newer.size, oldRoot: kept.root, newRoot: newer.root, proof: hashes,
                hasher: SHA256LogHasher())
        else {
            throw LetheError(
                .invalidInput,
                "the log of \(newer.size) entries is not an extension of the checkpoint you kept (\(kept.size) entries)"
            )
        }
        return (kept, newer)
    }
}
