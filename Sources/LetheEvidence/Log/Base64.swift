import Foundation
import LetheCore

/// Strict standard base64: only the canonical encoding of some bytes is accepted, so that two
/// different texts never stand for the same hash or signature.
public enum StrictBase64 {
    /// The canonical encoding.
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// The bytes of a canonical encoding, or nil.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard let data = Data(base64Encoded: String(text)) else { return nil }
        let bytes = [UInt8](data)
        return encode(bytes) == text ? bytes : nil
    }
}
