extension StringProtocol {
    /// The text without leading and trailing white space (Unicode `White_Space`, line breaks
    /// included).
    ///
    /// Used instead of Foundation's `trimmingCharacters(in:)` on hot paths: an import trims every
    /// cell of every row, and the common case — nothing to trim — returns without scanning.
    public var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "" }
        if !Self.isSpace(first) && !Self.isSpace(last) { return String(self) }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end && Self.isSpace(scalars[start]) { start = scalars.index(after: start) }
        while end > start && Self.isSpace(scalars[scalars.index(before: end)]) {
            end = scalars.index(before: end)
        }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            return scalar.value == 0x20 || (scalar.value >= 0x09 && scalar.value <= 0x0D)
        }
        return scalar.properties.isWhitespace
    }
}
