import Crypto
import Foundation
import LetheCore

/// Turns a subject's identifier into its ``SubjectHash``: HMAC-SHA-256 under the installation
/// secret (32 random bytes kept in the data directory), after normalisation.
///
/// Normalisation is declared per store (`identity_normalization` in the data map):
/// - `exact`: the UTF-8 bytes as given (or as stored in the database column);
/// - `lowercase-trim`: leading and trailing white space and newlines removed, then lowercased
///   (Unicode lowercase mapping; ASCII-only values take a fast path with the same result).
///
/// The same subject has the same hash in every store with the same normalisation, so one
/// erasure request reaches all of them. The raw identifier is never stored, logged or returned.
///
/// ```swift
/// let hasher = try SubjectHasher(secret: installationSecret)   // 32 bytes
/// let subject = hasher.hash("Ada@Example.com", normalization: .lowercaseTrim)
/// ```
public struct SubjectHasher: Sendable {
    private let secret: [UInt8]

    /// The length of an installation secret in bytes.
    public static let secretLength = 32

    /// A fresh random installation secret (persist it once, 0600, in the data directory).
    public static func generateSecret() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Creates a hasher from the installation secret.
    ///
    /// - Throws: `invalidInput` when the secret is not 32 bytes.
    public init(secret: [UInt8]) throws(LetheError) {
        guard secret.count == Self.secretLength else {
            throw LetheError(
                .invalidInput,
                "the installation secret has \(secret.count) bytes; it must have \(Self.secretLength) (generate one with SubjectHasher.generateSecret())"
            )
        }
        self.secret = secret
    }

    /// The keyed hash of an identifier after normalisation.
    public func hash(_ identifier: String, normalization: IdentityNormalization) -> SubjectHash {
        var state = makeState()
        return Self.finish(&state, value: Array(identifier.utf8), normalization: normalization)
    }

    /// A keyed HMAC state ready to be copied per value (copying skips the key schedule).
    func makeState() -> HMAC<SHA256> { HMAC<SHA256>(key: SymmetricKey(data: secret)) }

    /// Hashes a stored value's bytes with a copy of `base`, normalising first.
    static func hash(
        bytes: UnsafeRawBufferPointer, base: HMAC<SHA256>, normalization: IdentityNormalization
    ) -> SubjectHash {
        var state = base
        switch normalization {
        case .exact:
            state.update(data: bytes)
        case .lowercaseTrim:
            if let ascii = asciiLowerTrim(bytes) {
                ascii.withUnsafeBytes { state.update(data: $0) }
            } else {
                let text = String(decoding: bytes, as: UTF8.self)
                state.update(data: Array(normalize(text).utf8))
            }
        }
        return SubjectHash(bytes: state.finalize())
    }

    private static func finish(
        _ state: inout HMAC<SHA256>, value: [UInt8], normalization: IdentityNormalization
    ) -> SubjectHash {
        value.withUnsafeBytes { hash(bytes: $0, base: state, normalization: normalization) }
    }

    /// The `lowercase-trim` rule on text.
    static func normalize(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The `lowercase-trim` rule on pure-ASCII bytes; `nil` when a byte is not ASCII.
    private static func asciiLowerTrim(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var start = 0
        var end = bytes.count
        for byte in bytes where byte >= 0x80 { _ = byte; return nil }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        var result = [UInt8](repeating: 0, count: end - start)
        for index in start..<end {
            let byte = bytes[index]
            result[index - start] = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
        }
        return result
    }
}
