import LetheCore

extension Event {
    /// One line for people: what the event says, without its envelope.
    public var summary: String {
        func text(_ key: String) -> String? { payload[key]?.stringValue }
        switch type {
        case .assetRegistered:
            let asset = payload["asset"]
            let parts = ["media_type", "classification", "state", "location", "custodian"].compactMap {
                asset?[$0]?.stringValue
            }
            let via = text("source") == "csv-import" ? " (CSV import, line \(payload["line"]?.integerValue ?? 0))" : ""
            return "registered: " + parts.joined(separator: ", ") + via
        case .assetUpdated:
            let changes = payload["changes"]?.objectValue ?? [:]
            return "updated: "
                + changes.keys.sorted().map { key in
                    let from = changes[key]?["from"].map(Self.describe) ?? "-"
                    let to = changes[key]?["to"].map(Self.describe) ?? "-"
                    return "\(key) \(from) → \(to)"
                }.joined(separator: "; ")
        case .assetStateChanged:
            var line = "\(text("from") ?? "?") → \(text("to") ?? "?")"
            if let destination = text("destination") { line += " (destination: \(destination))" }
            if payload["found"] == .bool(true) {
                line += text("location").map { " (found at \($0))" } ?? " (found)"
            }
            if let parent = text("with_parent") { line += " (with parent \(parent))" }
            if let reason = text("reason") { line += " (reason: \(reason))" }
            return line
        case .custodyTransferred:
            var line = "custody \(text("from") ?? "-") → \(text("to") ?? "-")"
            if let to = text("location_to"), to != text("location_from") { line += " at \(to)" }
            if let seals = payload["seals"]?.arrayValue, !seals.isEmpty {
                line += "; seals " + seals.compactMap(\.stringValue).joined(separator: ", ")
            }
            if let manifest = text("manifest") { line += "; manifest \(manifest)" }
            if let at = text("at") { line += "; handed over \(at)" }
            return line
        case .importCompleted:
            return "registered by CSV import of \(text("file") ?? "?") (\(text("format") ?? "?") format, "
                + "\(payload["registered"]?.integerValue ?? 0) registered, sha256 \(text("sha256")?.prefix(16) ?? "")…)"
        default:
            return (try? CanonicalJSON.string(payload)) ?? ""
        }
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "-"
        case .string(let text): text
        case .integer(let number): String(number)
        default: (try? CanonicalJSON.string(value)) ?? ""
        }
    }
}
