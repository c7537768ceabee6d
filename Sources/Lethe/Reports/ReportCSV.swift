import LetheCore

/// A disposal report as CSV for spreadsheets: RFC 4180 (comma separated, CRLF line ends, fields
/// with a comma, quote or line break quoted, quotes doubled), UTF-8, one row per asset, each row
/// naming the signed report it comes from.
///
/// A cell that a spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return) is prefixed with `'`, so a crafted asset field cannot execute on the
/// compliance officer's machine; the signed JSON keeps the exact value.
public enum ReportCSV {
    /// The columns, in order.
    public static let columns = [
        "report_serial", "tag", "serial", "make", "model", "media_type", "classification", "method", "technique",
        "tool", "tool_version", "verification_mode", "verifier", "readback", "sample_rate_percent_used",
        "sample_seed", "performer", "validator", "executed_at", "verified_at", "due_at", "outcome", "destination",
        "disposed_at", "certificate", "certificate_status",
    ]

    /// Renders the rows of a signed report.
    public static func render(_ report: IssuedReport) throws(LetheError) -> String {
        if report.reportKind != ReportKind.disposal.rawValue {
            // A shipment's assets, or a custody document's events: the rows its document shows.
            let document = ReportDocument(content: report.value["content"] ?? .null)
            let wanted = ["custody": "Events", "erasure": "Requests (by number; no subject is named)"]
            let section = document.sections.first { $0.title == (wanted[report.reportKind] ?? "Assets") }
            var out = (["report_serial"] + (section?.header ?? [])).map(field).joined(separator: ",") + "\r\n"
            for row in section?.rows ?? [] { out += ([report.serial] + row).map(field).joined(separator: ",") + "\r\n" }
            return out
        }
        // The rows are read one at a time from the record's bytes, not parsed as one tree.
        let path = ["content", "assets"]
        let record = try report.recordBytes()
        let assets = (try? DeferredJSON(record) { $0 == path }.items(at: path)) ?? []
        var out = columns.map(field).joined(separator: ",") + "\r\n"
        for asset in assets {
            let cells = columns.map { (column: String) -> String in
                switch column {
                case "report_serial": return report.serial
                case "verification_mode": return text(asset["verification"]?["mode"])
                case "verifier", "readback", "sample_rate_percent_used", "sample_seed":
                    return text(asset["verification"]?[column])
                default: return text(asset[column])
                }
            }
            out += cells.map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case .integer(let number)?: String(number)
        case .bool(let flag)?: flag ? "true" : "false"
        default: ""
        }
    }

    /// ``text(_:)`` of a value read in place or from a tree (the same text either way).
    static func text<Value: JSONFieldReading>(_ value: Value?) -> String {
        guard let value else { return "" }
        if let text = value.stringValue { return text }
        if let number = value.integerValue { return String(number) }
        return text(value.jsonValue)
    }

    /// One field, neutralised against formulas and quoted when it must be.
    static func field(_ raw: String) -> String {
        var text = raw
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
