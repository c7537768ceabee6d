import Crypto
import Foundation
import LetheCore

/// The bytes a pass writes at any offset, so that a resumed run and a read-back regenerate exactly
/// what was written.
///
/// The random stream is AES-256 in counter mode: the key of pass `p` is
/// HMAC-SHA-256(seed, "lethe overwrite pass p"); the stream is cut into 1 MiB chunks, and chunk `k`
/// is the AES-GCM encryption of 1 MiB of zero bytes under nonce = k (8 bytes, big-endian) ‖ p
/// (4 bytes, big-endian), which is the AES-CTR keystream from counter block nonce ‖ 2 (the
/// authentication tag is discarded). Any chunk can be computed on its own.
public struct PatternStream: Sendable {
    /// The size of one independently computable chunk of the random stream.
    public static let chunkSize = 1 << 20

    /// The pattern.
    public let pattern: OverwritePattern
    private let keyBytes: [UInt8]?
    private let pass: UInt32
    private static let zeros = [UInt8](repeating: 0, count: chunkSize)

    /// The stream of `pattern` for pass `pass` (counted from 1) under `seed` (used by `random` only).
    public init(pattern: OverwritePattern, seed: [UInt8], pass: Int) {
        self.pattern = pattern
        self.pass = UInt32(truncatingIfNeeded: pass)
        if pattern == .random {
            let label = Array("lethe overwrite pass \(pass)".utf8)
            let mac = HMAC<SHA256>.authenticationCode(for: label, using: SymmetricKey(data: seed))
            keyBytes = Array(mac)
        } else {
            keyBytes = nil
        }
    }

    /// Fills `buffer` with the stream's bytes from `offset` on.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) {
        guard !buffer.isEmpty else { return }
        if let constant = pattern.constant {
            buffer.initializeMemory(as: UInt8.self, repeating: constant)
            return
        }
        var done = 0
        while done < buffer.count {
            let position = offset + Int64(done)
            let chunk = position / Int64(Self.chunkSize)
            let within = Int(position % Int64(Self.chunkSize))
            let count = min(Self.chunkSize - within, buffer.count - done)
            let bytes = keystream(chunk: chunk)
            bytes.withUnsafeBytes { source in
                (buffer.baseAddress! + done).copyMemory(from: source.baseAddress! + within, byteCount: count)
            }
            done += count
        }
    }

    /// The keystream chunk `chunk` of the random stream.
    func keystream(chunk: Int64) -> Data {
        var nonceBytes = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { nonceBytes[index] = UInt8(truncatingIfNeeded: UInt64(chunk) >> (56 - 8 * index)) }
        for index in 0..<4 { nonceBytes[8 + index] = UInt8(truncatingIfNeeded: pass >> (24 - 8 * index)) }
        // swift-format-ignore: NeverForceUnwrap
        let nonce = try! AES.GCM.Nonce(data: nonceBytes)  // 12 bytes is always a valid nonce
        // Cannot fail for 1 MiB under a 32-byte key.
        // swift-format-ignore: NeverForceUnwrap
        return try! AES.GCM.seal(Self.zeros, using: SymmetricKey(data: keyBytes!), nonce: nonce).ciphertext
    }

    /// A fresh random seed of 32 bytes from the system's CSPRNG.
    public static func newSeed() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
