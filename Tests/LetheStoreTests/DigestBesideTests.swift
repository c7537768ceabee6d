import Crypto
import Foundation
import LetheCore
import Testing

@testable import LetheStore

/// A SHA-256 made on a thread of its own from pieces handed in: the same digest as one made in
/// line, whatever the pieces' sizes, and an end without a digest when the pass is abandoned.
@Suite struct DigestBesideTests {
    /// `count` bytes that differ from piece to piece (a pattern of 251 bytes, repeated).
    static func bytes(_ count: Int) -> [UInt8] {
        let pattern = (0..<251).map { UInt8($0) }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var offset = 0
            while offset < count {
                let length = min(pattern.count, count - offset)
                pattern.withUnsafeBufferPointer { source in
                    (buffer.baseAddress! + offset).update(from: source.baseAddress!, count: length)
                }
                offset += length
            }
            initialized = count
        }
    }

    @Test func theDigestIsThatOfEveryPieceInOrder() {
        // Given bytes handed in as pieces of every size: empty, small, one buffer's, several buffers'
        let bytes = Self.bytes((7 << 20) + 4321)
        let cuts = [0, 0, 17, 1 << 20, (1 << 20) + 1, 5 << 20, (5 << 20) + 3, bytes.count]
        let digest = DigestBeside(buffers: 2, size: 1 << 20)
        bytes.withUnsafeBytes { all in
            for (from, to) in zip(cuts, cuts.dropFirst()) {
                digest.add(UnsafeRawBufferPointer(rebasing: all[from..<to]))
            }
        }
        // Then it is the digest of the whole
        #expect(digest.finish() == Array(SHA256.hash(data: bytes)))
    }

    @Test func aStoppedDigestEndsItsThreadWithoutOne() {
        let digest = DigestBeside(buffers: 1, size: 16)
        Array(repeating: UInt8(7), count: 100).withUnsafeBytes { digest.add($0) }
        digest.stop()
    }

    @Test func aLargeSplicedReadChecksItsDigestOnTheThreadBeside() throws {
        // Given 9 MB spooled (past the size hashed beside), read with its digest and with another
        let root = NSTemporaryDirectory() + "digest-beside-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bytes = Self.bytes(9 << 20)
        let spliced = try SplicedBytes(spooling: bytes, in: root)
        var read: [UInt8] = []
        try spliced.forEachPiece { (piece) throws(LetheError) in read.append(contentsOf: piece) }
        #expect(read == bytes)
        var wrong = Array(SHA256.hash(data: bytes))
        wrong[5] ^= 0x10
        #expect(throws: LetheError.self) {
            try spliced.checking(sha256: wrong).forEachPiece { (_) throws(LetheError) in }
        }
        // And a pass abandoned midway ends with its error, not the digest's
        #expect {
            try spliced.forEachPiece { (_) throws(LetheError) in throw LetheError(.io, "disk full") }
        } throws: { ($0 as? LetheError)?.message == "disk full" }
    }
}
