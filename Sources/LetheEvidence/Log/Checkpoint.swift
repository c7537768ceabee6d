import Foundation
import LetheCore

/// A C2SP `tlog-checkpoint`: the log's origin, its size and its root hash.
public struct Checkpoint: Sendable, Hashable {
    /// The log's origin (its name).
    public var origin: String
    /// The number of entries.
    public var size: Int64
    /// The root hash.
    public var root: [UInt8]

    /// Creates a checkpoint.
    public init(origin: String, size: Int64, root: [UInt8]) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// The note text that is signed: three lines, each ending with a newline.
    public var noteText: String { "\(origin)\n\(size)\n\(StrictBase64.encode(root))\n" }

    /// Signs the checkpoint with the log's key, whose name must be the origin.
    public func signed(with key: LogSigningKey) throws(LetheError) -> String {
        guard key.name == origin else {
            throw LetheError(.internal, "the log key is named \(key.name) but the checkpoint's origin is \(origin)")
        }
        return try key.sign(noteText: noteText)
    }

    /// Reads a signed checkpoint and checks its signature by `key`.
    ///
    /// - Throws: `invalidInput` naming what is wrong: the layout, the size or root line, a
    ///   signature line, or a missing or bad signature by the key.
    public static func verify(signedNote note: String, key: LogVerifierKey) throws(LetheError) -> Checkpoint {
        let bytes = Array(note.utf8)
        guard let split = note.range(of: "\n\n") else {
            throw LetheError(.invalidInput, "the checkpoint has no blank line between its text and its signatures")
        }
        let text = String(note[..<note.index(after: split.lowerBound)])
        let signatures = note[split.upperBound...]
        guard bytes.last == 0x0A, !signatures.isEmpty else {
            throw LetheError(.invalidInput, "the checkpoint's signature lines must each end with a newline")
        }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 3 else {
            throw LetheError(.invalidInput, "the checkpoint text must be three lines (origin, size, root)")
        }
        guard let size = Int64(lines[1]), size >= 0, String(size) == lines[1] else {
            throw LetheError(.invalidInput, "the checkpoint's size line '\(lines[1])' is not a decimal number")
        }
        guard let root = StrictBase64.decode(lines[2]), root.count == 32 else {
            throw LetheError(.invalidInput, "the checkpoint's root line is not the base64 of 32 bytes")
        }
        let origin = String(lines[0])
        guard origin == key.name else {
            throw LetheError(
                .invalidInput, "the checkpoint's origin '\(origin)' is not the log key's name '\(key.name)'")
        }
        var verified = false
        for line in signatures.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "—", !parts[1].isEmpty, let blob = StrictBase64.decode(parts[2]),
                blob.count > 4
            else {
                throw LetheError(.invalidInput, "the checkpoint's signature line '\(line)' is malformed")
            }
            guard parts[1] == key.name, Array(blob.prefix(4)) == key.keyID else { continue }
            guard blob.count == 68, key.isValidSignature(Array(blob.dropFirst(4)), for: Array(text.utf8)) else {
                throw LetheError(.invalidInput, "the checkpoint's signature by \(key.name) does not verify")
            }
            verified = true
        }
        guard verified else {
            throw LetheError(.invalidInput, "the checkpoint carries no signature by the log key \(key.verifierKey)")
        }
        return Checkpoint(origin: origin, size: size, root: root)
    }
}
