import Crypto
import Foundation
import LetheCore

/// The public half of the log's Ed25519 key, under its C2SP signed-note name.
public struct LogVerifierKey: Sendable, Hashable {
    /// The key's name: the log's origin.
    public let name: String
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// SPKI DER prefix of an Ed25519 public key (RFC 8410).
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// A key from its name and raw bytes.
    public init(name: String, publicKey: [UInt8]) throws(LetheError) {
        guard publicKey.count == 32 else { throw LetheError(.invalidInput, "an Ed25519 public key has 32 bytes") }
        try LogSigningKey.checkName(name)
        self.name = name
        self.publicKey = publicKey
    }

    /// The C2SP key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    public var keyID: [UInt8] {
        Array(SHA256.hash(data: Array(name.utf8) + [0x0A, 0x01] + publicKey).prefix(4))
    }

    /// The signed-note verifier key: `name+hex(key id)+base64(0x01 ‖ public key)`.
    public var verifierKey: String { "\(name)+\(Hex.encode(keyID))+\(StrictBase64.encode([0x01] + publicKey))" }

    /// The public key as PEM (SPKI), for `openssl pkeyutl -verify`.
    public var pem: String {
        let base64 = StrictBase64.encode(Self.spkiPrefix + publicKey)
        return "-----BEGIN PUBLIC KEY-----\n\(base64)\n-----END PUBLIC KEY-----\n"
    }

    /// The `log-key.pub` file of a bundle: the verifier key line, then the PEM (which openssl
    /// reads, skipping the line before it).
    public var publicFile: String { verifierKey + "\n" + pem }

    /// Reads a verifier key line (`name+id+key`), or a `log-key.pub` file that starts with one.
    public init(parsing text: String) throws(LetheError) {
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let parts = line.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let id = parts[1].count == 8 ? parts[1] : nil,
            let key = StrictBase64.decode(parts[2]), key.count == 33, key[0] == 0x01
        else {
            throw LetheError(
                .invalidInput, "not a log verifier key: expected 'name+keyid+base64' on the first line")
        }
        try self.init(name: String(parts[0]), publicKey: Array(key.dropFirst()))
        guard Hex.encode(keyID) == id else {
            throw LetheError(.invalidInput, "the log verifier key's id \(id) does not match its name and key")
        }
    }

    /// Reads a `log-key.pub` file: the verifier key line, then the PEM that `openssl pkeyutl -inkey`
    /// reads. Both must be the same key, or a check by Lethe and one by openssl could disagree;
    /// with `requirePEM` false (a key an auditor kept as the line alone) the PEM may be absent.
    public init(publicFile text: String, source: String, requirePEM: Bool = true) throws(LetheError) {
        try self.init(parsing: text)
        guard let begin = text.range(of: "-----BEGIN PUBLIC KEY-----") else {
            guard !requirePEM else {
                throw LetheError(
                    .invalidInput,
                    "\(source) has no PEM public key after its verifier key line (openssl needs it); export the bundle again"
                )
            }
            return
        }
        guard let end = text.range(of: "-----END PUBLIC KEY-----", range: begin.upperBound..<text.endIndex),
            let der = StrictBase64.decode(text[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }),
            der.count == Self.spkiPrefix.count + 32, Array(der.prefix(Self.spkiPrefix.count)) == Self.spkiPrefix
        else {
            throw LetheError(.invalidInput, "\(source): its PEM block is not an Ed25519 public key")
        }
        guard Array(der.suffix(32)) == publicKey else {
            throw LetheError(
                .invalidInput,
                "\(source): the PEM key (which openssl uses) is not the key of the verifier key line \(verifierKey); the file was altered"
            )
        }
    }

    /// Verifies an Ed25519 signature.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// The log's Ed25519 signing key, which signs checkpoints; kept in the data directory (0600).
public struct LogSigningKey: Sendable {
    /// The key's name: the log's origin, written on the first line of every checkpoint.
    public let name: String
    /// The 32-byte private seed (swift-crypto's key type is not `Sendable`).
    private let seed: [UInt8]
    private var key: Curve25519.Signing.PrivateKey {
        // The seed was checked when the value was made.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    /// A new random key for a log named `name`.
    public static func generate(name: String) throws(LetheError) -> LogSigningKey {
        try checkName(name)
        return LogSigningKey(name: name, key: Curve25519.Signing.PrivateKey())
    }

    private init(name: String, key: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.seed = Array(key.rawRepresentation)
    }

    /// Checks a key name: non-empty, no spaces and no `+` (C2SP signed-note).
    static func checkName(_ name: String) throws(LetheError) {
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "+" }) else {
            throw LetheError(.invalidInput, "log name '\(name)' must be non-empty, without spaces or '+'")
        }
    }

    /// The public half.
    public var verifier: LogVerifierKey {
        // The name was checked and the key is 32 bytes.
        try! LogVerifierKey(name: name, publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// The signed-note signer key text: `PRIVATE+KEY+name+hex(key id)+base64(0x01 ‖ seed)`.
    public var fileText: String {
        "PRIVATE+KEY+\(name)+\(Hex.encode(verifier.keyID))+\(StrictBase64.encode([0x01] + seed))\n"
    }

    /// Reads a signer key text written by ``fileText``.
    public init(parsing text: String) throws(LetheError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", let seed = StrictBase64.decode(parts[4]),
            seed.count == 33, seed[0] == 0x01,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed.dropFirst())
        else {
            throw LetheError(.invalidInput, "the log signing key file is not a signed-note Ed25519 signer key")
        }
        self.init(name: String(parts[2]), key: key)
        guard Hex.encode(verifier.keyID) == parts[3] else {
            throw LetheError(.invalidInput, "the log signing key file's key id does not match its key")
        }
    }

    /// Signs note text (which must end with a newline) and returns the signed note.
    public func sign(noteText: String) throws(LetheError) -> String {
        let signature: Data
        do {
            signature = try key.signature(for: Data(noteText.utf8))
        } catch {
            throw LetheError(.internal, "cannot sign the checkpoint: \(error)")
        }
        return noteText + "\n— \(name) \(StrictBase64.encode(verifier.keyID + Array(signature)))\n"
    }
}
