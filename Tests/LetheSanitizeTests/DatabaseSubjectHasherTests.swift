import Crypto
import LetheCore
import Testing

@testable import LetheSanitize

@Suite struct DatabaseSubjectHasherTests {
    let hasher = try! SubjectHasher(secret: [UInt8](repeating: 1, count: 32))

    @Test func sameIdentifierAndSecretGiveTheSameHash() throws {
        let first = hasher.hash("ada@example.com", normalization: .exact)
        let second = try SubjectHasher(secret: [UInt8](repeating: 1, count: 32)).hash(
            "ada@example.com", normalization: .exact)
        #expect(first == second)
        #expect(first.hex.count == 64)
        #expect(SubjectHash(hex: first.hex) == first)
        #expect(SubjectHash(hex: first.hex.uppercased()) == first)
        #expect(SubjectHash(hex: "xyz") == nil)
    }

    @Test func differentSecretsGiveDifferentHashes() throws {
        let other = try SubjectHasher(secret: [UInt8](repeating: 2, count: 32))
        #expect(
            hasher.hash("ada@example.com", normalization: .exact)
                != other.hash("ada@example.com", normalization: .exact))
    }

    @Test func matchesHMACSHA256OfTheNormalisedBytes() {
        // Computed independently: Python hmac.new(bytes([1] * 32), b"ada@example.com", hashlib.sha256).
        let expected = "cd0779a6ee2092a88db69b0d568dd6e9bb308884e58645aadbc55e5419d1e275"
        #expect(hasher.hash("ada@example.com", normalization: .exact).hex == expected)
        #expect(hasher.hash(" Ada@Example.com\t", normalization: .lowercaseTrim).hex == expected)
    }

    @Test func matchesSwiftCryptosHMACAtEveryLengthAroundTheBlockBoundaries() {
        // The keyed states are copied per value (BoringSSL's context on Linux): every message
        // length from empty to past two blocks, under a secret with every byte value different.
        let secret = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let keyed = try! SubjectHasher(secret: secret)
        let key = SymmetricKey(data: secret)
        for length in 0...150 {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ length) }
            let expected = HMAC<SHA256>.authenticationCode(for: message, using: key)
            let hash = message.withUnsafeBytes { bytes in
                SubjectHasher.hash(bytes: bytes, keyed: keyed.makeKeyed(), normalization: .exact)
            }
            #expect(hash.bytes == Array(expected), "length \(length)")
        }
        // An empty value may come with no buffer at all (a NULL pointer for BoringSSL).
        let empty = SubjectHasher.hmac(UnsafeRawBufferPointer(start: nil, count: 0), keyed: keyed.makeKeyed())
        #expect(empty.bytes == Array(HMAC<SHA256>.authenticationCode(for: [UInt8](), using: key)))
    }

    #if os(Linux)
        @Test func onLinuxTheHMACRunsOnBoringSSLsContext() {
            // swift-crypto is pinned; an update that moved its BoringSSL module would fall back to the
            // slower SHA256 path without a sound. This says so.
            #expect(SubjectHasher.usesBoringSSLContext)
        }
    #endif

    @Test func normalisationIsExplicit() {
        let exact = hasher.hash("  Ada@Example.COM\n", normalization: .exact)
        let folded = hasher.hash("  Ada@Example.COM\n", normalization: .lowercaseTrim)
        #expect(exact != folded)
        #expect(folded == hasher.hash("ada@example.com", normalization: .exact))
        // Non-ASCII takes the Unicode path with the same rule.
        #expect(
            hasher.hash(" ÉLODIE@Example.fr ", normalization: .lowercaseTrim)
                == hasher.hash("élodie@example.fr", normalization: .exact))
    }

    @Test func aSecretOfTheWrongLengthIsRefused() {
        #expect(throws: LetheError.self) { try SubjectHasher(secret: [1, 2, 3]) }
        #expect(SubjectHasher.generateSecret().count == 32)
        #expect(SubjectHasher.generateSecret() != SubjectHasher.generateSecret())
    }

    @Test func secretBoxOpensOnlyWithTheSameStoreName() throws {
        let box = try SecretBox(key: SecretBox.generateKey())
        let sealed = try box.seal("postgresql://lethe:pw@db/billing", associatedData: "billing")
        #expect(!String(decoding: sealed, as: UTF8.self).contains("pw@db"))
        #expect(try box.open(sealed, associatedData: "billing").revealed == "postgresql://lethe:pw@db/billing")
        #expect(throws: LetheError.self) { try box.open(sealed, associatedData: "crm") }
        let other = try SecretBox(key: SecretBox.generateKey())
        #expect(throws: LetheError.self) { try other.open(sealed, associatedData: "billing") }
    }
}
