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
        String(decoding: try renderBytes(report), as: UTF8.self)
    }

    /// Renders the rows of a signed report as UTF-8 bytes.
    public static func renderBytes(_ report: IssuedReport) throws(LetheError) -> [UInt8] {
        var out: [UInt8] = []
        try write(report) { (chunk) throws(LetheError) in out.append(contentsOf: chunk) }
        return out
    }

    /// Writes the rows of a signed report to `sink`, a few megabytes at a time, in order.
    ///
    /// A disposal report's rows are read a window at a time from its record (from the file it
    /// is spliced around when it is, every read checked against its digest), never as one tree
    /// nor one text: a year's CSV took 1.3 GB that way. A record that cannot be read is an
    /// error, never a CSV of its header alone.
    ///
    /// - Parameter chunkBytes: the bytes handed to `sink` at a time, at least (the last piece
    ///   may be shorter).
    public static func write(
        _ report: IssuedReport, chunkBytes: Int = ReportCSV.chunkBytes, to sink: ([UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        var out: [UInt8] = []
        func endLine() throws(LetheError) {
            out.append(contentsOf: [0x0D, 0x0A])
            if out.count >= chunkBytes {
                try sink(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        func line(_ cells: [String]) throws(LetheError) {
            for (index, cell) in cells.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendField(cell, to: &out)
            }
            try endLine()
        }
        if report.reportKind == ReportKind.inventory.rawValue {
            // The register's rows read a window at a time, as a disposal report's are: an
            // inventory of a million assets is hundreds of megabytes.
            try line(["report_serial"] + ReportDocument.inventoryHeader)
            var serial: [UInt8] = []
            appendField(report.serial, to: &serial)
            let (_, assets) = try longTable(["content", "assets"], of: report)
            for index in 0..<assets.count {
                out.append(contentsOf: serial)
                for member in try assets.item(index).members(ReportDocument.inventoryMembers) {
                    out.append(UInt8(ascii: ","))
                    appendField(text(member), to: &out)
                }
                try endLine()
            }
        } else if report.reportKind != ReportKind.disposal.rawValue {
            // A shipment's assets, or a custody document's events: the rows its document shows.
            let document = ReportDocument(content: try CanonicalJSON.decode(report.recordBytes())["content"] ?? .null)
            let wanted = ["custody": "Events", "erasure": "Requests (by number; no subject is named)"]
            let section = document.sections.first { $0.title == (wanted[report.reportKind] ?? "Assets") }
            try line(["report_serial"] + (section?.header ?? []))
            for row in section?.rows ?? [] { try line([report.serial] + row) }
        } else {
            let assets = try assetRows(of: report)
            try line(columns)
            var serial: [UInt8] = []
            appendField(report.serial, to: &serial)
            for index in 0..<assets.count {
                // Each row's members read in one pass over it, not one pass per column.
                let asset = try assets.item(index)
                let members = asset.members(assetMembers)
                let verification = members[assetMembers.names.count - 1]?.members(verificationMembers) ?? []
                out.append(contentsOf: serial)
                for column in columnSources {
                    out.append(UInt8(ascii: ","))
                    switch column {
                    case .asset(let position): appendField(text(members[position]), to: &out)
                    case .verification(let position):
                        appendField(verification.isEmpty ? "" : text(verification[position]), to: &out)
                    }
                }
                try endLine()
            }
        }
        if !out.isEmpty { try sink(out) }
    }

    /// Where each column after `report_serial` is read: a member of the asset's row, or of its
    /// `verification` (`verification_mode` is its `mode`).
    private enum ColumnSource {
        case asset(Int)
        case verification(Int)
    }

    private static let verificationColumns: [String: String] = [
        "verification_mode": "mode", "verifier": "verifier", "readback": "readback",
        "sample_rate_percent_used": "sample_rate_percent_used", "sample_seed": "sample_seed",
    ]
    /// The members of a row the columns read, `verification` last.
    private static let assetMembers = JSONMemberNames(
        columns.dropFirst().filter { verificationColumns[$0] == nil } + ["verification"])
    /// The members of a row's `verification` the columns read.
    private static let verificationMembers = JSONMemberNames(
        columns.compactMap { verificationColumns[$0] })
    private static let columnSources: [ColumnSource] = {
        var (asset, verification) = (0, 0)
        return columns.dropFirst().map { (column) -> ColumnSource in
            if verificationColumns[column] != nil {
                defer { verification += 1 }
                return .verification(verification)
            }
            defer { asset += 1 }
            return .asset(asset)
        }
    }()

    /// The bytes handed to a sink at a time (about 7,000 rows).
    public static let chunkBytes = 4 << 20

    /// The rows of a disposal report's assets table, read a window at a time: every long table is
    /// left out of the parse, so none is held as a tree.
    private static func assetRows(of report: IssuedReport) throws(LetheError) -> DeferredItems {
        try longTable(DeferredReport<DeferredItems>.assetsPath, of: report) {
            DeferredReport<DeferredItems>.isLongTable($0)
        }.items
    }

    /// The record without the array at `path` (standing as `[]`), and that array's items, read a
    /// window at a time: it and the other arrays `deferring` picks (by default that one alone)
    /// are left out of the parse. Something other than an array at `path` has no items.
    static func longTable(
        _ path: [String], of report: IssuedReport, deferring: (@Sendable ([String]) -> Bool)? = nil
    ) throws(LetheError) -> (record: JSONValue, items: DeferredItems) {
        let (record, items) = try report.deferredRecord(deferring: deferring ?? { $0 == path })
        var value: JSONValue? = record
        for key in path { value = value?[key] }
        return (record, value?.arrayValue == nil ? DeferredItems() : items(path))
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

    /// Appends one field to `out`, neutralised against formulas (prefixed with `'`) and quoted
    /// when it must be (quotes doubled).
    ///
    /// Checked byte by byte in UTF-8: the characters looked for are ASCII, and a line break or
    /// comma followed by a combining mark, one Character to Swift, must still be quoted.
    static func appendField(_ raw: String, to out: inout [UInt8]) {
        // `=`, `+`, `-`, `@`, tab, carriage return; comma, quote, line feed, carriage return.
        let formulaStarts: [UInt8] = [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D]
        let mustQuote: [UInt8] = [0x2C, 0x22, 0x0A, 0x0D]
        let bytes = raw.utf8
        let formula = bytes.first.map(formulaStarts.contains) ?? false
        let quoted = bytes.contains(where: mustQuote.contains)
        if quoted { out.append(0x22) }
        if formula { out.append(UInt8(ascii: "'")) }
        if quoted {
            for byte in bytes {
                out.append(byte)
                if byte == 0x22 { out.append(0x22) }
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: bytes)
        }
    }
}
