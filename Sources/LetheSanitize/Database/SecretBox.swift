import Crypto
import Foundation
import LetheCore

/// Seals secrets held in Lethe's database (connection strings with passwords, backup data keys)
/// with AES-256-GCM under the installation key; the associated data binds each sealed value to
/// what it belongs to (for connection strings: the store name), so a sealed value copied to
/// another store fails to open.
///
/// Sealed form: nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes); persist those bytes as they are.
///
/// ```swift
/// let box = try SecretBox(key: installationKey)                       // 32 bytes
/// let sealed = try box.seal(connection.revealed, associatedData: store.name)
/// let connection = try box.open(sealed, associatedData: store.name)
/// ```
public struct SecretBox: Sendable {
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// Creates a box from a 32-byte installation key.
    ///
    /// - Throws: `invalidInput` when the key is not 32 bytes.
    public init(key: [UInt8]) throws(LetheError) {
        guard key.count == 32 else {
            throw LetheError(.invalidInput, "the installation key has \(key.count) bytes; it must have 32")
        }
        keyBytes = key
    }

    /// A fresh random 32-byte installation key.
    public static func generateKey() -> [UInt8] { SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) } }

    /// Seals text; a fresh random nonce each time.
    public func seal(_ secret: String, associatedData: String) throws(LetheError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(Data(secret.utf8), using: key, authenticating: Data(associatedData.utf8))
            guard let combined = box.combined else { throw LetheError(.internal, "AES-GCM gave no combined form") }
            return Array(combined)
        } catch let error as LetheError {
            throw error
        } catch {
            throw LetheError(.internal, "could not seal a secret for '\(associatedData)': \(error)")
        }
    }

    /// Opens what ``seal(_:associatedData:)`` produced with the same associated data.
    ///
    /// - Throws: `invalidInput` when the value was sealed under another key or for another name,
    ///   or was modified.
    public func open(_ sealed: [UInt8], associatedData: String) throws(LetheError) -> SecretText {
        do {
            let box = try AES.GCM.SealedBox(combined: Data(sealed))
            let plain = try AES.GCM.open(box, using: key, authenticating: Data(associatedData.utf8))
            return SecretText(String(decoding: plain, as: UTF8.self))
        } catch {
            throw LetheError(
                .invalidInput,
                "the sealed secret for '\(associatedData)' does not open: it was sealed under another installation key or for another store, or it was modified; enter the secret again"
            )
        }
    }
}
