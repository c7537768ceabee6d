/// A NIST SP 800-88 sanitization method category, weakest first.
public enum MethodCategory: String, LetheVocabulary, Comparable {
    /// Logical techniques on all user-addressable locations (overwrite, factory reset).
    case clear
    /// Infeasible to recover with state-of-the-art laboratory techniques (sanitize commands,
    /// crypto erase, degauss).
    case purge
    /// Purge, and the medium can no longer store data (shred, disintegrate, pulverize, incinerate).
    case destroy
    public static let fieldName = "method"

    private var rank: Int {
        switch self {
        case .clear: 0
        case .purge: 1
        case .destroy: 2
        }
    }

    public static func < (lhs: MethodCategory, rhs: MethodCategory) -> Bool { lhs.rank < rhs.rank }
}

/// A sanitization technique, and the strongest method category it can reach.
///
/// The table (documented in `docs/policies.md`) follows NIST SP 800-88 Rev. 1 Appendix A and
/// IEEE 2883-2022: a technique satisfies a rule when its ``maximumCategory`` is at least the rule's
/// category.
public enum Technique: String, LetheVocabulary {
    case overwrite
    case factoryReset = "factory-reset"
    case blockErase = "block-erase"
    case cryptoErase = "crypto-erase"
    case ataSanitize = "ata-sanitize"
    case ataSecureErase = "ata-secure-erase"
    case scsiSanitize = "scsi-sanitize"
    case nvmeSanitize = "nvme-sanitize"
    case nvmeFormat = "nvme-format"
    case degauss
    case shred
    case disintegrate
    case incinerate
    case pulverize
    case melt
    public static let fieldName = "technique"

    /// The strongest category this technique reaches.
    public var maximumCategory: MethodCategory {
        switch self {
        case .overwrite, .factoryReset: .clear
        case .blockErase, .cryptoErase, .ataSanitize, .ataSecureErase, .scsiSanitize, .nvmeSanitize, .nvmeFormat,
            .degauss:
            .purge
        case .shred, .disintegrate, .incinerate, .pulverize, .melt: .destroy
        }
    }
}

/// How the result of a sanitization is verified.
public enum VerificationMode: String, LetheVocabulary {
    /// Every user-addressable location is read back.
    case full
    /// A sample of locations is read back (a rate and a minimum count).
    case sample
    /// A person inspects evidence (a vendor's certificate of destruction) and attests.
    case attest
    public static let fieldName = "verification mode"
}

/// What a rule asks of verification.
public struct VerificationRequirement: Sendable, Hashable {
    /// Full, sampled or attested.
    public var mode: VerificationMode
    /// For `sample`: the share of locations read, in percent (1–100).
    public var ratePercent: Int?
    /// For `sample`: the fewest locations read, whatever the rate.
    public var minimum: Int?

    /// Creates a requirement.
    public init(mode: VerificationMode, ratePercent: Int? = nil, minimum: Int? = nil) {
        self.mode = mode
        self.ratePercent = ratePercent
        self.minimum = minimum
    }

    /// The requirement as JSON (`{"mode": "sample", "rate_percent": 1, "minimum": 1000}`).
    public var json: JSONValue {
        var object: [String: JSONValue] = ["mode": .string(mode.rawValue)]
        object["rate_percent"] = ratePercent.map { .integer(Int64($0)) }
        object["minimum"] = minimum.map { .integer(Int64($0)) }
        return .object(object)
    }
}
