import LetheCore

/// A C2SP `tlog-proof`: an entry's index, its inclusion proof, and the signed checkpoint the
/// proof leads to.
public struct TlogProof: Sendable, Hashable {
    /// The first line of every proof.
    public static let header = "c2sp.org/tlog-proof@v1"

    /// The entry's 0-based index.
    public var index: Int64
    /// The inclusion proof, leaf side first.
    public var hashes: [[UInt8]]
    /// The signed checkpoint, verbatim.
    public var signedCheckpoint: String

    /// Creates a proof.
    public init(index: Int64, hashes: [[UInt8]], signedCheckpoint: String) {
        self.index = index
        self.hashes = hashes
        self.signedCheckpoint = signedCheckpoint
    }

    /// The proof's text.
    public var text: String {
        var out = Self.header + "\nindex \(index)\n"
        for hash in hashes { out += StrictBase64.encode(hash) + "\n" }
        return out + "\n" + signedCheckpoint
    }

    /// Reads a proof's text.
    public init(parsing text: String) throws(LetheError) {
        guard let split = text.range(of: "\n\n") else {
            throw LetheError(.invalidInput, "the log proof has no blank line before its checkpoint")
        }
        let lines = text[..<split.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(Self.header) else {
            throw LetheError(.invalidInput, "the log proof does not start with '\(Self.header)'")
        }
        var rest = lines.dropFirst()
        if rest.first?.hasPrefix("extra ") == true { rest = rest.dropFirst() }
        guard let indexLine = rest.first, indexLine.hasPrefix("index "),
            let index = Int64(indexLine.dropFirst(6)), index >= 0, String(index) == indexLine.dropFirst(6)
        else {
            throw LetheError(.invalidInput, "the log proof's 'index N' line is missing or malformed")
        }
        var hashes: [[UInt8]] = []
        for (offset, line) in rest.dropFirst().enumerated() {
            guard let hash = StrictBase64.decode(line), hash.count == 32 else {
                throw LetheError(.invalidInput, "line \(offset + 3) of the log proof is not the base64 of a hash")
            }
            hashes.append(hash)
        }
        self.init(index: index, hashes: hashes, signedCheckpoint: String(text[split.upperBound...]))
    }
}
