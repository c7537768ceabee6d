import Foundation
import LetheCore

/// The one JSON encoding of use-case results, for every front end: the CLI's `--json` and the
/// HTTP API print the same bytes for the same result. Pretty-printed with sorted keys; dates as
/// RFC 3339 UTC strings with whole seconds, as in events and records.
public enum ResultEncoding {
    /// A new encoder with Lethe's result settings.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }
}
