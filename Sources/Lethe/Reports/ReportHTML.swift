import LetheCore

/// A signed report as one self-contained, printable HTML file: inline CSS, inline SVG charts
/// (disposals per month by method, outcome mix, age of open work, erasure time to close), and the
/// report's serial and the SHA-256 of its signed record.json on every printed page. Every value is
/// escaped; the signed bytes are record.json.
public enum ReportHTML {
    /// The colours of the series, in ``ReportFigures/methods`` order.
    static let colours = ["#4e79a7", "#f28e2b", "#e15759", "#9c9c9c"]

    /// Renders a signed report.
    public static func render(_ report: IssuedReport) throws(LetheError) -> String {
        String(decoding: try renderBytes(report), as: UTF8.self)
    }

    /// Renders a signed report as the page's UTF-8 bytes.
    public static func renderBytes(_ report: IssuedReport) throws(LetheError) -> [UInt8] {
        var page: [UInt8] = []
        try write(report) { (chunk) throws(LetheError) in page.append(contentsOf: chunk) }
        return page
    }

    /// Writes a signed report's page to `sink`, a few megabytes at a time, in order: its long
    /// tables row by row from the record's bytes, read a window of rows at a time
    /// (``DeferredReport``) from the file the record is spliced around when it is, every read
    /// checked against its digest. A year's page is hundreds of megabytes; built whole from the
    /// record held whole, it took 1.1 GB.
    ///
    /// - Parameter chunkBytes: the bytes handed to `sink` at a time, at least (the last piece
    ///   may be shorter).
    public static func write(
        _ report: IssuedReport, chunkBytes: Int = ReportCSV.chunkBytes, to sink: ([UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        var out: [UInt8] = []
        func flush(_ out: inout [UInt8]) throws(LetheError) {
            guard out.count >= chunkBytes else { return }
            try sink(out)
            out.removeAll(keepingCapacity: true)
        }
        if report.reportKind == ReportKind.inventory.rawValue {
            try writeInventory(report, into: &out, flush: flush)
            try sink(out)
            return
        }
        if report.reportKind != ReportKind.disposal.rawValue {
            try sink(Array(try document(report).utf8))
            return
        }
        // A record that cannot be read (or whose spool file changed) is an error, not a page
        // without content.
        let deferred = try DeferredReport<DeferredItems>(streaming: report)
        let record = deferred.record
        let content = record["content"] ?? .null
        let figures = deferred.figures
        let period = content["period"]
        let title = "Disposal report \(text(period?["from"])) to \(text(period?["to"]))"
        out += head(report, record: record, title: title, charts: true).utf8
        out += (section("Totals") + totals(content)).utf8
        out += "<div class=\"charts\">".utf8
        out +=
            chart("Disposals per month by method", figures.perMonth, series: ReportFigures.methods, stacked: true).utf8
        out += chart("Outcome mix", figures.outcomes, series: ["assets"], stacked: false).utf8
        out +=
            chart(
                "Open work by age (days since retirement)", figures.openAges, series: ["assets"], stacked: false
            ).utf8
        out += chart("Erasure requests: days to close", figures.erasureDays, series: ["requests"], stacked: false).utf8
        out += "</div>".utf8
        out += (section("Verification") + verification(content["verification"])).utf8
        let assets = deferred.assets
        out += section("Assets (\(assets.count))").utf8
        try writeAssets(assets, into: &out, flush: flush)
        out += section("Exceptions").utf8
        try writeExceptions(deferred.exceptions, into: &out, flush: flush)
        out += section("Open work at \(text(content["open_work"]?["at"]))").utf8
        try writeOpenWork(content["open_work"], items: deferred.openWork, into: &out, flush: flush)
        out += (section("Erasure requests") + erasure(content["erasure"])).utf8
        out +=
            """
            <p class="meta">This page renders the signed report record.json for people. Verify it with
            <code>lethe report verify</code> or the openssl commands in VERIFY.txt of its bundle
            (<code>lethe report export \(escape(report.serial)) --out DIR</code>).</p>
            </body></html>

            """.utf8
        try sink(out)
    }

    /// The page head every report shares: title, issuer (from `record`, the signed record read),
    /// serial, log state and digests, and the footer that prints on every page; with the charts'
    /// style when the page has charts.
    static func head(_ report: IssuedReport, record: JSONValue, title: String, charts: Bool = false) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) — \(escape(report.serial))</title>
        <style>
        body{font-family:system-ui,sans-serif;color:#111;margin:1.5rem auto;max-width:62rem;font-size:10.5pt}
        h1{font-size:18pt;margin:0 0 .3rem}h2{font-size:13pt;margin:1.4rem 0 .4rem;border-bottom:1px solid #999}
        table{border-collapse:collapse;width:100%;margin:.3rem 0}th,td{text-align:left;padding:2px 6px;border-bottom:1px solid #ddd;vertical-align:top}
        th{background:#f2f2f2}td.n{text-align:right}.meta{color:#333}\(charts ? ".charts{display:flex;flex-wrap:wrap;gap:1rem}" : "")
        .footer{position:fixed;bottom:0;left:0;right:0;font-size:7.5pt;color:#444;border-top:1px solid #999;background:#fff;padding:2px 1rem}
        code{font-size:8.5pt;word-break:break-all}
        @page{size:A4;margin:14mm 12mm 16mm}@media print{body{margin:0;max-width:none}}
        </style></head><body>
        <div class="footer">Report \(escape(report.serial)) · record.json SHA-256 \(escape(report.recordSHA256))</div>
        <h1>\(escape(title))</h1>
        <p class="meta">\(escape(text(record["issuer"]?["organization"]))) · serial <strong>\(escape(report.serial))</strong> · issued \(escape(report.issuedAt)) · status <strong>\(escape(report.status.rawValue))</strong><br>
        Computed from the first \(report.logSize) entries of log <code>\(escape(text(record["issuer"]?["log_origin"])))</code>, root <code>\(escape(report.logRoot))</code><br>
        record.json SHA-256 <code>\(escape(report.recordSHA256))</code> · content SHA-256 <code>\(escape(report.contentSHA256))</code></p>

        """
    }

    /// A shipment or custody report: its sections as tables.
    static func document(_ report: IssuedReport) throws(LetheError) -> String {
        let record = try CanonicalJSON.decode(report.recordBytes())
        let document = ReportDocument(content: record["content"] ?? .null)
        var html = head(report, record: record, title: document.title)
        for section in document.sections {
            html += self.section(section.title) + table(section.header, section.rows)
        }
        return html + "</body></html>\n"
    }

    /// An inventory's page, the same as ``document(_:)`` makes, with its assets read a window at
    /// a time and each row written as it is read (the register of a million assets is hundreds
    /// of megabytes).
    static func writeInventory(
        _ report: IssuedReport, into out: inout [UInt8], flush: (inout [UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        let (record, assets) = try ReportCSV.longTable(["content", "assets"], of: report)
        // The document of everything but the assets (which stand as none in `record`).
        let document = ReportDocument(content: record["content"] ?? .null)
        out += head(report, record: record, title: document.title).utf8
        for section in document.sections {
            out += self.section(section.title).utf8
            guard section.title == "Assets" else {
                out += table(section.header, section.rows).utf8
                continue
            }
            var index = 0
            try writeTable(section.header, into: &out, flush: flush) { () throws(LetheError) -> [String]? in
                guard index < assets.count else { return nil }
                defer { index += 1 }
                return try assets.item(index).members(ReportDocument.inventoryMembers).map { ReportCSV.text($0) }
            }
        }
        out += "</body></html>\n".utf8
    }

    static func section(_ title: String) -> String { "<h2>\(escape(title))</h2>\n" }

    /// Writes a table of `rows`, each made as it is written, straight into `out`.
    static func writeTable(
        _ header: [String], _ rows: some Sequence<[String]>, numeric: Set<Int> = [], into out: inout [UInt8]
    ) {
        var rows = rows.makeIterator()
        writeTable(header, numeric: numeric, into: &out, flush: { (_) in }) { () in rows.next() }
    }

    /// Writes a table of the rows `next` makes until it gives nil, each as it is made, straight
    /// into `out`, which `flush` is given after each row.
    static func writeTable<Failure: Error>(
        _ header: [String], numeric: Set<Int> = [], into out: inout [UInt8],
        flush: (inout [UInt8]) throws(Failure) -> Void, next: () throws(Failure) -> [String]?
    ) throws(Failure) {
        out += "<table><tr>".utf8
        for title in header {
            out += "<th>".utf8
            writeEscaped(title, into: &out)
            out += "</th>".utf8
        }
        out += "</tr>\n".utf8
        while let row = try next() {
            out += "<tr>".utf8
            for (column, cell) in row.enumerated() {
                out += (numeric.contains(column) ? "<td class=\"n\">" : "<td>").utf8
                writeEscaped(cell, into: &out)
                out += "</td>".utf8
            }
            out += "</tr>\n".utf8
            try flush(&out)
        }
        out += "</table>\n".utf8
    }

    /// A table of `rows` (``writeTable(_:_:numeric:into:)``) as text.
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var out: [UInt8] = []
        writeTable(header, rows, numeric: numeric, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func totals(_ content: JSONValue) -> String {
        let rows = (content["totals"]?["by_method_media_classification_outcome"]?.arrayValue ?? []).map { row in
            ["method", "media_type", "classification", "outcome", "count"].map { key in text(row[key]) }
        }
        let destinations = (content["totals"]?["by_destination"]?.arrayValue ?? []).map {
            [text($0["destination"]), text($0["count"])]
        }
        return table(["Method", "Media", "Classification", "Outcome", "Assets"], rows, numeric: [4])
            + table(["Destination", "Assets"], destinations, numeric: [1])
    }

    static func shareText(_ share: JSONValue?) -> String {
        "\(text(share?["count"])) of \(text(share?["of"])) (\(text(share?["percent"])) %)"
    }

    static func verification(_ value: JSONValue?) -> String {
        let target = value?["program_target"]
        return table(
            ["Measure", "Value"],
            [
                ["Verified jobs", text(value?["verified_jobs"])],
                ["Verified by a second person", shareText(value?["second_person"])],
                ["Verified by read-back", shareText(value?["read_back"])],
                ["Attestation only", shareText(value?["attestation_only"])],
                ["Sampled read-back", shareText(value?["sampled"]?["jobs"])],
                [
                    "Sample rate used (lowest) / policy's",
                    "\(text(value?["sampled"]?["lowest_rate_percent"])) % / \(text(value?["sampled"]?["policy_rate_percent"])) %",
                ],
                ["Sampled below the policy's rate", text(value?["sampled"]?["below_policy_rate"])],
                [
                    "Program target: \(text(target?["name"])) \(text(target?["target_percent"])) %",
                    "\(shareText(target?["achieved"])) — \(target?["met"] == .bool(true) ? "met" : "NOT met")",
                ],
            ])
    }

    /// The members of an asset row the page shows, in the order ``writeAssets(_:into:)`` uses.
    private static let assetMembers = JSONMemberNames([
        "tag", "serial", "make", "model", "media_type", "classification", "method", "technique", "tool",
        "tool_version", "verification", "performer", "validator", "verified_at", "outcome", "destination",
        "certificate", "certificate_status",
    ])

    static func writeAssets(
        _ assets: some ReportRows, into out: inout [UInt8], flush: (inout [UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        var index = 0
        try writeTable(
            [
                "Tag", "Serial", "Make/model", "Media", "Class.", "Method", "Technique · tool", "Verification",
                "Performer", "Validator", "Verified", "Outcome", "Destination", "Certificate",
            ], into: &out, flush: flush
        ) { () throws(LetheError) -> [String]? in
            guard index < assets.count else { return nil }
            defer { index += 1 }
            // The row's members, read in one pass over it.
            let member = try assets.item(index).members(assetMembers)
            let text = { (index: Int) in Self.text(member[index]) }
            return [
                text(0), text(1), [text(2), text(3)].filter { !$0.isEmpty }.joined(separator: " "),
                text(4), text(5), text(6),
                [text(7), text(8), text(9)].filter { !$0.isEmpty }.joined(separator: " · "),
                verificationText(member[10]), text(11), text(12), String(text(13).prefix(10)), text(14),
                text(15), [text(16), text(17)].filter { !$0.isEmpty }.joined(separator: " "),
            ]
        }
    }

    /// `sampled 5 % seed 0a1b…`, `full read-back`, `attested`.
    static func verificationText<Value: JSONFieldReading>(_ value: Value?) -> String {
        if value?["verifier"]?.stringValue == "attest" { return "attested" }
        switch value?["readback"]?.stringValue {
        case "sampled"?:
            return "sampled \(text(value?["sample_rate_percent_used"])) % seed \(text(value?["sample_seed"]))"
        case let mode?: return "\(mode) read-back"
        case nil: return text(value?["mode"])
        }
    }

    /// The exceptions: a line of counts by kind, then one table of every kind's items.
    static func writeExceptions<Rows: ReportRows>(
        _ kinds: [(label: String, items: Rows)], into out: inout [UInt8],
        flush: (inout [UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        let counts = kinds.map { "\($0.label): \($0.items.count)" }
        out += "<p>".utf8
        writeEscaped(counts.joined(separator: " · "), into: &out)
        out += "</p>\n".utf8
        guard kinds.contains(where: { !$0.items.isEmpty }) else {
            out += "<p>No exceptions.</p>\n".utf8
            return
        }
        var (kind, index) = (0, 0)
        try writeTable(ReportTableRows.exceptionColumns, into: &out, flush: flush) {
            () throws(LetheError) -> [String]? in
            while kind < kinds.count, index >= kinds[kind].items.count { (kind, index) = (kind + 1, 0) }
            guard kind < kinds.count else { return nil }
            defer { index += 1 }
            return ReportTableRows.exceptionRow(label: kinds[kind].label, try kinds[kind].items.item(index))
        }
    }

    static let exceptionLabels: [(String, String)] = [
        ("overdue_jobs", "Overdue job"), ("failed_verifications", "Failed verification"),
        ("resanitizations", "Re-sanitization"), ("lost_assets", "Lost asset"),
        ("serial_check_overrides", "Serial-check override"),
        ("attestation_only_verifications", "Attestation only"), ("revoked_records", "Revoked record"),
        ("custody_without_seals", "Custody without seals"), ("method_differs_from_policy", "Method differs"),
        ("disposed_without_verified_job", "Disposed without verified job"),
    ]

    /// The open work: assets by age, then each asset (`items`, read from the record's bytes).
    static func writeOpenWork(
        _ value: JSONValue?, items: some ReportRows, into out: inout [UInt8],
        flush: (inout [UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        let ages = (value?["by_age_days"]?.arrayValue ?? []).map { [text($0["age"]), text($0["count"])] }
        writeTable(["Age (days)", "Assets"], ages, numeric: [1], into: &out)
        guard !items.isEmpty else { return }
        var index = 0
        try writeTable(ReportTableRows.openWorkColumns, numeric: [3], into: &out, flush: flush) {
            () throws(LetheError) -> [String]? in
            guard index < items.count else { return nil }
            defer { index += 1 }
            return ReportTableRows.openWorkRow(try items.item(index))
        }
    }

    static func erasure(_ value: JSONValue?) -> String {
        let backups = value?["backups_destroyed"]
        let reasons = (value?["by_reason"]?.arrayValue ?? []).map {
            [text($0["reason"]), text($0["received"]), text($0["completed"])]
        }
        return table(
            ["Measure", "Value"],
            [
                ["Received", text(value?["received"])], ["Completed", text(value?["completed"])],
                ["Completed within the due date", shareText(value?["completed_within_due"])],
                ["Median days to close", text(value?["median_days"])],
                ["95th percentile days to close", text(value?["p95_days"])],
                [
                    "Backups destroyed (shredded / with media / attested)",
                    "\(text(backups?["shredded"])) / \(text(backups?["with-media"])) / \(text(backups?["attested"]))",
                ],
                ["Parts attested (processors, file shares)", text(value?["attested_parts"])],
            ]) + table(["Reason", "Received", "Completed"], reasons, numeric: [1, 2])
    }

    /// A bar chart as inline SVG: one bar per label, stacked by series when `stacked`.
    static func chart(_ title: String, _ bars: [ReportFigures.Bar], series: [String], stacked: Bool) -> String {
        let width = 460.0
        let height = 220.0
        let left = 36.0
        let bottom = 34.0
        let top = 26.0
        let maximum = max(1, bars.map { $0.values.reduce(0, +) }.max() ?? 1)
        let slot = (width - left - 8) / Double(max(1, bars.count))
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(escape(title))">
            <text x="\(Int(left))" y="16" font-size="12" font-weight="bold">\(escape(title))</text>
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width - 4)" y2="\(height - bottom)" stroke="#333"/>
            <text x="\(left - 4)" y="\(top + 4)" font-size="9" text-anchor="end">\(maximum)</text>
            <text x="\(left - 4)" y="\(height - bottom)" font-size="9" text-anchor="end">0</text>

            """
        let plot = height - bottom - top
        for (index, bar) in bars.enumerated() {
            var y = height - bottom
            let x = left + Double(index) * slot + slot * 0.15
            for (seriesIndex, value) in bar.values.enumerated() where value > 0 {
                let h = plot * Double(value) / Double(maximum)
                y -= h
                svg +=
                    "<rect x=\(quote(x)) y=\(quote(y)) width=\(quote(slot * 0.7)) height=\(quote(h)) fill=\"\(colours[stacked ? seriesIndex % colours.count : 0])\"><title>\(escape(bar.label)) \(escape(series[min(seriesIndex, series.count - 1)])): \(value)</title></rect>\n"
            }
            let total = bar.values.reduce(0, +)
            svg +=
                "<text x=\(quote(x + slot * 0.35)) y=\(quote(y - 2)) font-size=\"9\" text-anchor=\"middle\">\(total)</text>\n"
            svg +=
                "<text x=\(quote(x + slot * 0.35)) y=\(quote(height - bottom + 12)) font-size=\"9\" text-anchor=\"middle\">\(escape(bar.label))</text>\n"
        }
        if stacked {
            for (index, name) in series.enumerated() {
                let x = left + Double(index) * 70
                svg +=
                    "<rect x=\(quote(x)) y=\(quote(height - 14)) width=\"9\" height=\"9\" fill=\"\(colours[index % colours.count])\"/><text x=\(quote(x + 12)) y=\(quote(height - 6)) font-size=\"9\">\(escape(name))</text>\n"
            }
        }
        if bars.isEmpty {
            svg +=
                "<text x=\(quote(width / 2)) y=\(quote(height / 2)) font-size=\"11\" text-anchor=\"middle\">none</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func quote(_ value: Double) -> String {
        "\"" + String(Double(Int((value * 10).rounded())) / 10) + "\""
    }

    static func text(_ value: JSONValue?) -> String { ReportCSV.text(value) }

    static func text<Value: JSONFieldReading>(_ value: Value?) -> String { ReportCSV.text(value) }

    /// Appends `text` escaped (``HTMLText``).
    static func writeEscaped(_ text: String, into out: inout [UInt8]) { HTMLText.write(text, into: &out) }

    /// `text` escaped (``HTMLText``).
    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
