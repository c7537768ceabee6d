import Crypto
import Foundation
import LetheCore

#if canImport(CCryptoBoringSSL)
    // swift-crypto's BoringSSL, which `Crypto` itself calls on Linux. Its SHA-256 context is a
    // plain C struct, so the keyed states are copied per value on the stack; through `SHA256` each
    // copy and each `finalize()` allocated a context object (four per HMAC, two thirds of a store
    // scan's hashing time). Where the module is absent (Apple platforms, where `Crypto` is
    // CryptoKit) the same keyed states go through `SHA256`.
    import CCryptoBoringSSL
#endif

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
        let keyed = makeKeyed()
        return Array(identifier.utf8).withUnsafeBytes {
            Self.hash(bytes: $0, keyed: keyed, normalization: normalization)
        }
    }

    /// Whether the HMAC runs on BoringSSL's SHA-256 context directly (Linux) rather than through
    /// `SHA256` (where swift-crypto's BoringSSL module is not importable).
    static var usesBoringSSLContext: Bool {
        #if canImport(CCryptoBoringSSL)
            true
        #else
            false
        #endif
    }

    /// HMAC-SHA-256 split into its two keyed SHA-256 states (RFC 2104: the key, zero-padded to the
    /// 64-byte block, XOR ipad and XOR opad, already absorbed). Copying them per value skips the
    /// key schedule; they are only ever copied, never mutated, so sharing them across threads is safe.
    struct Keyed: @unchecked Sendable {
        #if canImport(CCryptoBoringSSL)
            let inner: SHA256_CTX
            let outer: SHA256_CTX
        #else
            let inner: SHA256
            let outer: SHA256
        #endif
    }

    /// The keyed states for this secret.
    func makeKeyed() -> Keyed {
        var ipad = [UInt8](repeating: 0x36, count: SHA256.blockByteCount)
        var opad = [UInt8](repeating: 0x5C, count: SHA256.blockByteCount)
        for index in secret.indices {
            ipad[index] ^= secret[index]
            opad[index] ^= secret[index]
        }
        #if canImport(CCryptoBoringSSL)
            var inner = SHA256_CTX()
            var outer = SHA256_CTX()
            CCryptoBoringSSL_SHA256_Init(&inner)
            CCryptoBoringSSL_SHA256_Init(&outer)
            ipad.withUnsafeBytes { _ = CCryptoBoringSSL_SHA256_Update(&inner, $0.baseAddress, $0.count) }
            opad.withUnsafeBytes { _ = CCryptoBoringSSL_SHA256_Update(&outer, $0.baseAddress, $0.count) }
        #else
            var inner = SHA256()
            inner.update(data: ipad)
            var outer = SHA256()
            outer.update(data: opad)
        #endif
        return Keyed(inner: inner, outer: outer)
    }

    /// HMAC-SHA-256 of bytes that are already normalised.
    static func hmac(_ bytes: UnsafeRawBufferPointer, keyed: Keyed) -> SubjectHash {
        #if canImport(CCryptoBoringSSL)
            var context = keyed.inner
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
                let output = buffer.baseAddress!
                CCryptoBoringSSL_SHA256_Update(&context, bytes.baseAddress, bytes.count)
                CCryptoBoringSSL_SHA256_Final(output, &context)
                context = keyed.outer
                CCryptoBoringSSL_SHA256_Update(&context, output, 32)
                CCryptoBoringSSL_SHA256_Final(output, &context)
                return SubjectHash(digest: UnsafeRawBufferPointer(buffer))
            }
        #else
            var inner = keyed.inner
            inner.update(bufferPointer: bytes)
            let innerDigest = inner.finalize()
            var outer = keyed.outer
            innerDigest.withUnsafeBytes { outer.update(bufferPointer: $0) }
            return outer.finalize().withUnsafeBytes { SubjectHash(digest: $0) }
        #endif
    }

    /// Hashes a value's bytes (as given or as stored), normalising first.
    static func hash(
        bytes: UnsafeRawBufferPointer, keyed: Keyed, normalization: IdentityNormalization
    ) -> SubjectHash {
        switch normalization {
        case .exact:
            return hmac(bytes, keyed: keyed)
        case .lowercaseTrim:
            if bytes.count <= 256 {
                // The usual short value: normalised on the stack, no allocation per value.
                let hashed: SubjectHash? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
                    guard let length = asciiLowerTrim(bytes, into: buffer) else { return nil }
                    return hmac(UnsafeRawBufferPointer(start: buffer.baseAddress, count: length), keyed: keyed)
                }
                if let hashed { return hashed }
            } else if let ascii = asciiLowerTrim(bytes) {
                return ascii.withUnsafeBytes { hmac($0, keyed: keyed) }
            }
            let text = normalize(String(decoding: bytes, as: UTF8.self))
            return Array(text.utf8).withUnsafeBytes { hmac($0, keyed: keyed) }
        }
    }

    /// The `lowercase-trim` rule on text.
    static func normalize(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The `lowercase-trim` rule on pure-ASCII bytes, written into `output` (as large as
    /// `bytes`); the length written, or `nil` when a byte is not ASCII.
    private static func asciiLowerTrim(
        _ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>
    ) -> Int? {
        var start = 0
        var end = bytes.count
        for byte in bytes where byte >= 0x80 { _ = byte; return nil }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        for index in start..<end {
            let byte = bytes[index]
            output[index - start] = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
        }
        return end - start
    }

    /// The `lowercase-trim` rule on pure-ASCII bytes; `nil` when a byte is not ASCII.
    private static func asciiLowerTrim(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var length: Int?
        let result = [UInt8](unsafeUninitializedCapacity: bytes.count) { output, written in
            length = asciiLowerTrim(bytes, into: output)
            written = length ?? 0
        }
        return length == nil ? nil : result
    }
}
