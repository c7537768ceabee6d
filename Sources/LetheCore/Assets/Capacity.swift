import Foundation

/// Parses and prints storage capacities: `512GB` (decimal), `1.5 TiB` (binary), or plain bytes.
public enum Capacity {
    private static let units: [String: UInt64] = [
        "b": 1, "byte": 1, "bytes": 1,
        "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
        "pb": 1_000_000_000_000_000,
        "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "pib": 1 << 50,
        "k": 1_000, "m": 1_000_000, "g": 1_000_000_000, "t": 1_000_000_000_000,
    ]

    /// Parses a capacity into bytes.
    ///
    /// Accepts an integer or decimal number, an optional space and a unit (`B`, `KB`…`PB` powers of
    /// 1000, `KiB`…`PiB` powers of 1024; case does not matter). The result must be a whole number of
    /// bytes no larger than 2^53 − 1 (about 9 PB), so that records stay exact in JSON.
    public static func parse(_ text: String) throws(LetheError) -> Int64 {
        let trimmed = text.trimmed
        let bad = LetheError(
            .invalidInput,
            "capacity \(Quoted(text)) is not a size; write bytes (1000204886016) or a number and unit (512GB, 1.5 TiB)"
        )
        var number = Substring(trimmed)
        var unitText = Substring("")
        if let index = trimmed.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) {
            number = trimmed[..<index]
            unitText = trimmed[index...].drop(while: { $0 == " " })
        }
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != "."
        else { throw bad }
        let multiplier: UInt64
        if unitText.isEmpty {
            multiplier = 1
        } else if let found = units[unitText.lowercased()] {
            multiplier = found
        } else {
            throw bad
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard let whole = UInt64(parts[0]) else { throw bad }
        var (bytes, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw tooLarge(text) }
        if parts.count == 2 {
            // Exact decimal fraction: fraction digits × multiplier / 10^digits must be whole.
            let digits = parts[1]
            guard digits.count <= 18, let fraction = UInt64(digits) else { throw bad }
            var scale: UInt64 = 1
            for _ in 0..<digits.count { scale *= 10 }
            let product = fraction.multipliedFullWidth(by: multiplier)
            let (quotient, remainder) = scale.dividingFullWidth(product)
            guard remainder == 0 else {
                throw LetheError(
                    .invalidInput, "capacity '\(text)' is not a whole number of bytes; give it in a smaller unit")
            }
            (bytes, overflow) = bytes.addingReportingOverflow(quotient)
            guard !overflow else { throw tooLarge(text) }
        }
        guard bytes <= UInt64(JSONValue.maxSafeInteger) else { throw tooLarge(text) }
        return Int64(bytes)
    }

    private static func tooLarge(_ text: String) -> LetheError {
        LetheError(.invalidInput, "capacity \(Quoted(text)) is too large")
    }

    /// Formats bytes for people: the largest decimal unit with up to one decimal place (`512 GB`).
    public static func format(_ bytes: Int64) -> String {
        let steps: [(Int64, String)] = [
            (1_000_000_000_000_000, "PB"), (1_000_000_000_000, "TB"), (1_000_000_000, "GB"),
            (1_000_000, "MB"), (1_000, "KB"),
        ]
        for (size, unit) in steps where bytes >= size {
            var whole = bytes / size
            var tenth = ((bytes % size) * 10 + size / 2) / size
            if tenth == 10 { (whole, tenth) = (whole + 1, 0) }
            return tenth == 0 ? "\(whole) \(unit)" : "\(whole).\(tenth) \(unit)"
        }
        return "\(bytes) B"
    }
}
