import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheSanitize

@Suite struct BackupCipherTests {
    let directory = TemporaryDirectory("lethe-backup")
    let key = BackupKey.generate()

    private func randomBytes(_ count: Int) -> Data {
        var generator = SeededGenerator(seed: UInt64(count))
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    @Test(arguments: [0, 1, 4095, 4096, 8192, 10_000])
    func roundTrip(size: Int) throws {
        let plain = randomBytes(size)
        let input = directory.file("backup-\(size).bin")
        try plain.write(to: URL(fileURLWithPath: input))
        let sealed = directory.file("backup-\(size).lethe")
        let written = try BackupCipher.encrypt(input: input, output: sealed, key: key, chunkSize: 4096)
        #expect(written.plaintextBytes == Int64(size))
        #expect(written.chunks == size / 4096 + 1)
        let cipherSize = try FileManager.default.attributesOfItem(atPath: sealed)[.size] as? Int
        #expect(cipherSize == 24 + size + 16 * written.chunks)
        let restored = directory.file("restored-\(size).bin")
        let read = try BackupCipher.decrypt(input: sealed, output: restored, key: key)
        #expect(read == written)
        #expect(try Data(contentsOf: URL(fileURLWithPath: restored)) == plain)
        #expect(!FileManager.default.fileExists(atPath: restored + ".partial"))
    }

    /// Encrypts 3.5 chunks of random data and returns the sealed file's bytes.
    private func sealedFile() throws -> (path: String, bytes: Data) {
        let input = directory.file("plain.bin")
        try randomBytes(4096 * 3 + 2048).write(to: URL(fileURLWithPath: input))
        let sealed = directory.file("plain.lethe")
        try BackupCipher.encrypt(input: input, output: sealed, key: key, chunkSize: 4096)
        return (sealed, try Data(contentsOf: URL(fileURLWithPath: sealed)))
    }

    private func expectRefused(_ bytes: Data, _ text: String) throws {
        let path = directory.file("damaged.lethe")
        try bytes.write(to: URL(fileURLWithPath: path))
        let output = directory.file("damaged.out")
        let error = try #require(
            throws: LetheError.self, performing: { try BackupCipher.decrypt(input: path, output: output, key: key) })
        #expect(error.message.contains(text), "\(error.message)")
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
    }

    @Test func aTamperedChunkIsDetected() throws {
        var bytes = try sealedFile().bytes
        bytes[24 + 4112 + 100] ^= 0x01
        try expectRefused(bytes, "chunk 1 of 4 failed authentication")
    }

    @Test func truncationAtAChunkBoundaryIsDetected() throws {
        let bytes = try sealedFile().bytes
        try expectRefused(bytes.prefix(24 + 4112 * 3), "chunk 2 of 3 failed authentication")
        try expectRefused(bytes.prefix(24 + 10), "truncated")
    }

    @Test func reorderedChunksAreDetected() throws {
        let bytes = try sealedFile().bytes
        let header = bytes.prefix(24)
        let first = bytes[24..<(24 + 4112)]
        let second = bytes[(24 + 4112)..<(24 + 8224)]
        let rest = bytes[(24 + 8224)...]
        try expectRefused(header + second + first + rest, "chunk 0 of 4 failed authentication")
    }

    @Test func aWrongKeyOrAForeignFileFails() throws {
        let sealed = try sealedFile()
        let error = try #require(
            throws: LetheError.self,
            performing: {
                try BackupCipher.decrypt(input: sealed.path, output: directory.file("x"), key: BackupKey.generate())
            })
        #expect(error.message.contains("chunk 0 of 4 failed authentication"))
        try expectRefused(Data("not a backup at all, just text".utf8), "not a Lethe encrypted backup")
        #expect(throws: LetheError.self) { try BackupKey(bytes: [1, 2]) }
    }
}
