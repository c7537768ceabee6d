import Foundation
import Lethe
import LetheCore

/// A record's evidence bundle as one download: a `.tar.gz` or a `.zip` holding the files that
/// `lethe certificate export` writes, under a directory named after the record's serial.
///
/// The files are already signed or hashed, so they are stored, not compressed: the gzip stream
/// uses deflate's stored blocks and the zip entries method 0 — what every `tar xzf` and `unzip`
/// reads. The archive is written as it is made, a few megabytes at a time, from the bundle's
/// entries: a year's report bundle (a 600 MB record.json and a 350 MB page) is never held.
enum BundleArchive {
    /// The archive formats a client may ask for.
    enum Format: String, CaseIterable {
        case tarGz = "tar.gz"
        case zip

        var contentType: String { self == .zip ? "application/zip" : "application/gzip" }
    }

    /// The bytes handed on at a time, at least (the last piece may be shorter).
    static let chunkBytes = 4 << 20

    /// Writes the archive of `entries` (in the order given) under `directory/` to `send`, in
    /// pieces of at least `chunkBytes`.
    ///
    /// A zip states each entry's CRC-32 before its bytes, so each entry is read twice: once for
    /// its CRC, then to be written (both reads checked, for a bundle's spooled files).
    static func write(
        _ format: Format, directory: String, entries: [RecordBundle.Entry], chunkBytes: Int = BundleArchive.chunkBytes,
        to send: ([UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        // Refused before the first byte, as an error response rather than a download cut short.
        switch format {
        case .tarGz:
            guard entries.allSatisfy({ $0.count < 1 << 33 }) else {
                throw LetheError(.invalidInput, "a file of the bundle is too large for a tar header (8 GiB)")
            }
        case .zip:
            let size = entries.reduce(22) { $0 + 30 + 46 + 2 * "\(directory)/\($1.name)".utf8.count + $1.count }
            guard size < Int(UInt32.max) else {
                throw LetheError(.invalidInput, "the bundle is too large for a zip file (4 GiB); ask for tar.gz")
            }
        }
        var buffer: [UInt8] = []
        var total = 0
        func emit(_ bytes: [UInt8]) throws(LetheError) {
            buffer += bytes
            total += bytes.count
            guard buffer.count >= chunkBytes else { return }
            try send(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        switch format {
        case .tarGz:
            var gzip = StoredGzip()
            try emit(StoredGzip.header)
            for entry in entries {
                try gzip.add(try tarHeader(path: "\(directory)/\(entry.name)", count: entry.count), emit)
                try entry.write { (piece) throws(LetheError) in try gzip.add(piece, emit) }
                try gzip.add([UInt8](repeating: 0, count: (512 - entry.count % 512) % 512), emit)
            }
            try gzip.add([UInt8](repeating: 0, count: 1024), emit)
            try gzip.finish(emit)
        case .zip:
            var central: [UInt8] = []
            let date = le16(0x21)  // 1980-01-01: the archive says nothing about when it was made
            for entry in entries {
                let path = Array("\(directory)/\(entry.name)".utf8)
                var crc = CRC32()
                try entry.write { (piece) throws(LetheError) in crc.update(piece) }
                let common =
                    le16(20) + le16(0) + le16(0) + le16(0) + date + le32(crc.value)
                    + le32(UInt32(entry.count)) + le32(UInt32(entry.count)) + le16(path.count) + le16(0)
                central +=
                    le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0)
                    + le32(UInt32(total)) + path
                try emit(le32(0x0403_4b50) + common + path)
                try entry.write { (piece) throws(LetheError) in try emit(piece) }
            }
            let centralOffset = total
            try emit(central)
            try emit(
                le32(0x0605_4b50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
                    + le32(UInt32(central.count)) + le32(UInt32(centralOffset)) + le16(0))
        }
        if !buffer.isEmpty { try send(buffer) }
    }

    /// A POSIX ustar header of the file `path` of `count` bytes (its content follows, padded to
    /// 512 bytes; two zero blocks end the archive).
    static func tarHeader(path: String, count: Int) throws(LetheError) -> [UInt8] {
        guard path.utf8.count <= 100 else { throw LetheError(.internal, "\(path) is too long for a tar header") }
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            put(
                String(repeating: "0", count: width - 1 - String(value, radix: 8).count) + String(value, radix: 8),
                at: offset, width: width - 1)
        }
        put(path, at: 0, width: 100)
        octal(0o644, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(count, at: 124, width: 12)
        octal(0, at: 136, width: 12)
        put("        ", at: 148, width: 8)
        header[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        let checksum = header.reduce(0) { $0 + Int($1) }
        octal(checksum, at: 148, width: 7)
        header[155] = UInt8(ascii: " ")
        return header
    }

    /// RFC 1952 gzip of deflate stored blocks (RFC 1951 §3.2.4), made as its input comes: full
    /// blocks as they fill, the rest and an empty final block at the end, then the CRC-32 and
    /// size of the input.
    struct StoredGzip {
        static let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
        static let blockBytes = 65_535
        private var crc = CRC32()
        private var count: UInt32 = 0
        private var pending: [UInt8] = []

        /// Takes `bytes`, handing each full block to `emit`.
        mutating func add(_ bytes: [UInt8], _ emit: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) {
            crc.update(bytes)
            count &+= UInt32(truncatingIfNeeded: bytes.count)
            pending += bytes
            var start = 0
            while pending.count - start >= Self.blockBytes {
                try emit(Self.block(pending[start..<(start + Self.blockBytes)], final: false))
                start += Self.blockBytes
            }
            pending.removeFirst(start)
        }

        /// Hands the last blocks and the trailer to `emit`.
        mutating func finish(_ emit: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) {
            if !pending.isEmpty { try emit(Self.block(pending[...], final: false)) }
            pending = []
            try emit(Self.block([], final: true) + le32(crc.value) + le32(count))
        }

        private static func block(_ bytes: ArraySlice<UInt8>, final: Bool) -> [UInt8] {
            [final ? 1 : 0] + le16(bytes.count) + le16(~bytes.count & 0xffff) + bytes
        }
    }

    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xff), UInt8((value >> 8) & 0xff)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) } }

    /// CRC-32 (IEEE 802.3), as gzip and zip use it, eight bytes at a time (a year's bundle is
    /// nearly a gigabyte).
    struct CRC32 {
        private var state: UInt32 = 0xffff_ffff

        /// The CRC of the bytes given so far.
        var value: UInt32 { state ^ 0xffff_ffff }

        /// Eight tables of 256: the first the byte-wise table, each next one a byte further.
        private static let tables: [UInt32] = {
            var tables = [UInt32](repeating: 0, count: 8 * 256)
            for index in 0..<256 {
                var c = UInt32(index)
                for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
                tables[index] = c
            }
            for table in 1..<8 {
                for index in 0..<256 {
                    let previous = tables[(table - 1) * 256 + index]
                    tables[table * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xff)]
                }
            }
            return tables
        }()

        mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            var c = state
            var index = 0
            Self.tables.withUnsafeBufferPointer { t in
                while bytes.count - index >= 8 {
                    let low = bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian ^ c
                    let high = bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
                    c =
                        t[7 * 256 + Int(low & 0xff)] ^ t[6 * 256 + Int((low >> 8) & 0xff)]
                        ^ t[5 * 256 + Int((low >> 16) & 0xff)] ^ t[4 * 256 + Int(low >> 24)]
                        ^ t[3 * 256 + Int(high & 0xff)] ^ t[2 * 256 + Int((high >> 8) & 0xff)]
                        ^ t[256 + Int((high >> 16) & 0xff)] ^ t[Int(high >> 24)]
                    index += 8
                }
                while index < bytes.count {
                    c = t[Int((c ^ UInt32(bytes[index])) & 0xff)] ^ (c >> 8)
                    index += 1
                }
            }
            state = c
        }
    }
}
