import Crypto
import Foundation
import LetheCore
import _CryptoExtras

/// API tokens and passwords: how they are made, stored and checked.
///
/// A token is `lethe_<id>_<secret>`: the number finds the row, the 256-bit secret proves it. Only
/// SHA-256 of the secret is stored (the secret is random, so a fast hash suffices), compared in
/// constant time. A password is stored as its scrypt hash (N = 2^15, r = 8, p = 1: 32 MiB and
/// about a tenth of a second per check, which makes guessing costly), also compared in constant time.
enum Credentials {
    /// The prefix every token starts with (so that a leaked one is easy to recognise and scan for).
    static let tokenPrefix = "lethe_"

    /// A new random secret and the SHA-256 to store for it.
    static func newSecret() -> (secret: [UInt8], hash: [UInt8]) {
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return (secret, Array(SHA256.hash(data: secret)))
    }

    /// The token text handed to the user, once: the row's number and the secret.
    static func tokenText(id: Int64, secret: [UInt8]) -> String { "\(tokenPrefix)\(id)_\(Base64URL.encode(secret))" }

    /// The number and the secret's hash of a presented token, or nil when it is not one.
    static func parse(token text: String) -> (id: Int64, secretHash: [UInt8])? {
        guard text.hasPrefix(tokenPrefix) else { return nil }
        let parts = text.dropFirst(tokenPrefix.count).split(
            separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        // Only the canonical encoding is accepted (Base64URL.decode is strict): the last character of
        // 32 bytes in base64url carries two unused bits, and a lenient decoder would take four
        // spellings of one token.
        guard parts.count == 2, let id = Int64(parts[0]), id > 0, let secret = Base64URL.decode(String(parts[1])),
            secret.count == 32
        else { return nil }
        return (id, Array(SHA256.hash(data: secret)))
    }

    /// The scrypt parameters for new passwords.
    static let scryptN = 1 << 15
    static let scryptR = 8
    static let scryptP = 1

    /// The stored form of a password: `scrypt$N$r$p$salt$hash`, salt and hash in base64url.
    static func hashPassword(_ password: String) throws(LetheError) -> String {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        let hash = try scrypt(password, salt: salt, n: scryptN, r: scryptR, p: scryptP)
        return "scrypt$\(scryptN)$\(scryptR)$\(scryptP)$\(Base64URL.encode(salt))$\(Base64URL.encode(hash))"
    }

    /// Whether `password` matches a stored hash (constant time in the hash comparison).
    static func verifyPassword(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]),
            let p = Int(parts[3]), let salt = Base64URL.decode(String(parts[4])),
            let expected = Base64URL.decode(String(parts[5])), n <= 1 << 20, r <= 32, p <= 16
        else { return false }
        guard let actual = try? scrypt(password, salt: salt, n: n, r: r, p: p) else { return false }
        return constantTimeEqual(actual, expected)
    }

    /// Checks a new password: at least 12 characters, at most 1,024.
    static func checkNewPassword(_ password: String) throws(LetheError) {
        guard password.count >= 12, password.utf8.count <= 1024 else {
            throw LetheError(
                .invalidInput, "a password must be 12 to 1,024 characters long (a passphrase of several words is best)")
        }
    }

    /// Whether two byte strings are equal, in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private static func scrypt(_ password: String, salt: [UInt8], n: Int, r: Int, p: Int) throws(LetheError) -> [UInt8]
    {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r, parallelism: p,
                maxMemory: 128 * r * n * p + (1 << 20))
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw LetheError(.internal, "cannot hash the password with scrypt: \(error)")
        }
    }
}

/// Base64 with the URL alphabet and no padding (RFC 4648 §5): tokens travel in headers and URLs.
///
/// Decoding is strict: only the canonical spelling is accepted (the unused low bits of the last
/// character must be zero), so one secret has one text.
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            if remaining > 1 { out.append(alphabet[Int(group >> 6 & 63)]) }
            if remaining > 2 { out.append(alphabet[Int(group & 63)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        // A single character left over carries only 6 bits: never a whole byte.
        guard characters.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in characters {
            let value = values[Int(character)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Bits left over must be zero: otherwise several texts would decode to the same bytes.
        guard accumulator == 0 else { return nil }
        return out
    }
}
