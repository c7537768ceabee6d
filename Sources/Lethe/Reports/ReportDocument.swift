import LetheCore

/// A report other than the disposal report laid out for people: a title and sections of tables,
/// which the HTML and PDF renderings draw the same way (the disposal report has its own layout,
/// with charts).
struct ReportDocument {
    /// One table with a title.
    struct Section {
        var title: String
        var header: [String]
        var rows: [[String]]
        /// Relative column widths (PDF).
        var widths: [Double]
    }

    var title: String
    var sections: [Section]

    static func text(_ value: JSONValue?) -> String { ReportCSV.text(value) }

    /// The columns of an inventory's assets table, and the member of each asset each one shows.
    static let inventoryHeader = [
        "Tag", "Serial", "Make", "Model", "Media", "Classification", "Encryption", "State", "Destination",
        "Registered",
    ]
    static let inventoryMembers = JSONMemberNames([
        "tag", "serial", "make", "model", "media_type", "classification", "encryption", "state", "destination",
        "registered_at",
    ])

    /// One asset as a row of the assets table.
    static func assetRow(_ asset: JSONValue) -> [String] {
        let makeModel: String = [text(asset["make"]), text(asset["model"])].filter { !$0.isEmpty }.joined(
            separator: " ")
        let media: String = text(asset["media_type"]) + "/" + text(asset["classification"])
        let method: String = [text(asset["method"]), text(asset["technique"])].filter { !$0.isEmpty }.joined(
            separator: " · ")
        let people: String = text(asset["performer"]) + " / " + text(asset["validator"])
        let certificate: String = [text(asset["certificate"]), text(asset["certificate_status"])].filter {
            !$0.isEmpty
        }.joined(separator: " ")
        return [
            text(asset["tag"]), text(asset["serial"]), makeModel, media, text(asset["state"]), method, people,
            String(text(asset["verified_at"]).prefix(10)), text(asset["destination"]), certificate,
        ]
    }

    /// One hand-over as a row of the hand-overs table.
    static func handoverRow(_ move: JSONValue) -> [String] {
        let seals: String = (move["seals"]?.arrayValue ?? []).map { text($0) }.joined(separator: ", ")
        return [
            text(move["tag"]), text(move["at"]), text(move["from"]), text(move["to"]), text(move["location_to"]),
            seals.isEmpty ? "NONE" : seals, text(move["manifest"]), text(move["log_index"]),
        ]
    }

    /// The document of a shipment or custody report's content.
    init(content: JSONValue) {
        let text = Self.text
        let listed: [JSONValue] = content["assets"]?.arrayValue ?? (content["asset"].map { [$0] } ?? [])
        let assetRows: [[String]] = listed.map(Self.assetRow)
        let assets = Section(
            title: "Assets",
            header: [
                "Tag", "Serial", "Make/model", "Media/class", "State", "Method", "Performer / validator", "Verified",
                "Destination", "Certificate",
            ], rows: assetRows, widths: [60, 70, 90, 70, 70, 80, 100, 50, 60, 100])
        let handovers: [[String]] = (content["handovers"]?.arrayValue ?? []).map(Self.handoverRow)
        let handoverSection = Section(
            title: "Hand-overs",
            header: ["Tag", "At", "From", "To", "Location", "Seals", "Manifest", "Log entry"], rows: handovers,
            widths: [60, 100, 100, 100, 100, 110, 100, 50])
        switch content["report"]?.stringValue {
        case "inventory":
            let filter = content["state"]?.stringValue
            title = "Inventory" + (filter.map { " — \($0) assets" } ?? "")
            let rows: [[String]] = (content["assets"]?.arrayValue ?? []).map { asset in
                Self.inventoryMembers.names.map { text(asset[$0]) }
            }
            let byState: [[String]] = (content["totals"]?["by_state"]?.arrayValue ?? []).map {
                [text($0["state"]), text($0["count"])]
            }
            sections = [
                Section(title: "By state", header: ["State", "Assets"], rows: byState, widths: [250, 100]),
                Section(
                    title: "Assets", header: Self.inventoryHeader, rows: rows,
                    widths: [70, 80, 80, 90, 50, 60, 70, 90, 70, 110]),
            ]
        case "erasure":
            let summary = content["summary"]
            title = "Erasure requests \(text(content["period"]?["from"])) to \(text(content["period"]?["to"]))"
            let requests: [[String]] = (content["requests"]?.arrayValue ?? []).map { request in
                [
                    text(request["request"]), text(request["reason"]), text(request["received_at"]),
                    text(request["due_at"]), text(request["completed_at"]), text(request["days_to_close"]),
                    request["within_due"] == .bool(true)
                        ? "yes" : request["overdue_at_period_end"] == .bool(true) ? "OVERDUE" : "no",
                ]
            }
            let within = summary?["completed_within_due"]
            sections = [
                Section(
                    title: "Summary", header: ["Measure", "Value"],
                    rows: [
                        ["Received", text(summary?["received"])], ["Completed", text(summary?["completed"])],
                        [
                            "Completed within the due date",
                            "\(text(within?["count"])) of \(text(within?["of"])) (\(text(within?["percent"])) %)",
                        ],
                        ["Median days to close", text(summary?["median_days"])],
                        ["95th percentile days to close", text(summary?["p95_days"])],
                        ["Parts attested (processors, file shares)", text(summary?["attested_parts"])],
                    ], widths: [250, 470]),
                Section(
                    title: "Requests (by number; no subject is named)",
                    header: ["Request", "Reason", "Received", "Due", "Completed", "Days", "Within due"],
                    rows: requests, widths: [50, 80, 130, 130, 130, 40, 70]),
            ]
        case "custody":
            let asset = content["asset"]
            title = "Chain of custody — \(text(asset?["tag"]))"
            let events = (content["events"]?.arrayValue ?? []).map {
                [text($0["log_index"]), text($0["time"]), text($0["actor"]), text($0["summary"])]
            }
            let signatures = (content["handovers"]?.arrayValue ?? []).map { move in
                [
                    "\(text(move["at"])) · \(text(move["from"])) → \(text(move["to"]))", "________________________",
                    "________________________",
                ]
            }
            sections = [
                assets, handoverSection,
                Section(
                    title: "Events", header: ["Log entry", "Time", "Actor", "What happened"], rows: events,
                    widths: [50, 110, 90, 470]),
                Section(
                    title: "Signatures",
                    header: ["Hand-over", "Handed over by (signature)", "Received by (signature)"],
                    rows: signatures, widths: [300, 210, 210]),
            ]
        default:
            let totals = content["totals"]
            title = "Shipment report — manifest \(text(content["manifest"]))"
            sections = [
                Section(
                    title: "Summary", header: ["Measure", "Value"],
                    rows: [
                        ["Assets", text(totals?["assets"])], ["Hand-overs", text(totals?["handovers"])],
                        ["Hand-overs without seals", text(totals?["without_seals"])],
                        ["Seals", (totals?["seals"]?.arrayValue ?? []).map(text).joined(separator: ", ")],
                        ["Assets with a disposal record", text(totals?["certified"])],
                        ["First hand-over", text(content["first_handover_at"])],
                        ["Last hand-over", text(content["last_handover_at"])],
                    ], widths: [250, 470]),
                assets, handoverSection,
            ]
        }
    }
}

/// The rows of one of a disposal report's long tables, read by index.
protocol ReportRows {
    /// The number of rows.
    var count: Int { get }
    /// Whether there are none.
    var isEmpty: Bool { get }
    /// Row `index` (`0..<count`).
    func item(_ index: Int) throws(LetheError) -> JSONReading
}

extension DeferredItems: ReportRows {}

/// A signed report's record as the PDF and HTML renderings read it. A disposal report's long
/// tables (its assets, each kind of exception, its open work) are not parsed into the tree with
/// the rest: their rows are checked and kept as ranges of the record's bytes, read in place as
/// each row is drawn or written — a year's report has millions of rows, and a tree of them took
/// gigabytes. The PDF, the HTML page and the CSV read them a window at a time
/// (``DeferredItems``), from the file the record is spliced around when it is (a report just
/// issued from its spool, or a large stored one being shown), so none holds a year's record
/// whole.
struct DeferredReport<Rows: ReportRows> {
    /// The record, with the long tables left out (empty).
    let record: JSONValue
    /// The rows of the assets table.
    let assets: Rows
    /// The exceptions, in ``ReportHTML/exceptionLabels`` order: each kind's label and items.
    let exceptions: [(label: String, items: Rows)]
    /// The assets of the open work.
    let openWork: Rows
    /// The charts' figures.
    let figures: ReportFigures

    static var assetsPath: [String] { ["content", "assets"] }
    static var openWorkPath: [String] { ["content", "open_work", "assets"] }

    /// Whether `path` is one of the long tables'.
    static func isLongTable(_ path: [String]) -> Bool {
        path == assetsPath || path == openWorkPath
            || (path.count == 3 && path[0] == "content" && path[1] == "exceptions")
    }

    /// The report whose record, with its long tables left out, is `record`, and whose tables
    /// `items` reads by path.
    private init(record: JSONValue, items: ([String]) throws(LetheError) -> Rows) throws(LetheError) {
        self.record = record
        assets = try items(Self.assetsPath)
        openWork = try items(Self.openWorkPath)
        var exceptions: [(label: String, items: Rows)] = []
        for (key, label) in ReportHTML.exceptionLabels {
            exceptions.append((label, try items(["content", "exceptions", key])))
        }
        self.exceptions = exceptions
        var tally = ReportFigures.Tally()
        // Only a disposal report has charts.
        if record["report_kind"]?.stringValue == ReportKind.disposal.rawValue {
            for index in 0..<assets.count { tally.add(try assets.item(index)) }
        }
        figures = ReportFigures(content: record["content"] ?? .null, tally: tally)
    }
}

extension DeferredReport where Rows == DeferredItems {
    /// Reads a report's record a window of rows at a time: from the file it is spliced around,
    /// every read checked against the digest its summary states, when it is; else from memory.
    init(streaming report: IssuedReport) throws(LetheError) {
        switch report.reportKind {
        case ReportKind.disposal.rawValue:
            let (record, items) = try report.deferredRecord { Self.isLongTable($0) }
            try self.init(record: record) { (path) throws(LetheError) in items(path) }
        case ReportKind.inventory.rawValue:
            // The register, as long as a year's disposals: read as they are.
            let (record, items) = try report.deferredRecord { $0 == Self.assetsPath }
            try self.init(record: record) { (path) throws(LetheError) in
                path == Self.assetsPath ? items(path) : DeferredItems()
            }
        default:
            let record = try CanonicalJSON.decode(report.recordBytes())
            try self.init(record: record) { (_) throws(LetheError) in DeferredItems() }
        }
    }
}

/// The columns and the cells of the rows of a disposal report's exceptions and open work, as the
/// HTML page and the PDF show them.
enum ReportTableRows {
    /// The columns of the exceptions table (the HTML page and the PDF).
    static let exceptionColumns = ["Exception", "Tag", "Details"]

    /// A row of the exceptions table: the kind's label, the tag, and every other member as
    /// "name value".
    static func exceptionRow(label: String, _ item: JSONReading) -> [String] {
        let details = (item.memberNames ?? []).filter { $0 != "tag" }.map { "\($0) \(ReportCSV.text(item[$0]))" }
        return [label, ReportCSV.text(item["tag"]), details.joined(separator: "; ")]
    }

    /// The columns of the open work's assets table.
    static let openWorkColumns = ["Tag", "State", "Retired", "Age (days)", "Job", "Due"]

    /// A row of the open work's assets table.
    static func openWorkRow(_ item: JSONReading) -> [String] {
        ["tag", "state", "retired_at", "age_days", "job", "due_at"].map { ReportCSV.text(item[$0]) }
    }
}
