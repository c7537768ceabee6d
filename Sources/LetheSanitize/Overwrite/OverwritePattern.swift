import LetheCore

/// What an overwrite pass writes: a constant byte or a regenerable pseudorandom stream.
public enum OverwritePattern: Sendable, Hashable, CustomStringConvertible {
    /// Every byte 0x00.
    case zero
    /// Every byte 0xFF.
    case one
    /// Every byte the given value.
    case byte(UInt8)
    /// The AES-256-CTR keystream of ``PatternStream`` under a key derived from the recorded seed.
    case random

    /// Parses `zero`, `one`, `byte:0xNN` or `random`; anything else is a usage error naming the value.
    public init(parsing text: String) throws(LetheError) {
        let lowered = text.lowercased()
        switch lowered {
        case "zero": self = .zero
        case "one": self = .one
        case "random": self = .random
        default:
            if lowered.hasPrefix("byte:0x"), lowered.count == 9, let value = UInt8(lowered.dropFirst(7), radix: 16) {
                self = .byte(value)
                return
            }
            throw LetheError(
                .usage, "pattern '\(text)' is not one of zero, one, byte:0xNN (two hex digits), random")
        }
    }

    /// The constant byte this pattern writes, or nil for `random`.
    public var constant: UInt8? {
        switch self {
        case .zero: 0
        case .one: 0xFF
        case .byte(let value): value
        case .random: nil
        }
    }

    /// The pattern as given on the command line and recorded (`byte:0x5a`).
    public var description: String {
        switch self {
        case .zero: "zero"
        case .one: "one"
        case .random: "random"
        case .byte(let value): "byte:0x" + (value < 16 ? "0" : "") + String(value, radix: 16)
        }
    }
}
