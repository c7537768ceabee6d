import Crypto
import LetheCore

/// RFC 6962 / RFC 9162 hashing with SHA-256 from swift-crypto.
public struct SHA256LogHasher: LogHasher {
    /// The hasher.
    public init() {}

    private static let leafPrefix: [UInt8] = [0x00]
    private static let nodePrefix: [UInt8] = [0x01]

    public func leafHash(_ entry: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Self.leafPrefix)
        hasher.update(data: entry)
        return Array(hasher.finalize())
    }

    public func leafHash(bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Self.leafPrefix)
        hasher.update(bufferPointer: bytes)
        return Array(hasher.finalize())
    }

    public func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Self.nodePrefix)
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    public var emptyRoot: [UInt8] { Array(SHA256.hash(data: [UInt8]())) }
}
