import Foundation

/// A value that is written as a fixed lowercase word in files, flags and records.
public protocol LetheVocabulary: RawRepresentable, CaseIterable, Sendable, Hashable, Codable
where RawValue == String {
    /// The field name used in error messages ("media type", "classification").
    static var fieldName: String { get }
}

extension LetheVocabulary {
    /// The accepted words, in declaration order, for error messages and help.
    public static var vocabulary: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Parses a word, ignoring case and surrounding space; the error names the field, the value and
    /// the accepted words.
    public static func parse(_ text: String, field: String? = nil) throws(LetheError) -> Self {
        if let value = Self(rawValue: text) { return value }  // the common case, without allocating
        let word = text.trimmed.lowercased()
        if let value = Self(rawValue: word) { return value }
        throw LetheError(
            .invalidInput,
            "\(field ?? fieldName) \(Quoted(text)) is not known; use one of: \(vocabulary)"
        )
    }
}

/// The kind of device or medium an asset is.
public enum MediaType: String, LetheVocabulary {
    case laptop, desktop, server, hdd, ssd, nvme
    case usbFlash = "usb-flash"
    case sdCard = "sd-card"
    case tape, phone, tablet, optical, other
    public static let fieldName = "media type"
}

/// How sensitive the data on an asset is (FIPS 199 impact levels).
public enum Classification: String, LetheVocabulary {
    case low, moderate, high
    public static let fieldName = "classification"
}

/// Whether data at rest on the asset is encrypted.
public enum Encryption: String, LetheVocabulary {
    case none, software
    case selfEncrypting = "self-encrypting"
    public static let fieldName = "encryption"
}

/// Where a disposed asset went (NIST SP 800-88 Appendix G "media destination").
public enum Destination: String, LetheVocabulary {
    case internalReuse = "internal-reuse"
    case externalReuse = "external-reuse"
    case recycling, manufacturer, destroyed
    public static let fieldName = "destination"
}
