import Foundation

/// A record's evidence bundle as one download: a `.tar.gz` or a `.zip` holding the files that
/// `lethe certificate export` writes, under a directory named after the record's serial.
///
/// The files are small and already signed or hashed, so they are stored, not compressed: the
/// gzip stream uses deflate's stored blocks and the zip entries method 0 — what every `tar xzf`
/// and `unzip` reads.
enum BundleArchive {
    /// The archive formats a client may ask for.
    enum Format: String, CaseIterable {
        case tarGz = "tar.gz"
        case zip

        var contentType: String { self == .zip ? "application/zip" : "application/gzip" }
    }

    /// The archive of `files` (name → bytes, in name order) under `directory/`.
    static func make(_ format: Format, directory: String, files: [(String, [UInt8])]) -> [UInt8] {
        switch format {
        case .tarGz: gzip(tar(directory: directory, files: files))
        case .zip: zip(directory: directory, files: files)
        }
    }

    /// POSIX ustar: a 512-byte header per file, the content padded to 512, two zero blocks.
    static func tar(directory: String, files: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, bytes) in files {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int, width: Int) {
                for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
            }
            func octal(_ value: Int, at offset: Int, width: Int) {
                put(
                    String(repeating: "0", count: width - 1 - String(value, radix: 8).count) + String(value, radix: 8),
                    at: offset, width: width - 1)
            }
            put("\(directory)/\(name)", at: 0, width: 100)
            octal(0o644, at: 100, width: 8)
            octal(0, at: 108, width: 8)
            octal(0, at: 116, width: 8)
            octal(bytes.count, at: 124, width: 12)
            octal(0, at: 136, width: 12)
            put("        ", at: 148, width: 8)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257, width: 6)
            put("00", at: 263, width: 2)
            let checksum = header.reduce(0) { $0 + Int($1) }
            octal(checksum, at: 148, width: 7)
            header[155] = UInt8(ascii: " ")
            out += header
            out += bytes
            out += [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
        }
        out += [UInt8](repeating: 0, count: 1024)
        return out
    }

    /// RFC 1952 gzip of deflate stored blocks (RFC 1951 §3.2.4).
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
        var offset = 0
        repeat {
            let count = min(65_535, bytes.count - offset)
            let final = offset + count == bytes.count
            out.append(final ? 1 : 0)
            out += le16(count) + le16(~count & 0xffff)
            out += bytes[offset..<(offset + count)]
            offset += count
        } while offset < bytes.count
        out += le32(crc32(bytes)) + le32(UInt32(truncatingIfNeeded: bytes.count))
        return out
    }

    /// A zip of stored entries with their central directory.
    static func zip(directory: String, files: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        let date = le16(0x21)  // 1980-01-01: the archive says nothing about when it was made
        for (name, bytes) in files {
            let path = Array("\(directory)/\(name)".utf8)
            let crc = crc32(bytes)
            let offset = out.count
            let common =
                le16(20) + le16(0) + le16(0) + le16(0) + date + le32(crc)
                + le32(UInt32(bytes.count)) + le32(UInt32(bytes.count)) + le16(path.count) + le16(0)
            out += le32(0x0403_4b50) + common + path + bytes
            central +=
                le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0)
                + le32(UInt32(offset)) + path
        }
        let centralOffset = out.count
        out += central
        out +=
            le32(0x0605_4b50) + le16(0) + le16(0) + le16(files.count) + le16(files.count)
            + le32(UInt32(central.count)) + le32(UInt32(centralOffset)) + le16(0)
        return out
    }

    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xff), UInt8((value >> 8) & 0xff)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) } }

    static let crcTable: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE 802.3), as gzip and zip use it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xffff_ffff
    }
}
