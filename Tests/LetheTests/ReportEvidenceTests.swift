import Crypto
import Foundation
import LetheCore
import LetheEvidence
import LetheStore
import LetheTestSupport
import Synchronization
import Testing

@testable import Lethe

private let opensslIsInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
// poppler-utils: .ci/run installs it; a developer machine without it skips these checks.
private let popplerIsInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext")

/// An installation with `count` SSDs shredded, attested and certified today, and a disposal
/// report of the day.
private func certifiedHistory(_ count: Int) async throws -> (EvidenceFixture, IssuedReport, [String]) {
    let fixture = try EvidenceFixture()
    let app = fixture.app
    let policies = try fixture.policies()
    for index in 1...count {
        let tag = "SSD-\(index)"
        try app.registerAsset(
            AssetFields(
                tag: tag, serial: "S\(index)", make: "Acme, \"Pro\"", model: index == 1 ? "=HYPERLINK(1)" : "X1",
                mediaType: "ssd", classification: "high"),
            actor: "it")
        try app.retireAsset(tag: tag, actor: "it")
    }
    let jobs = try app.schedule(policies: policies, actor: "planner").created
    let evidence = fixture.installation.root.write("shred.txt", "certificate of destruction\n")
    for job in jobs {
        try app.startJob(id: job.id, actor: "tech")
        try app.recordJob(
            id: job.id, technique: .shred, tool: "ShredCo HD-400", toolVersion: "2.1",
            evidence: [EvidenceFile(path: evidence)], actor: "tech")
        _ = try app.attest(
            id: job.id, evidence: [EvidenceFile(path: evidence)], notes: "inspected", policies: policies,
            actor: "inspector")
    }
    let serials = try await app.evidence.issuePendingDisposalRecords(by: .evidenceOperator("inspector")).map(
        \.serial)
    let day = RFC3339.formatDay(app.currentTime)
    let report = try await app.reports.disposal(
        period: try ReportPeriod(from: day, to: day), by: .evidenceUser("carol", .compliance))
    return (fixture, report, serials)
}

@Suite struct ReportEvidenceTests {
    @Test func aReportBundlesPageIsTheReportsOwnAndSaysWhenItIsRevoked() async throws {
        // Given a signed report
        let (fixture, report, _) = try await certifiedHistory(1)
        let auditor = Principal.evidenceUser("ann", .auditor)
        let page = { () async throws -> String in
            let bundle = try await fixture.app.reports.bundle(serial: report.serial, by: auditor)
            return String(decoding: try #require(bundle.bundle.files[.html]), as: UTF8.self)
        }

        // Then its bundle's record.html is the report's printable page, valid
        let valid = try await page()
        #expect(valid.contains("<svg") && valid.contains("status <strong>valid</strong>"))
        // And so is the page of its bundle as a record (`certificate export`, the API, the console)
        let asRecord = try await fixture.app.evidence.bundle(serial: report.serial, by: auditor)
        #expect(asRecord.bundle.files[.html].map { String(decoding: $0, as: UTF8.self) } == valid)

        // And once the report is revoked, the page of a new bundle says so
        _ = try await fixture.app.evidence.revoke(
            serial: report.serial, reason: "wrong period", by: .evidenceUser("carol", .compliance))
        #expect(try await page().contains("status <strong>revoked</strong>"))
    }

    @Test(.enabled(if: opensslIsInstalled))
    func aReportBundleVerifiesWithOpenSSLAndLetheAndBothRejectAnEditedReport() async throws {
        // Given a report's exported bundle
        let (fixture, report, _) = try await certifiedHistory(2)
        let directory = fixture.installation.root.file("report-bundle")
        let bundle = try await fixture.app.reports.bundle(serial: report.serial, by: .evidenceUser("ann", .auditor))
        try bundle.bundle.write(directory: directory)
        let instructions = String(decoding: try #require(bundle.bundle.files[.instructions]), as: UTF8.self)
        let cms = try #require(
            instructions.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first {
                $0.hasPrefix("openssl cms -verify")
            })

        // When the auditor runs VERIFY.txt's openssl command and Lethe verifies it
        let openssl = try shell(cms, in: directory)
        let verified = try await ReportService.verifyBundle(EvidenceBundle.read(directory: directory))

        // Then both accept it, and Lethe's report check names the log size
        #expect(openssl.status == 0 && openssl.output.contains("Verification successful"))
        #expect(verified.passed)
        #expect(
            verified.checks.map(\.name) == ["record", "signature", "log entry", "checkpoint", "inclusion", "report"])
        #expect(verified.checks.last?.detail.contains("log size \(report.logSize)") == true)
        #expect(String(decoding: try #require(bundle.bundle.files[.html]), as: UTF8.self).contains("<svg"))

        // When a count in the report is raised (kept canonical, so only the signature can tell)
        let record = try #require(bundle.bundle.files[.record])
        let edited = Array(
            String(decoding: record, as: UTF8.self).replacingOccurrences(
                of: "\"verified_jobs\":2", with: "\"verified_jobs\":3"
            ).utf8)
        #expect(edited != record)
        try Data(edited).write(to: URL(fileURLWithPath: directory + "/record.json"))

        // Then openssl and Lethe both reject it
        let rejected = try shell(cms, in: directory)
        #expect(rejected.status != 0)
        let refused = try await ReportService.verifyBundle(EvidenceBundle.read(directory: directory))
        #expect(!refused.passed)
        #expect(refused.checks.first { $0.name == "signature" }?.passed == false)
        #expect(refused.checks.first { $0.name == "report" }?.passed == false)
    }

    @Test func aPDFReaderThatFailsStopsTheDrawingAtTheNextRow() async throws {
        // Given a report of 150 assets, whose PDF has several pages of asset rows
        let (_, report, _) = try await certifiedHistory(150)
        let pages = PagesSeen()
        try ReportPDF.write(report, progress: { pages.saw($0, of: $1) }) { (_) throws(LetheError) in }
        let total = pages.last.pages
        try #require(total >= 4, "the test needs a PDF of four pages or more")
        // When its reader fails once page 2 has begun (cairo writes page 2 as page 3 begins)
        let stopped = PagesSeen()
        #expect {
            try ReportPDF.write(report, chunkBytes: 1, progress: { stopped.saw($0, of: $1) }) {
                (_) throws(LetheError) in
                if stopped.last.page >= 2 { throw LetheError(.io, "the client went away") }
            }
        } throws: { ($0 as? LetheError)?.message == "the client went away" }
        // Then the drawing stopped there, not at the last page
        #expect(stopped.last.pages == total && stopped.last.page < total)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd"), "finds the spool through /proc"))
    func aRecordWhoseSpoolChangedIsNeverHandedOnWhole() async throws {
        // Given a report just issued, its record spliced around its spool file
        let (fixture, _, _) = try await certifiedHistory(2)
        var reports = fixture.app.reports
        reports.spoolThreshold = 64
        let day = RFC3339.formatDay(fixture.app.currentTime)
        let report = try await reports.disposal(
            period: try ReportPeriod(from: day, to: day), by: .evidenceUser("carol", .compliance))
        #expect(report.isSpliced)

        // When a byte of the spool file (unnamed, in the data directory) is changed
        let directory = try #require(fixture.app.dataDirectory?.path)
        let spools = spoolDescriptors(in: directory)
        let spool = try #require(spools.first)
        #expect(spools.count == 1)
        var byte: UInt8 = 0
        #expect(pread(spool, &byte, 1, 8) == 1)
        byte ^= 0x20
        #expect(pwrite(spool, &byte, 1, 8) == 1)

        // Then handing the record on fails, and what was handed on is not the whole record: its
        // last piece was held until the digest was checked
        var handed = 0
        #expect {
            try report.writeRecord { (piece) throws(LetheError) in handed += piece.count }
        } throws: { ($0 as? LetheError)?.message.contains("SHA-256") == true }
        #expect(handed > 0 && handed < report.recordCount)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd"), "finds the spool through /proc"))
    func aRecordCopiedWhileItIsStoredIsTheStoredOneOrDescribesNothing() async throws {
        // Given a history, and reports whose content moves to its spool file past 64 bytes
        let (fixture, _, _) = try await certifiedHistory(2)
        var reports = fixture.app.reports
        reports.spoolThreshold = 64
        let day = RFC3339.formatDay(fixture.app.currentTime)
        let period = try ReportPeriod(from: day, to: day)
        let (carol, auditor) = (Principal.evidenceUser("carol", .compliance), Principal.evidenceUser("ann", .auditor))
        let copies = CopiedRecords()
        let copy: RecordCopy = { (report) in
            var bytes: [UInt8] = []
            do throws(LetheError) {
                try report.writeRecord { (piece) throws(LetheError) in bytes += piece }
                copies.add(serial: report.serial, .success(bytes))
            } catch {
                copies.add(serial: report.serial, .failure(error))
            }
        }

        // When a report is issued with its record copied as the store writes it
        let report = try await reports.disposal(period: period, by: carol, copy: copy)

        // Then the copy was made before the report was returned, and is the record stored, signed
        // with the digest begun as its content was spooled
        #expect(report.isSpliced)
        let stored = try await fixture.app.reports.show(serial: report.serial, by: auditor).recordBytes()
        #expect(copies.all.count == 1)
        #expect(copies.all.first?.serial == report.serial)
        #expect(try copies.all.first?.result.get() == stored)
        #expect(report.recordSHA256 == Hex.encode(Array(SHA256.hash(data: stored))))
        #expect(
            try await ReportService.verifyBundle(fixture.app.reports.bundle(serial: report.serial, by: auditor).bundle)
                .passed)

        // When the next report's spool file changes once its content is computed, before it is
        // signed (its digest begun as the content was written is then not the file's)
        let directory = try #require(fixture.app.dataDirectory?.path)
        let before = spoolDescriptors(in: directory)
        let changed = CopiedRecords()
        let listed = try await fixture.app.reports.list(limit: nil, by: auditor).count
        await #expect {
            _ = try await reports.disposal(
                period: period, by: carol,
                progress: { (stage) in
                    guard case .signing = stage, let spool = spoolDescriptors(in: directory).subtracting(before).first
                    else {
                        return
                    }
                    var byte: UInt8 = 0
                    guard pread(spool, &byte, 1, 8) == 1 else { return }
                    byte ^= 0x20
                    if pwrite(spool, &byte, 1, 8) == 1 { changed.add(serial: "", .success([byte])) }
                }, copy: copy)
        } throws: { ($0 as? LetheError)?.message.contains("SHA-256") == true }

        // Then nothing was stored, and the copy begun ended before the error was said, refused
        #expect(changed.all.count == 1)
        #expect(try await fixture.app.reports.list(limit: nil, by: auditor).count == listed)
        #expect(copies.all.count == 2)
        #expect(copies.all.last.map { (try? $0.result.get()) == nil } == true)
    }

    @Test func aReportSpooledToAFileIsHashedSignedStoredAndWrittenPieceByPiece() async throws {
        // Given a history, and reports whose content moves to its spool file past 64 bytes (a
        // year's does past 4 MiB, and its record is then never held whole)
        let (fixture, _, _) = try await certifiedHistory(2)
        var reports = fixture.app.reports
        reports.spoolThreshold = 64
        let day = RFC3339.formatDay(fixture.app.currentTime)
        let auditor = Principal.evidenceUser("ann", .auditor)

        // When a disposal report is issued, and written out as `--out` writes it
        let report = try await reports.disposal(
            period: try ReportPeriod(from: day, to: day), by: .evidenceUser("carol", .compliance))
        let path = fixture.installation.root.file("report.json")
        try OutputDestination.writeFile(path, force: false, flag: "--out") { (descriptor) throws(LetheError) in
            try report.writeRecord(to: descriptor, name: path)
        }

        // Then its record was spliced around the spool, and the store and the file hold the same
        // bytes, whose SHA-256 its summary states
        #expect(report.isSpliced)
        let bytes = try await fixture.app.reports.show(serial: report.serial, by: auditor).recordBytes()
        #expect(try report.recordBytes() == bytes && report.recordCount == bytes.count)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        #expect(report.recordSHA256 == Hex.encode(Array(SHA256.hash(data: bytes))))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // And they are canonical JSON whose content has the digest the record and summary state
        let value = try CanonicalJSON.decode(bytes)
        #expect(try CanonicalJSON.encode(value) == bytes)
        let content = try CanonicalJSON.encode(try #require(value["content"]))
        #expect(value["content_sha256"]?.stringValue == Hex.encode(Array(SHA256.hash(data: content))))
        #expect(report.contentSHA256 == value["content_sha256"]?.stringValue)
        #expect(value["content"]?["assets"]?.arrayValue?.count == 2)

        // And the auditor's openssl and Lethe's verifier accept its bundle, and computed again it
        // is the same
        let directory = fixture.installation.root.file("spooled-bundle")
        let bundle = try await fixture.app.reports.bundle(serial: report.serial, by: auditor)
        try bundle.bundle.write(directory: directory)
        let instructions = String(decoding: try #require(bundle.bundle.files[.instructions]), as: UTF8.self)
        let cms = try #require(
            instructions.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first {
                $0.hasPrefix("openssl cms -verify")
            })
        if opensslIsInstalled {
            let openssl = try shell(cms, in: directory)
            #expect(openssl.status == 0 && openssl.output.contains("Verification successful"))
        }
        #expect(try await ReportService.verifyBundle(EvidenceBundle.read(directory: directory)).passed)
        #expect(try await fixture.app.reports.reproduce(serial: report.serial, by: auditor).identical)

        // And its bundle made with records spooled holds record.json and record.html as files
        // written a piece at a time, the same bytes as the bundle held in memory, and verifies
        let streamedDirectory = fixture.installation.root.file("streamed-bundle")
        let streamed = try await reports.bundle(serial: report.serial, by: auditor)
        #expect(Set(streamed.streamed.keys) == [.record, .html])
        #expect(streamed.fileNames == bundle.fileNames)
        try streamed.write(directory: streamedDirectory)
        for file in [EvidenceBundle.File.record, .html] {
            let written = try Data(contentsOf: URL(fileURLWithPath: streamedDirectory + "/" + file.rawValue))
            #expect(Array(written) == bundle.bundle.files[file])
            let attributes = try FileManager.default.attributesOfItem(atPath: streamedDirectory + "/" + file.rawValue)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
        }
        #expect(try await ReportService.verifyBundle(EvidenceBundle.read(directory: streamedDirectory)).passed)
        if opensslIsInstalled {
            let openssl = try shell(cms, in: streamedDirectory)
            #expect(openssl.status == 0 && openssl.output.contains("Verification successful"))
        }
        // And a page whose spool file changed is never handed on whole
        let page = try #require(streamed.streamed[.html])
        let dataDirectory = try #require(fixture.app.dataDirectory?.path)
        let pageSpool = try #require(
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { (name) -> Int32? in
                guard
                    let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name),
                    target.hasPrefix(dataDirectory + "/"), target.hasSuffix("(deleted)"), let descriptor = Int32(name)
                else { return nil }
                var status = stat()
                return fstat(descriptor, &status) == 0 && Int(status.st_size) == page.count ? descriptor : nil
            }.first)
        var byte: UInt8 = 0
        #expect(pread(pageSpool, &byte, 1, 0) == 1)
        byte ^= 0x20
        #expect(pwrite(pageSpool, &byte, 1, 0) == 1)
        var handed = 0
        #expect(throws: LetheError.self) {
            try page.write { (piece) throws(LetheError) in handed += piece.count }
        }
        #expect(handed < page.count)

        // And shown as a record past the size shown whole, it has every signed field but its
        // content, and says so
        let whole = try await fixture.app.evidence.record(serial: report.serial, by: auditor)
        #expect(whole.contentOmitted == nil && whole.record["content"] != nil)
        let shown = try await fixture.app.evidence.record(serial: report.serial, by: auditor, showingWholeUpTo: 64)
        #expect(shown.summary == whole.summary)
        #expect(shown.contentOmitted?.contains("lethe report show \(report.serial)") == true)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(shown)) as? [String: Any]
        #expect(encoded?["content_omitted"] as? String == shown.contentOmitted)
        guard case .object(var fields) = whole.record else {
            Issue.record("the record is not an object")
            return
        }
        fields["content"] = nil
        #expect(shown.record == .object(fields))

        // And its PDF, drawn from the spool a window of rows at a time, is the one drawn from the
        // record held whole
        let stored = try await fixture.app.reports.show(serial: report.serial, by: auditor)
        #expect(!stored.isSpliced)
        let pdf = try await ReportPDF.render(report)
        #expect(pdf == (try await ReportPDF.render(stored)))
        #expect(String(decoding: pdf.prefix(5), as: UTF8.self) == "%PDF-")

        // And shown again past the spool threshold, it is read from the store into a file without
        // a name, a piece at a time: the same summary, bytes and PDF
        let spooled = try await reports.show(serial: report.serial, by: auditor)
        #expect(spooled.isSpliced)
        #expect(spooled.summary == stored.summary)
        #expect(try spooled.recordBytes() == bytes)
        #expect(try await ReportPDF.render(spooled) == pdf)
        // And written as cairo writes it, in pieces, it is the same PDF; a reader that fails
        // stops the drawing with its own error
        var written: [[UInt8]] = []
        try ReportPDF.write(spooled, chunkBytes: 1) { written.append($0) }
        #expect(written.count > 2 && written.joined().elementsEqual(pdf))
        var offered = 0
        #expect {
            try ReportPDF.write(spooled, chunkBytes: 1) { (_) throws(LetheError) in
                offered += 1
                if offered == 2 { throw LetheError(.io, "the client went away") }
            }
        } throws: { ($0 as? LetheError)?.message == "the client went away" }
        // And its CSV, read a window of rows at a time and handed on in pieces, is the one
        // rendered from the record held whole, from the spool and from the store's copy alike
        let csv = try ReportCSV.renderBytes(stored)
        #expect(String(decoding: csv, as: UTF8.self).components(separatedBy: "\r\n").count == 4)
        #expect(try ReportCSV.renderBytes(report) == csv)
        var pieces: [[UInt8]] = []
        try ReportCSV.write(spooled, chunkBytes: 1) { pieces.append($0) }
        #expect(pieces.count == 3 && pieces.allSatisfy { $0.last == 0x0A } && pieces.joined().elementsEqual(csv))
        // And so is its HTML page: handed on after each row past a chunk's size, the same bytes
        let html = try ReportHTML.renderBytes(stored)
        #expect(String(decoding: html, as: UTF8.self).contains(">SSD-2</td>"))
        #expect(try ReportHTML.renderBytes(report) == html)
        var parts: [[UInt8]] = []
        try ReportHTML.write(spooled, chunkBytes: 1) { parts.append($0) }
        #expect(parts.count > 3 && parts.joined().elementsEqual(html))
        // And computed again past the threshold, the two contents are compared from their files
        #expect(try await reports.reproduce(serial: report.serial, by: auditor).identical)

        // And `--out` refuses to replace a file unless forced, leaving it as it was
        #expect(throws: LetheError.self) {
            try OutputDestination.writeFile(path, force: false, flag: "--out") { (descriptor) throws(LetheError) in
                try report.writeRecord(to: descriptor, name: path)
            }
        }
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
    }

    @Test func generatingAReportSaysHowFarItIs() async throws {
        // Given a history of three certified assets, one of them disposed since (a row of its
        // job and a row of its disposal in the period: one row)
        let (fixture, _, _) = try await certifiedHistory(3)
        try fixture.app.disposeAsset(tag: "SSD-1", destination: .destroyed, actor: "it")
        let day = RFC3339.formatDay(fixture.app.currentTime)
        let entries = try await fixture.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }

        // When a disposal report is generated with a listener
        let heard = Heard()
        _ = try await fixture.app.reports.disposal(
            period: try ReportPeriod(from: day, to: day), by: .evidenceUser("carol", .compliance),
            progress: { heard.add($0) })

        // Then it heard the log read (through an entry of the log, of the log's size), every row
        // written, and the signing, in that order
        let said = heard.all
        guard case .reading(let through, let size)? = said.first else {
            Issue.record("the first word was not of reading: \(said)")
            return
        }
        #expect(size == entries)
        #expect(through > 0 && through <= entries)
        #expect(Array(said.suffix(2)) == [.rows(written: 3, total: 3), .signing])
    }

    /// The last page a PDF's drawing said it began, and of how many.
    private final class PagesSeen: @unchecked Sendable {
        // @unchecked: `seen` is touched under `lock` only.
        private let lock = NSLock()
        private var seen = (page: 0, pages: 0)
        func saw(_ page: Int, of pages: Int) { lock.withLock { seen = (page, pages) } }
        var last: (page: Int, pages: Int) { lock.withLock { seen } }
    }

    /// What a listener heard, from whichever thread.
    private final class Heard: @unchecked Sendable {
        // @unchecked: `said` is touched under `lock` only.
        private let lock = NSLock()
        private var said: [ReportProgress] = []
        func add(_ progress: ReportProgress) { lock.withLock { said.append(progress) } }
        var all: [ReportProgress] { lock.withLock { said } }
    }

    @Test func aSignedContentIsComparedWithItsRecomputationFromTheirFiles() throws {
        // Given a record spliced around a file, and contents computed again in files of their own
        let root = TemporaryDirectory()
        let record = Array(#"{"content":{"a":[1,2,3]},"x":1}"#.utf8)
        let reader = CheckedSplicedReader(try SplicedBytes(spooling: record, in: root.path))
        let file = { (text: String) throws -> SpoolFile in
            try SplicedBytes(spooling: Array(text.utf8), in: root.path).file
        }

        // Then the same bytes compare equal, and a different byte or length does not
        #expect(try ReportService.sameBytes(content: reader, file: try file(#"{"a":[1,2,3]}"#)))
        #expect(try !ReportService.sameBytes(content: reader, file: try file(#"{"a":[1,2,4]}"#)))
        #expect(try !ReportService.sameBytes(content: reader, file: try file(#"{"a":[1,2,3,4]}"#)))
    }

    @Test func aDisposalRecordBundleIsNotAcceptedAsAReport() async throws {
        // Given a disposal record's bundle (valid in itself)
        let (fixture, _, serials) = try await certifiedHistory(1)
        let bundle = try await fixture.app.evidence.bundle(serial: serials[0], by: .evidenceOperator("ann"))

        // When it is verified as a report, then the report check fails and so does the whole
        let verified = try await ReportService.verifyBundle(bundle.bundle)
        #expect(!verified.passed)
        #expect(verified.checks.filter { !$0.passed }.map(\.name) == ["report"])
    }

    @Test func csvIsRFC4180WithOneRowPerAssetAndNoFormulas() async throws {
        // Given a report of two assets whose make has a comma and quotes, and one model a formula
        let (_, report, serials) = try await certifiedHistory(2)

        // When it is rendered as CSV
        let csv = try ReportCSV.render(report)

        // Then it has a header and one CRLF-ended row per asset, fields quoted as RFC 4180 says
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0] == ReportCSV.columns.joined(separator: ","))
        #expect(
            lines[1].hasPrefix("\(report.serial),SSD-1,S1,\"Acme, \"\"Pro\"\"\",'=HYPERLINK(1),ssd,high,destroy,shred,")
        )
        #expect(lines[1].contains(",\(serials[0]),valid"))
        #expect(lines[2].contains(",\(serials[1]),valid"))
    }

    @Test(arguments: [
        ("plain", "plain"), ("=1+1", "'=1+1"), ("-x,y", "\"'-x,y\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("a\r\nb", "\"a\r\nb\""), (",\u{301}", "\",\u{301}\""), ("\n\u{301}x", "\"\n\u{301}x\""), ("", ""),
        ("Zürich", "Zürich"),
    ])
    func csvFieldsAreQuotedAndNeutralisedByteByByte(raw: String, field: String) {
        // A line break or comma with a combining mark is one Character to Swift, and still quoted
        var out: [UInt8] = []
        ReportCSV.appendField(raw, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == field)
    }

    @Test(.enabled(if: popplerIsInstalled))
    func pdfHasEveryCertificateSerialAndTheReportsSerialAndDigestOnEveryPage() async throws {
        // Given a report of 70 certified assets (more than one page of rows)
        let (fixture, report, serials) = try await certifiedHistory(70)
        let path = fixture.installation.root.file("report.pdf")

        // When it is rendered as PDF (by cairo)
        let pdf = try await ReportPDF.render(report)
        try Data(pdf).write(to: URL(fileURLWithPath: path))

        // Then pdfinfo reads it, with more than one page
        let info = try tool(["pdfinfo", path])
        #expect(info.status == 0)
        let pages = try #require(
            info.stdout.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap {
                Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces))
            })
        #expect(pages >= 2)
        #expect(info.stdout.contains("Creator:") && info.stdout.contains("Lethe"))
        // and pdftotext finds every certificate serial, and the footer on every page
        let text = try tool(["pdftotext", "-layout", path, "-"]).stdout
        for serial in serials { #expect(text.contains(serial), "certificate \(serial) is not in the PDF") }
        let pageTexts = text.split(separator: "\u{0C}", omittingEmptySubsequences: true)
        #expect(pageTexts.count == pages)
        for (index, page) in pageTexts.enumerated() {
            #expect(page.contains("Report \(report.serial)"))
            #expect(page.contains(report.recordSHA256))
            #expect(page.contains("page \(index + 1) of \(pages)"))
        }
        // and pdftoppm renders its first page
        let rendered = try tool([
            "pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", path, fixture.installation.root.file("page"),
        ])
        #expect(rendered.status == 0)
        let png = try #require(
            try FileManager.default.contentsOfDirectory(atPath: fixture.installation.root.path).first {
                $0.hasPrefix("page") && $0.hasSuffix(".png")
            })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.installation.root.file(png)))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 1000)
    }

    @Test(.enabled(if: popplerIsInstalled))
    func anInventoryPDFListsEveryAssetOfTheRegister() async throws {
        // Given the register of 70 verified assets, as an inventory spooled to a file (its rows
        // read a window at a time, as a million assets' are: this test cannot see that;
        // docs/benchmarks.md has the memory it takes)
        let (fixture, _, _) = try await certifiedHistory(70)
        var reports = fixture.app.reports
        reports.spoolThreshold = 64
        let inventory = try await reports.inventory(by: .evidenceUser("carol", .compliance))
        #expect(inventory.isSpliced)
        let path = fixture.installation.root.file("inventory.pdf")

        // When it is rendered as PDF
        try Data(try await ReportPDF.render(inventory)).write(to: URL(fileURLWithPath: path))

        // Then its assets run over more than one page, and each row of the register is in it
        let text = try tool(["pdftotext", "-layout", path, "-"]).stdout
        let pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: true)
        #expect(pages.count >= 2)
        let rows = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        for index in 1...70 {
            #expect(
                rows.contains { $0.first == "SSD-\(index)" && $0.contains("S\(index)") && $0.contains("verified") },
                "SSD-\(index) is not a row of the PDF")
        }
        for page in pages { #expect(page.contains("Report \(inventory.serial)")) }
        // and its title says what it is
        #expect(try tool(["pdfinfo", path]).stdout.contains("Inventory — \(inventory.serial)"))
    }
}

/// This process's descriptors of files without a name in `directory` (a report's spool files),
/// found through /proc.
private func spoolDescriptors(in directory: String) -> Set<Int32> {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return Set(
        names.compactMap { (name) -> Int32? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name),
                target.hasPrefix(directory + "/"), target.hasSuffix("(deleted)")
            else { return nil }
            return Int32(name)
        })
}

/// Records copied by a ``RecordCopy`` in a test, in the order they were.
private final class CopiedRecords: Sendable {
    private let copies = Mutex<[(serial: String, result: Result<[UInt8], LetheError>)]>([])

    func add(serial: String, _ result: Result<[UInt8], LetheError>) { copies.withLock { $0.append((serial, result)) } }

    var all: [(serial: String, result: Result<[UInt8], LetheError>)] { copies.withLock { $0 } }
}
