import Crypto
import LetheCore

/// A backup's 256-bit data key. Lethe holds it (sealed with ``SecretBox`` under the installation
/// key) so that deleting it crypto-shreds every copy of the backup at once.
public struct BackupKey: Sendable, Hashable {
    /// The 32 key bytes; persist them only sealed.
    public let bytes: [UInt8]

    /// A fresh random key.
    public static func generate() -> BackupKey {
        BackupKey(checked: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// A key from its 32 bytes.
    ///
    /// - Throws: `invalidInput` when there are not 32 bytes.
    public init(bytes: [UInt8]) throws(LetheError) {
        guard bytes.count == 32 else {
            throw LetheError(.invalidInput, "a backup key has 32 bytes, not \(bytes.count)")
        }
        self.bytes = bytes
    }

    private init(checked bytes: [UInt8]) { self.bytes = bytes }

    var symmetricKey: SymmetricKey { SymmetricKey(data: bytes) }
}
