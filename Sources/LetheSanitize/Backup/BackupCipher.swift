import Crypto
import Foundation
import LetheCore

/// Streaming AES-256-GCM encryption of backup files under a per-backup ``BackupKey``, in fixed
/// chunks so memory stays flat on files of any size.
///
/// File format (version 1), all integers big-endian:
///
/// | bytes | field |
/// | --- | --- |
/// | 8 | magic `LETHEBAK` |
/// | 1 | version, 1 |
/// | 3 | reserved, zero |
/// | 4 | chunk size in bytes (plaintext per chunk; 4 KiB to 64 MiB) |
/// | 8 | random nonce prefix, new for each file |
/// | … | chunks: ciphertext (chunk size bytes; the last one shorter, possibly empty) ‖ 16-byte tag |
///
/// Chunk *i* is sealed with nonce = prefix ‖ *i* (4 bytes) and associated data = the 24-byte
/// header ‖ *i* (8 bytes) ‖ final flag (1 byte, 1 on the last chunk only). A plaintext whose length
/// is a multiple of the chunk size ends with an empty final chunk. So a changed, reordered,
/// dropped or appended chunk, a truncated file, a changed header or a wrong key all fail to open.
///
/// ```swift
/// let key = BackupKey.generate()                 // persist sealed; delete it to crypto-shred
/// try BackupCipher.encrypt(input: "crm.sqlite.bak", output: "crm.sqlite.bak.lethe", key: key)
/// try BackupCipher.decrypt(input: "crm.sqlite.bak.lethe", output: "restored.sqlite", key: key)
/// ```
///
/// Output is written to `output + ".partial"` (mode 0600) and renamed into place only on success.
public enum BackupCipher {
    /// The default plaintext chunk size: 1 MiB.
    public static let defaultChunkSize = 1 << 20
    static let magic = Array("LETHEBAK".utf8)
    static let headerSize = 24
    static let tagSize = 16

    /// What an encryption or decryption processed.
    public struct Summary: Sendable, Hashable {
        /// Plaintext bytes.
        public var plaintextBytes: Int64
        /// Chunks written or read, the final (possibly empty) one included.
        public var chunks: Int
    }

    /// Encrypts `input` to `output` under `key`.
    ///
    /// - Throws: `io` when a file cannot be read or written; `usage` for a chunk size out of range.
    @discardableResult
    public static func encrypt(
        input: String, output: String, key: BackupKey, chunkSize: Int = defaultChunkSize
    ) throws(LetheError) -> Summary {
        guard (4096...(64 << 20)).contains(chunkSize) else {
            throw LetheError(.usage, "chunk size \(chunkSize) is out of range; use 4 KiB to 64 MiB")
        }
        var header = magic + [1, 0, 0, 0]
        header += withUnsafeBytes(of: UInt32(chunkSize).bigEndian) { Array($0) }
        let prefix = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0.prefix(8)) }
        header += prefix
        let reader = try FileStream(reading: input)
        let writer = try FileStream(writing: output + ".partial")
        var finished = false
        defer {
            if !finished { unlink(output + ".partial") }
        }
        try writer.write(header, path: output)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var index: UInt64 = 0
        var total: Int64 = 0
        let symmetricKey = key.symmetricKey
        while true {
            guard index < UInt64(UInt32.max) else {
                throw LetheError(.usage, "\(input) is too large for chunk size \(chunkSize); use a larger chunk size")
            }
            let count = try reader.readFull(into: buffer, path: input)
            let final = count < chunkSize
            do {
                let box = try AES.GCM.seal(
                    UnsafeRawBufferPointer(rebasing: buffer[0..<count]), using: symmetricKey,
                    nonce: nonce(prefix, index), authenticating: associatedData(header, index, final))
                try writer.write(box.ciphertext, path: output)
                try writer.write(box.tag, path: output)
            } catch let error as LetheError {
                throw error
            } catch {
                throw LetheError(.internal, "sealing chunk \(index) of \(input) failed: \(error)")
            }
            total += Int64(count)
            index += 1
            if final { break }
        }
        try writer.finish(path: output)
        try rename(output + ".partial", to: output)
        finished = true
        return Summary(plaintextBytes: total, chunks: Int(index))
    }

    /// Decrypts `input` (a regular file written by ``encrypt(input:output:key:chunkSize:)``) to `output`.
    ///
    /// - Throws: `invalidInput` naming the file and chunk when the header is not Lethe's, the key is
    ///   wrong or the file was modified or truncated (nothing is left at `output` then); `io` when a
    ///   file cannot be read or written.
    @discardableResult
    public static func decrypt(input: String, output: String, key: BackupKey) throws(LetheError) -> Summary {
        let reader = try FileStream(reading: input)
        let size = try reader.size(path: input)
        let headerBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: headerSize, alignment: 16)
        defer { headerBuffer.deallocate() }
        guard try reader.readFull(into: headerBuffer, path: input) == headerSize,
            Array(headerBuffer[0..<8]) == magic
        else {
            throw LetheError(.invalidInput, "\(input) is not a Lethe encrypted backup (no LETHEBAK header)")
        }
        let header = Array(headerBuffer)
        guard header[8] == 1, header[9] == 0, header[10] == 0, header[11] == 0 else {
            throw LetheError(
                .incompatible,
                "\(input) is an encrypted backup of format version \(header[8]); this Lethe reads version 1")
        }
        let chunkSize = Int(header[12]) << 24 | Int(header[13]) << 16 | Int(header[14]) << 8 | Int(header[15])
        guard (4096...(64 << 20)).contains(chunkSize) else {
            throw LetheError(
                .invalidInput, "\(input): the header's chunk size \(chunkSize) is invalid; the file was modified")
        }
        let prefix = Array(header[16..<24])
        let record = chunkSize + tagSize
        let body = size - Int64(headerSize)
        guard body >= Int64(tagSize) else {
            throw LetheError(
                .invalidInput, "\(input) is truncated: it holds no complete chunk; restore from another copy")
        }
        let chunks = Int((body + Int64(record) - 1) / Int64(record))
        let lastRecord = Int(body - Int64(chunks - 1) * Int64(record))
        guard lastRecord >= tagSize else {
            throw LetheError(
                .invalidInput, "\(input) is truncated inside chunk \(chunks - 1); restore from another copy")
        }
        let writer = try FileStream(writing: output + ".partial")
        var finished = false
        defer {
            if !finished { unlink(output + ".partial") }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: record, alignment: 16)
        defer { buffer.deallocate() }
        let symmetricKey = key.symmetricKey
        var total: Int64 = 0
        for index in 0..<chunks {
            let final = index == chunks - 1
            let expected = final ? lastRecord : record
            let count = try reader.readFull(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<expected]), path: input)
            guard count == expected else {
                throw LetheError(.invalidInput, "\(input) changed while it was read (chunk \(index)); try again")
            }
            do {
                let box = try AES.GCM.SealedBox(
                    nonce: nonce(prefix, UInt64(index)),
                    ciphertext: UnsafeRawBufferPointer(rebasing: buffer[0..<(count - tagSize)]),
                    tag: UnsafeRawBufferPointer(rebasing: buffer[(count - tagSize)..<count]))
                let plain = try AES.GCM.open(
                    box, using: symmetricKey, authenticating: associatedData(header, UInt64(index), final))
                try writer.write(plain, path: output)
                total += Int64(plain.count)
            } catch let error as LetheError {
                throw error
            } catch {
                throw LetheError(
                    .invalidInput,
                    "\(input): chunk \(index) of \(chunks) failed authentication — the key is not this backup's, or the file was modified, reordered or truncated; nothing was restored"
                )
            }
        }
        try writer.finish(path: output)
        try rename(output + ".partial", to: output)
        finished = true
        return Summary(plaintextBytes: total, chunks: chunks)
    }

    static func nonce(_ prefix: [UInt8], _ index: UInt64) throws -> AES.GCM.Nonce {
        try AES.GCM.Nonce(data: prefix + withUnsafeBytes(of: UInt32(truncatingIfNeeded: index).bigEndian) { Array($0) })
    }

    static func associatedData(_ header: [UInt8], _ index: UInt64, _ final: Bool) -> [UInt8] {
        header + withUnsafeBytes(of: index.bigEndian) { Array($0) } + [final ? 1 : 0]
    }

    static func rename(_ from: String, to: String) throws(LetheError) {
        guard Foundation.rename(from, to) == 0 else {
            throw LetheError(.io, "cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }
}
