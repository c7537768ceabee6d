import LetheCore

extension SubjectHasher {
    /// Hashes stored values' bytes with one normalisation, the secret's keyed states computed once:
    /// for executors in other modules that read identity values themselves (PostgreSQL).
    public struct ValueHasher: Sendable {
        let keyed: Keyed
        /// The normalisation applied before hashing.
        public let normalization: IdentityNormalization

        /// The keyed hash of a value's bytes (UTF-8 text as stored), normalised first.
        public func hash(_ bytes: UnsafeRawBufferPointer) -> SubjectHash {
            SubjectHasher.hash(bytes: bytes, keyed: keyed, normalization: normalization)
        }

        /// The keyed hash of a value's text, normalised first.
        public func hash(_ text: String) -> SubjectHash {
            Array(text.utf8).withUnsafeBytes { hash($0) }
        }
    }

    /// A ``ValueHasher`` for `normalization`.
    public func values(normalization: IdentityNormalization) -> ValueHasher {
        ValueHasher(keyed: makeKeyed(), normalization: normalization)
    }
}
