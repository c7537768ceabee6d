import CCairo
import Foundation
import LetheCore

/// A signed report as PDF, drawn with cairo's PDF surface (vector text and charts; cairo writes
/// the PDF): the content of the HTML rendering on A4 landscape pages, each with the report's
/// serial, the SHA-256 of its signed record.json and "page i of n" in its footer.
public enum ReportPDF {
    /// Renders a signed report, on a thread of its own (drawing a large report takes seconds): the
    /// bytes ``write(_:chunkBytes:progress:to:)`` writes, collected.
    ///
    /// - Parameter progress: told each page begun and the pages in all, from the drawing thread:
    ///   first as the pages are counted (0 in all: not known yet), then as they are drawn.
    public static func render(
        _ report: IssuedReport, progress: (@Sendable (_ page: Int, _ pages: Int) -> Void)? = nil
    ) async throws(LetheError) -> [UInt8] {
        try await OwnThread.run("lethe-pdf") { () throws(LetheError) in
            var bytes: [UInt8] = []
            try write(report, progress: progress) { (piece) throws(LetheError) in bytes += piece }
            return bytes
        }
    }

    /// Writes a signed report's PDF to `sink` as cairo writes it, on the calling thread, a few
    /// megabytes at a time: the PDF is never held whole (a year's is over a hundred megabytes).
    ///
    /// An error from `sink` stops the drawing at the next row and is thrown.
    ///
    /// - Parameters:
    ///   - chunkBytes: the bytes handed to `sink` at a time, at least (the last piece may be
    ///     shorter).
    ///   - progress: as for ``render(_:progress:)``.
    public static func write(
        _ report: IssuedReport, chunkBytes: Int = ReportCSV.chunkBytes,
        progress: (@Sendable (_ page: Int, _ pages: Int) -> Void)? = nil,
        to sink: ([UInt8]) throws(LetheError) -> Void
    ) throws(LetheError) {
        let result = withoutActuallyEscaping(sink) { (sink) -> Result<Void, LetheError> in
            Result { () throws(LetheError) in
                try draw(report, progress: progress, into: PDFSink(chunkBytes: chunkBytes, send: sink))
            }
        }
        try result.get()
    }

    /// Draws a signed report on the calling thread into `sink`.
    private static func draw(
        _ report: IssuedReport, progress: (@Sendable (_ page: Int, _ pages: Int) -> Void)?, into sink: PDFSink
    ) throws(LetheError) {
        // Pass 1 counts the pages (nothing is drawn); pass 2 draws them with "page i of n". The
        // signed record is read once in pieces for its outline; its rows are read a window at a
        // time, once for the charts' counts and once as they are drawn.
        let document = try DeferredReport<DeferredItems>(streaming: report)
        var counter = try PDFLayout(
            report: report, document: document, pages: 0, drawing: false,
            sink: PDFSink(chunkBytes: .max) { (_) throws(LetheError) in })
        counter.progress = progress
        do throws(LetheError) {
            try counter.draw()
        } catch {
            counter.discard()
            throw error
        }
        let pages = counter.page
        // The counting pass's surface records nothing to keep: it goes before the drawing.
        counter.discard()
        var layout = try PDFLayout(report: report, document: document, pages: pages, drawing: true, sink: sink)
        layout.progress = progress
        do throws(LetheError) {
            try layout.draw()
        } catch {
            // Torn down here, while the sink lives (cairo holds it unretained), and told to send
            // nothing more: a reader gets no trailer of a PDF that failed.
            layout.discard()
            throw error
        }
        try layout.finish()
    }
}

/// Where cairo's PDF surface writes: sent on a chunk at a time.
final class PDFSink {
    /// The bytes not yet sent.
    private var bytes: [UInt8] = []
    private let chunkBytes: Int
    private let send: ([UInt8]) throws(LetheError) -> Void
    /// The error of the send that failed: cairo is told the write failed, and draws no more.
    private var failure: LetheError?

    /// A sink that sends what cairo writes on, `chunkBytes` at least at a time.
    init(chunkBytes: Int, send: @escaping ([UInt8]) throws(LetheError) -> Void) {
        self.chunkBytes = chunkBytes
        self.send = send
    }

    /// Takes bytes cairo wrote; false once a send failed.
    func take(_ written: UnsafeBufferPointer<UInt8>) -> Bool {
        guard failure == nil else { return false }
        bytes.append(contentsOf: written)
        guard bytes.count >= chunkBytes else { return true }
        do throws(LetheError) {
            try send(bytes)
            bytes.removeAll(keepingCapacity: true)
            return true
        } catch {
            failure = error
            return false
        }
    }

    /// Takes nothing more: what cairo writes from now on is dropped (a document that failed).
    func abandon() {
        if failure == nil { failure = LetheError(.internal, "the PDF was abandoned") }
    }

    /// Throws the failed send's error, if a send failed.
    func check() throws(LetheError) {
        if let failure { throw failure }
    }

    /// Sends what is left, or throws the failed send's error.
    func finish() throws(LetheError) {
        if let failure { throw failure }
        if !bytes.isEmpty { try send(bytes) }
        bytes = []
    }
}

/// The font last selected on the context: selecting a face and a size again for every table row
/// (a year's report has a million) costs cairo a font look-up each time.
private final class SelectedFont {
    var size = 0.0
    var bold = false
    var isSet = false
    /// The glyphs of the selected font.
    var glyphs = GlyphTable()
    /// The glyphs of each font selected so far, by size and weight.
    var tables: [FontChoice: GlyphTable] = [:]

    struct FontChoice: Hashable {
        var size: Double
        var bold: Bool
    }
}

/// The glyph and the advance of each character met in one font, asked of cairo once.
///
/// A year's report draws a million rows of a dozen cells; measuring each cell with cairo, then
/// having cairo turn it into glyphs, cost two calls a cell and a look-up in cairo's locked glyph
/// cache a character. cairo's text-to-glyphs gives each character one glyph, placed at the sum of
/// the advances before it (no kerning, no shaping); the glyphs laid out here are those, and a
/// text's width the same sum, added in the same order.
private final class GlyphTable {
    struct Metrics {
        var index: UInt
        var advance: Double
    }

    private var ascii = [Metrics?](repeating: nil, count: 128)
    private var others: [UInt32: Metrics] = [:]

    /// The glyph of `scalar` in `font`, or nil when cairo gives it anything but one glyph.
    func metrics(_ scalar: Unicode.Scalar, font: OpaquePointer) -> Metrics? {
        if scalar.value < 128, let known = ascii[Int(scalar.value)] { return known }
        if scalar.value >= 128, let known = others[scalar.value] { return known }
        let utf8 = Array(String(scalar).utf8)
        var glyphs: UnsafeMutablePointer<cairo_glyph_t>?
        var glyphCount: Int32 = 0
        defer { cairo_glyph_free(glyphs) }
        let status = utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                cairo_scaled_font_text_to_glyphs(
                    font, 0, 0, characters.baseAddress, Int32(characters.count), &glyphs, &glyphCount, nil, nil, nil)
            }
        }
        guard status == CAIRO_STATUS_SUCCESS, glyphCount == 1, let glyphs else { return nil }
        var extents = cairo_text_extents_t()
        cairo_scaled_font_glyph_extents(font, glyphs, 1, &extents)
        let metrics = Metrics(index: glyphs[0].index, advance: extents.x_advance)
        if scalar.value < 128 { ascii[Int(scalar.value)] = metrics } else { others[scalar.value] = metrics }
        return metrics
    }

    /// The width of `text` in `font`, nil when a character of it has no single glyph.
    func width(_ text: String, font: OpaquePointer) -> Double? {
        var x = 0.0
        for scalar in text.unicodeScalars {
            guard let metrics = metrics(scalar, font: font) else { return nil }
            x += metrics.advance
        }
        return x
    }

    /// Appends the glyphs of `text` from `x` on `baseline`, one cluster a character; false (and
    /// nothing appended) when a character of it has no single glyph.
    func layOut(
        _ text: String, x: Double, baseline: Double, font: OpaquePointer, glyphs: inout [cairo_glyph_t],
        clusters: inout [cairo_text_cluster_t]
    ) -> Bool {
        let (glyphCount, clusterCount) = (glyphs.count, clusters.count)
        var x = x
        for scalar in text.unicodeScalars {
            guard let metrics = metrics(scalar, font: font) else {
                glyphs.removeSubrange(glyphCount...)
                clusters.removeSubrange(clusterCount...)
                return false
            }
            glyphs.append(cairo_glyph_t(index: metrics.index, x: x, y: baseline))
            clusters.append(cairo_text_cluster_t(num_bytes: Int32(UTF8.width(scalar)), num_glyphs: 1))
            x += metrics.advance
        }
        return true
    }
}

/// One rendering pass: a cursor down A4 landscape pages, breaking pages as content needs.
private struct PDFLayout {
    static let width = 842.0
    static let height = 595.0
    static let margin = 32.0
    static let footer = 22.0

    let report: IssuedReport
    let document: DeferredReport<DeferredItems>
    let record: JSONValue
    let content: JSONValue
    let pages: Int
    let drawing: Bool
    let sink: PDFSink
    let selectedFont = SelectedFont()
    let surface: OpaquePointer
    let cr: OpaquePointer
    var page = 0
    var y = 0.0
    /// Told each page begun, with the pages in all (0 while they are counted).
    var progress: (@Sendable (_ page: Int, _ pages: Int) -> Void)?

    init(
        report: IssuedReport, document: DeferredReport<DeferredItems>, pages: Int, drawing: Bool, sink: PDFSink
    ) throws(LetheError) {
        self.report = report
        self.sink = sink
        self.document = document
        record = document.record
        content = record["content"] ?? .null
        self.pages = pages
        self.drawing = drawing
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<PDFSink>.fromOpaque(closure).takeUnretainedValue()
            return sink.take(UnsafeBufferPointer(start: data, count: Int(length)))
                ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR
        }
        // The counting pass measures text on a recording surface and keeps nothing.
        let created =
            drawing
            ? cairo_pdf_surface_create_for_stream(
                write, Unmanaged.passUnretained(sink).toOpaque(), Self.width, Self.height)
            : cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nil)
        guard let created, cairo_surface_status(created) == CAIRO_STATUS_SUCCESS, let context = cairo_create(created)
        else {
            throw LetheError(.internal, "cairo could not create a PDF surface")
        }
        surface = created
        cr = context
        if drawing {
            let period = content["period"]
            // Another kind's title is its document's (whose long tables, deferred, are empty here).
            let heading =
                report.reportKind == ReportKind.disposal.rawValue
                ? "Disposal report \(Self.text(period?["from"])) to \(Self.text(period?["to"]))"
                : ReportDocument(content: content).title
            let title = "\(heading) — \(report.serial)"
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Lethe")
            // The issue time, not the rendering time: the same report renders to the same dates.
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, report.issuedAt)
        }
    }

    /// Lets the context and the surface go without ending the document: nothing more is sent.
    func discard() {
        sink.abandon()
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Ends the document and sends what is left of it.
    mutating func finish() throws(LetheError) {
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        // A send that failed is the cause of cairo's write error: it is what is said.
        try sink.finish()
        guard status == CAIRO_STATUS_SUCCESS else {
            throw LetheError(
                .internal, "cairo could not write the PDF: \(String(cString: cairo_status_to_string(status)))")
        }
    }

    // MARK: - The document

    mutating func draw() throws(LetheError) {
        newPage()
        if report.reportKind != ReportKind.disposal.rawValue {
            try drawDocument()
            return
        }
        let period = content["period"]
        font(16, bold: true)
        line("Disposal report \(Self.text(period?["from"])) to \(Self.text(period?["to"]))", size: 16)
        font(9)
        line(
            "\(Self.text(record["issuer"]?["organization"])) · serial \(report.serial) · issued \(report.issuedAt) · status \(report.status.rawValue)",
            size: 9)
        line(
            "Computed from the first \(report.logSize) entries of log \(Self.text(record["issuer"]?["log_origin"])), root \(report.logRoot)",
            size: 9)
        line("record.json SHA-256 \(report.recordSHA256)", size: 9)
        line("content SHA-256 \(report.contentSHA256)", size: 9)
        y += 6
        charts()
        heading("Totals")
        let totals = (content["totals"]?["by_method_media_classification_outcome"]?.arrayValue ?? []).map { row in
            ["method", "media_type", "classification", "outcome", "count"].map { key in Self.text(row[key]) }
        }
        table(["Method", "Media", "Classification", "Outcome", "Assets"], [120, 120, 120, 160, 60], totals)
        table(
            ["Destination", "Assets"], [200, 60],
            (content["totals"]?["by_destination"]?.arrayValue ?? []).map {
                [Self.text($0["destination"]), Self.text($0["count"])]
            })
        heading("Verification")
        let verification = content["verification"]
        let target = verification?["program_target"]
        table(
            ["Measure", "Value"], [300, 400],
            [
                ["Verified jobs", Self.text(verification?["verified_jobs"])],
                ["Verified by a second person", ReportHTML.shareText(verification?["second_person"])],
                ["Verified by read-back", ReportHTML.shareText(verification?["read_back"])],
                ["Attestation only", ReportHTML.shareText(verification?["attestation_only"])],
                ["Sampled read-back", ReportHTML.shareText(verification?["sampled"]?["jobs"])],
                [
                    "Sample rate used (lowest) / policy's",
                    "\(Self.text(verification?["sampled"]?["lowest_rate_percent"])) % / \(Self.text(verification?["sampled"]?["policy_rate_percent"])) %",
                ],
                [
                    "Program target \(Self.text(target?["target_percent"])) % (\(Self.text(target?["name"])))",
                    "\(ReportHTML.shareText(target?["achieved"])) — \(target?["met"] == .bool(true) ? "met" : "NOT met")",
                ],
            ])
        let assets = document.assets
        heading("Assets (\(assets.count))")
        // Each row's cells are made as it is drawn: a year's report has a million rows.
        // A row's members are read in one pass over it.
        let names = JSONMemberNames([
            "tag", "serial", "media_type", "classification", "method", "technique", "tool", "verification",
            "performer", "validator", "verified_at", "outcome", "destination", "certificate", "certificate_status",
        ])
        let assetRow: (JSONReading) -> [String] = { asset in
            let member = asset.members(names)
            let text = { (index: Int) in Self.text(member[index]) }
            return [
                text(0), text(1), "\(text(2))/\(text(3))", text(4),
                [text(5), text(6)].filter { !$0.isEmpty }.joined(separator: " · "),
                ReportHTML.verificationText(member[7]), "\(text(8)) / \(text(9))", String(text(10).prefix(10)),
                text(11), text(12), text(13), text(14),
            ]
        }
        try table(
            [
                "Tag", "Serial", "Media/class", "Method", "Technique · tool", "Verification", "Performer / validator",
                "Verified", "Outcome", "Destination", "Certificate", "Status",
            ], [62, 66, 62, 36, 80, 92, 86, 46, 44, 54, 80, 34], count: assets.count, size: 6.5
        ) { [sink] (index) throws(LetheError) in
            // A reader that went away stops the drawing at the next row, not at the last page.
            try sink.check()
            return assetRow(try assets.item(index))
        }
        heading("Exceptions")
        // The exceptions of every kind, one after the other: row `i` is found by the kinds' counts.
        let kinds = document.exceptions.filter { !$0.items.isEmpty }
        let count = kinds.reduce(0) { $0 + $1.items.count }
        if count == 0 {
            font(9)
            line("No exceptions.", size: 9)
        } else {
            var (kind, first) = (0, 0)
            try table(ReportTableRows.exceptionColumns, [130, 80, 568], count: count, size: 7) {
                [sink] (index) throws(LetheError) in
                try sink.check()
                // Rows are asked for in order; a lower index starts the search again.
                if index < first { (kind, first) = (0, 0) }
                while index - first >= kinds[kind].items.count {
                    first += kinds[kind].items.count
                    kind += 1
                }
                return ReportTableRows.exceptionRow(
                    label: kinds[kind].label, try kinds[kind].items.item(index - first))
            }
        }
        heading("Open work at \(Self.text(content["open_work"]?["at"]))")
        let openWork = document.openWork
        try table(ReportTableRows.openWorkColumns, [90, 130, 130, 60, 50, 130], count: openWork.count, size: 7) {
            [sink] (index) throws(LetheError) in
            try sink.check()
            return ReportTableRows.openWorkRow(try openWork.item(index))
        }
        heading("Erasure requests")
        let erasure = content["erasure"]
        let backups = erasure?["backups_destroyed"]
        table(
            ["Measure", "Value"], [300, 400],
            [
                ["Received", Self.text(erasure?["received"])], ["Completed", Self.text(erasure?["completed"])],
                ["Completed within the due date", ReportHTML.shareText(erasure?["completed_within_due"])],
                ["Median days to close", Self.text(erasure?["median_days"])],
                ["95th percentile days to close", Self.text(erasure?["p95_days"])],
                [
                    "Backups destroyed (shredded / with media / attested)",
                    "\(Self.text(backups?["shredded"])) / \(Self.text(backups?["with-media"])) / \(Self.text(backups?["attested"]))",
                ],
                ["Parts attested (processors, file shares)", Self.text(erasure?["attested_parts"])],
            ])
        if drawing { cairo_show_page(cr) }
    }

    /// A shipment, custody, erasure or inventory report: the head, then its sections as tables
    /// (an inventory's assets read a window at a time, as they are drawn).
    mutating func drawDocument() throws(LetheError) {
        let document = ReportDocument(content: content)
        font(16, bold: true)
        line(document.title, size: 16)
        font(9)
        line(
            "\(Self.text(record["issuer"]?["organization"])) · serial \(report.serial) · issued \(report.issuedAt) · status \(report.status.rawValue)",
            size: 9)
        line(
            "Computed from the first \(report.logSize) entries of log \(Self.text(record["issuer"]?["log_origin"])), root \(report.logRoot)",
            size: 9)
        line("record.json SHA-256 \(report.recordSHA256)", size: 9)
        line("content SHA-256 \(report.contentSHA256)", size: 9)
        let usable = Self.width - 2 * Self.margin
        for section in document.sections {
            heading(section.title)
            let total = section.widths.reduce(0, +)
            let widths = section.widths.map { $0 * usable / total }
            if report.reportKind == ReportKind.inventory.rawValue, section.title == "Assets" {
                let assets = self.document.assets
                try table(section.header, widths, count: assets.count, size: 7) { [sink] (index) throws(LetheError) in
                    try sink.check()
                    return try assets.item(index).members(ReportDocument.inventoryMembers).map { ReportCSV.text($0) }
                }
                continue
            }
            // Signature lines need room to sign.
            table(section.header, widths, section.rows, size: section.title == "Signatures" ? 10 : 7)
        }
        if drawing { cairo_show_page(cr) }
    }

    // MARK: - Pages, text, tables

    mutating func newPage() {
        if page > 0, drawing { cairo_show_page(cr) }
        page += 1
        y = Self.margin
        progress?(page, pages)
        guard drawing else { return }
        font(7)
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3)
        let text = "Report \(report.serial) · record.json SHA-256 \(report.recordSHA256) · page \(page) of \(pages)"
        cairo_move_to(cr, Self.margin, Self.height - Self.footer + 8)
        cairo_show_text(cr, text)
        cairo_set_source_rgb(cr, 0, 0, 0)
    }

    /// Starts a new page unless `height` more points fit on this one.
    mutating func need(_ height: Double) {
        if y + height > Self.height - Self.margin - Self.footer { newPage() }
    }

    func font(_ size: Double, bold: Bool = false) {
        if selectedFont.isSet, selectedFont.size == size, selectedFont.bold == bold { return }
        (selectedFont.isSet, selectedFont.size, selectedFont.bold) = (true, size, bold)
        cairo_select_font_face(
            cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        let choice = SelectedFont.FontChoice(size: size, bold: bold)
        if let table = selectedFont.tables[choice] {
            selectedFont.glyphs = table
        } else {
            selectedFont.glyphs = GlyphTable()
            selectedFont.tables[choice] = selectedFont.glyphs
        }
    }

    mutating func line(_ text: String, size: Double, x: Double = margin) {
        need(size * 1.4)
        y += size * 1.4
        if drawing {
            cairo_move_to(cr, x, y)
            cairo_show_text(cr, text)
        }
    }

    mutating func heading(_ text: String) {
        need(40)
        y += 8
        font(12, bold: true)
        line(text, size: 12)
        y += 3
    }

    func width(_ text: String) -> Double {
        if selectedFont.isSet, let font = cairo_get_scaled_font(cr),
            let width = selectedFont.glyphs.width(text, font: font)
        {
            return width
        }
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// Draws texts on one baseline, each from its own x, as one text operation: cairo's PDF
    /// surface analyses every operation of a page when it ends it, at a cost that grows with their
    /// number, and a page of a year's report had a dozen per table row. A text cairo cannot turn
    /// into glyphs with plain clusters is drawn on its own.
    func show(_ texts: [(text: String, x: Double)], baseline: Double) {
        var bytes: [UInt8] = []
        var glyphs: [cairo_glyph_t] = []
        var clusters: [cairo_text_cluster_t] = []
        let font = cairo_get_scaled_font(cr)
        for (text, x) in texts {
            // Laid out from the glyphs met before; cairo asked only for a character not met yet.
            if selectedFont.isSet, let font,
                selectedFont.glyphs.layOut(
                    text, x: x, baseline: baseline, font: font, glyphs: &glyphs, clusters: &clusters)
            {
                bytes += text.utf8
                continue
            }
            let utf8 = Array(text.utf8)
            var cellGlyphs: UnsafeMutablePointer<cairo_glyph_t>?
            var glyphCount: Int32 = 0
            var cellClusters: UnsafeMutablePointer<cairo_text_cluster_t>?
            var clusterCount: Int32 = 0
            var flags = cairo_text_cluster_flags_t(rawValue: 0)
            let status = utf8.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { characters in
                    cairo_scaled_font_text_to_glyphs(
                        font, x, baseline, characters.baseAddress, Int32(characters.count), &cellGlyphs, &glyphCount,
                        &cellClusters, &clusterCount, &flags)
                }
            }
            if status == CAIRO_STATUS_SUCCESS, flags.rawValue == 0 {
                bytes += utf8
                glyphs += UnsafeBufferPointer(start: cellGlyphs, count: Int(glyphCount))
                clusters += UnsafeBufferPointer(start: cellClusters, count: Int(clusterCount))
            } else {
                cairo_move_to(cr, x, baseline)
                cairo_show_text(cr, text)
            }
            cairo_glyph_free(cellGlyphs)
            cairo_text_cluster_free(cellClusters)
        }
        guard !glyphs.isEmpty else { return }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                cairo_show_text_glyphs(
                    cr, characters.baseAddress, Int32(characters.count), glyphs, Int32(glyphs.count), clusters,
                    Int32(clusters.count), cairo_text_cluster_flags_t(rawValue: 0))
            }
        }
    }

    /// `text` cut to fit `width` points, ending with "…" when cut.
    func fitted(_ text: String, _ limit: Double) -> String {
        guard width(text) > limit else { return text }
        // The longest prefix that fits with "…" after it (widths grow with the prefix): found by
        // halving, not by dropping one character at a time and measuring again.
        let characters = Array(text)
        var (fits, tooLong) = (0, characters.count)
        while tooLong - fits > 1 {
            let middle = (fits + tooLong) / 2
            if width(String(characters[..<middle]) + "…") > limit { tooLong = middle } else { fits = middle }
        }
        return String(characters[..<fits]) + "…"
    }

    /// A table with a header row, repeated at the top of every page it runs onto.
    mutating func table(_ header: [String], _ widths: [Double], _ rows: [[String]], size: Double = 8) {
        table(header, widths, count: rows.count, size: size) { rows[$0] }
    }

    /// A table of `count` rows whose cells `cells(i)` makes when row `i` is drawn (the counting
    /// pass makes none).
    mutating func table<Failure: Error>(
        _ header: [String], _ widths: [Double], count: Int, size: Double = 8,
        _ cells: (Int) throws(Failure) -> [String]
    ) throws(Failure) {
        let rowHeight = size * 1.55
        let tableWidth = widths.reduce(0, +)
        var rules: [Double] = []
        func row(_ cells: [String], bold: Bool, into layout: inout PDFLayout) {
            layout.font(size, bold: bold)
            layout.y += rowHeight
            guard layout.drawing else { return }
            var x = Self.margin
            var placed: [(text: String, x: Double)] = []
            for (index, cell) in cells.enumerated() where index < widths.count {
                placed.append((layout.fitted(cell, widths[index] - 4), x + 2))
                x += widths[index]
            }
            layout.show(placed, baseline: layout.y - size * 0.4)
            rules.append(layout.y + 1)
        }
        // The rule under each row, drawn as one stroke per page (one operation, as above).
        func strokeRules(_ layout: inout PDFLayout) {
            defer { rules.removeAll(keepingCapacity: true) }
            guard layout.drawing, !rules.isEmpty else { return }
            cairo_set_source_rgb(layout.cr, 0.8, 0.8, 0.8)
            cairo_set_line_width(layout.cr, 0.4)
            for ruleY in rules {
                cairo_move_to(layout.cr, Self.margin, ruleY)
                cairo_line_to(layout.cr, Self.margin + tableWidth, ruleY)
            }
            cairo_stroke(layout.cr)
            cairo_set_source_rgb(layout.cr, 0, 0, 0)
        }
        need(rowHeight * 2)
        row(header, bold: true, into: &self)
        for index in 0..<count {
            if y + rowHeight > Self.height - Self.margin - Self.footer {
                strokeRules(&self)
                newPage()
                row(header, bold: true, into: &self)
            }
            row(drawing ? try cells(index) : [], bold: false, into: &self)
        }
        strokeRules(&self)
        y += 6
    }

    // MARK: - Charts

    mutating func charts() {
        let figures = document.figures
        let chartWidth = (Self.width - 2 * Self.margin - 20) / 2
        let chartHeight = 150.0
        need(2 * chartHeight + 20)
        let top = y
        bars(
            "Disposals per month by method", figures.perMonth, stacked: true, x: Self.margin, y: top,
            width: chartWidth, height: chartHeight)
        bars(
            "Outcome mix", figures.outcomes, stacked: false, x: Self.margin + chartWidth + 20, y: top,
            width: chartWidth, height: chartHeight)
        bars(
            "Open work by age (days since retirement)", figures.openAges, stacked: false, x: Self.margin,
            y: top + chartHeight + 10, width: chartWidth, height: chartHeight)
        bars(
            "Erasure requests: days to close", figures.erasureDays, stacked: false,
            x: Self.margin + chartWidth + 20, y: top + chartHeight + 10, width: chartWidth, height: chartHeight)
        y = top + 2 * chartHeight + 20
    }

    static let colours: [(Double, Double, Double)] = [
        (0.31, 0.47, 0.65), (0.95, 0.56, 0.17), (0.88, 0.34, 0.35), (0.61, 0.61, 0.61),
    ]

    func bars(
        _ title: String, _ bars: [ReportFigures.Bar], stacked: Bool, x: Double, y: Double, width: Double,
        height: Double
    ) {
        guard drawing else { return }
        font(9, bold: true)
        cairo_move_to(cr, x, y + 10)
        cairo_show_text(cr, title)
        font(7)
        let left = x + 26
        let base = y + height - 26
        let top = y + 20
        let maximum = max(1, bars.map { $0.values.reduce(0, +) }.max() ?? 1)
        cairo_set_line_width(cr, 0.6)
        cairo_move_to(cr, left, base)
        cairo_line_to(cr, x + width, base)
        cairo_stroke(cr)
        cairo_move_to(cr, x, top + 4)
        cairo_show_text(cr, String(maximum))
        cairo_move_to(cr, x, base)
        cairo_show_text(cr, "0")
        let slot = (x + width - left) / Double(max(1, bars.count))
        for (index, bar) in bars.enumerated() {
            var barTop = base
            let barX = left + Double(index) * slot + slot * 0.15
            for (series, value) in bar.values.enumerated() where value > 0 {
                let h = (base - top) * Double(value) / Double(maximum)
                barTop -= h
                let colour = Self.colours[stacked ? series % Self.colours.count : 0]
                cairo_set_source_rgb(cr, colour.0, colour.1, colour.2)
                cairo_rectangle(cr, barX, barTop, slot * 0.7, h)
                cairo_fill(cr)
            }
            cairo_set_source_rgb(cr, 0, 0, 0)
            let total = String(bar.values.reduce(0, +))
            cairo_move_to(cr, barX + slot * 0.35 - self.width(total) / 2, barTop - 2)
            cairo_show_text(cr, total)
            let label = fitted(bar.label, slot)
            cairo_move_to(cr, barX + slot * 0.35 - self.width(label) / 2, base + 9)
            cairo_show_text(cr, label)
        }
        if stacked {
            for (index, name) in ReportFigures.methods.enumerated() {
                let colour = Self.colours[index % Self.colours.count]
                cairo_set_source_rgb(cr, colour.0, colour.1, colour.2)
                cairo_rectangle(cr, left + Double(index) * 60, base + 14, 7, 7)
                cairo_fill(cr)
                cairo_set_source_rgb(cr, 0, 0, 0)
                cairo_move_to(cr, left + Double(index) * 60 + 10, base + 20)
                cairo_show_text(cr, name)
            }
        }
        if bars.isEmpty {
            cairo_move_to(cr, x + width / 2 - 8, y + height / 2)
            cairo_show_text(cr, "none")
        }
    }

    static func text(_ value: JSONValue?) -> String { ReportCSV.text(value) }

    static func text<Value: JSONFieldReading>(_ value: Value?) -> String { ReportCSV.text(value) }
}
