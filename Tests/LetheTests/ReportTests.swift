import Crypto
import Foundation
import LetheCore
import LetheEvidence
import LetheStore
import LetheTestSupport
import Testing

@testable import Lethe

/// A history for reports: SSD-1 shredded, certified and destroyed; SSD-2 shredded and moved
/// without seals; SSD-3 retired and waiting. The period is the fixture clock's day.
struct ReportHistory {
    var fixture: EvidenceFixture
    var certificate: String
    var period: ReportPeriod

    init() async throws {
        fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob("SSD-1")
        certificate = try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("inspector"))
            .serial
        try fixture.app.disposeAsset(tag: "SSD-1", destination: .destroyed, actor: "it")
        _ = try fixture.shreddedJob("SSD-2")
        try await fixture.app.assets.transferCustody(
            "SSD-2", CustodyTransfer(to: "ShredCo driver", manifest: "MAN-7"), by: .evidenceOperator("it"))
        try fixture.app.registerAsset(
            AssetFields(
                tag: "SSD-3", serial: "S3", make: "Samsung", model: "870", mediaType: "ssd",
                classification: "moderate"),
            actor: "it")
        try fixture.app.retireAsset(tag: "SSD-3", actor: "it")
        let day = RFC3339.formatDay(fixture.app.currentTime)
        period = try ReportPeriod(from: day, to: day)
    }

    var compliance: Principal { .evidenceUser("carol", .compliance) }
}

@Suite struct ReportTests {
    @Test func disposalReportListsTheAssetsTotalsAndExceptionsOfThePeriod() async throws {
        // Given a history with a certified, destroyed SSD, a second one moved without seals, and
        // a third retired and waiting
        let history = try await ReportHistory()

        // When compliance generates the day's disposal report
        let report = try await history.fixture.app.reports.disposal(period: history.period, by: history.compliance)

        // Then it lists the two sanitized assets with their method, people and certificate
        let content = try #require(report.value["content"])
        let assets = try #require(content["assets"]?.arrayValue)
        #expect(assets.map { $0["tag"]?.stringValue } == ["SSD-1", "SSD-2"])
        #expect(assets[0]["certificate"]?.stringValue == history.certificate)
        #expect(assets[0]["certificate_status"]?.stringValue == "valid")
        #expect(assets[0]["destination"]?.stringValue == "destroyed")
        #expect(assets[0]["performer"]?.stringValue == "tech")
        #expect(assets[0]["validator"]?.stringValue == "inspector")
        #expect(assets[0]["technique"]?.stringValue == "shred")
        #expect(assets[1]["certificate"] == nil)
        // and totals, shares and exceptions computed from them
        #expect(content["totals"]?["by_destination"] == [["destination": "destroyed", "count": 1]])
        #expect(content["verification"]?["attestation_only"]?["count"]?.integerValue == 2)
        #expect(content["verification"]?["second_person"]?["percent"]?.stringValue == "100.0")
        #expect(content["verification"]?["program_target"]?["met"] == .bool(false))
        let unsealed = content["exceptions"]?["custody_without_seals"]?.arrayValue ?? []
        #expect(unsealed.map { $0["tag"]?.stringValue } == ["SSD-2"])
        #expect(unsealed.first?["manifest"]?.stringValue == "MAN-7")
        #expect(content["exceptions"]?["attestation_only_verifications"]?.arrayValue?.count == 2)
        let open = content["open_work"]?["assets"]?.arrayValue ?? []
        #expect(open.map { $0["tag"]?.stringValue } == ["SSD-3"])
        // and it is a signed record of kind report, stating the log it was computed from
        #expect(report.reportKind == "disposal")
        #expect(report.logIndex == report.logSize)
        #expect(report.value["record_type"]?.stringValue == "report")
        #expect(report.value["log_root"]?.stringValue == report.logRoot)
    }

    @Test func aReportComputedAgainAtItsLogSizeIsByteIdentical() async throws {
        // Given a signed report
        let history = try await ReportHistory()
        let app = history.fixture.app
        let report = try await app.reports.disposal(period: history.period, by: history.compliance)
        let signed = try CanonicalJSON.encode(try #require(report.value["content"]))
        // Its summary's digests are those of the bytes it holds (taken from the signing, not
        // computed again)
        #expect(report.recordSHA256 == Hex.encode(Array(SHA256.hash(data: try report.recordBytes()))))
        #expect(report.contentSHA256 == Hex.encode(Array(SHA256.hash(data: signed))))
        let listed = try await app.reports.list(by: .evidenceUser("ann", .auditor))
        #expect(listed.first { $0.serial == report.serial }?.recordSHA256 == report.recordSHA256)

        // When the register changes after it (an asset's model edited, SSD-3 scheduled, SSD-4
        // shredded) and it is computed again at the size it states
        try app.updateAsset(tag: "SSD-1", AssetFields(tag: "SSD-1", model: "870 QVO"), actor: "it")
        _ = try history.fixture.shreddedJob("SSD-4")
        let again = try await app.reports.compute(
            ReportParameters(kind: .disposal, period: history.period), atLogSize: report.logSize)

        // Then the content is byte for byte the signed content, with the same log root
        #expect(again.bytes == signed)
        #expect(again.sha256 == report.contentSHA256)
        #expect(again.logRoot == report.logRoot)
        let reproduction = try await app.reports.reproduce(serial: report.serial, by: .evidenceUser("ann", .auditor))
        #expect(reproduction.identical && reproduction.sameLogRoot)
        // while a report computed now sees the changes
        let now = try await app.reports.compute(
            ReportParameters(kind: .disposal, period: history.period), atLogSize: nil)
        let assets = try CanonicalJSON.decode(now.bytes)["assets"]?.arrayValue ?? []
        #expect(assets.map { $0["tag"]?.stringValue } == ["SSD-1", "SSD-2", "SSD-4"])
        #expect(assets.first?["model"]?.stringValue == "870 QVO")
        #expect(now.bytes != signed)
    }

    @Test func everyKindOfReportIsReproducedFromItsSignedParameters() async throws {
        // Given a shipment, a custody and an inventory report, each with its own parameters
        let history = try await ReportHistory()
        let app = history.fixture.app
        let reports = [
            try await app.reports.shipment(manifest: "MAN-7", by: history.compliance),
            try await app.reports.custody(tag: "SSD-2", by: history.compliance),
            try await app.reports.inventory(state: .inService, by: history.compliance),
        ]
        // When each is computed again from what its record states (after the register changed)
        try app.updateAsset(tag: "SSD-2", AssetFields(tag: "SSD-2", model: "870 QVO"), actor: "it")
        for report in reports {
            let reproduction = try await app.reports.reproduce(
                serial: report.serial, by: .evidenceUser("ann", .auditor))
            // Then it is byte-identical: the manifest, tag and state were read back too
            #expect(reproduction.identical, "report \(report.serial) was not reproduced")
        }
    }

    @Test func onlyComplianceAndTheSchedulerGenerateReportsAndEveryRoleReadsThem() async throws {
        // Given a history
        let history = try await ReportHistory()
        let app = history.fixture.app
        let before = try history.fixture.counts()

        // When an auditor and a technician ask to generate a report, they are refused and nothing is written
        for principal in [Principal.evidenceUser("ann", .auditor), .evidenceUser("tim", .technician)] {
            await #expect(throws: LetheError.self) {
                try await app.reports.disposal(period: history.period, by: principal)
            }
        }
        #expect(try history.fixture.counts() == before)
        // Then the scheduler may, and the auditor reads the list
        let report = try await app.reports.disposal(period: history.period, by: .scheduler)
        let listed = try await app.reports.list(by: .evidenceUser("ann", .auditor))
        #expect(listed.map(\.serial) == [report.serial])
        // And each entry summarises its report as the report itself does, with its parameters
        #expect(listed.first == report.summary)
        #expect(listed.first?.parameters["from"] == .string(history.period.from))
        let shown = try await app.reports.show(serial: report.serial, by: .evidenceUser("ann", .auditor))
        #expect(shown.summary == report.summary)
        // And a serial no report has is refused, pointing to the list of reports
        await #expect {
            try await app.reports.show(serial: "NOPE-1", by: .evidenceUser("ann", .auditor))
        } throws: { ($0 as? LetheError)?.message.contains("see 'lethe report list'") == true }
        // And a limit keeps the newest, while a limit below one is refused, not answered with an
        // empty list
        let second = try await app.reports.disposal(period: history.period, by: .scheduler)
        #expect(try await app.reports.list(by: .scheduler).map(\.serial) == [second.serial, report.serial])
        #expect(try await app.reports.list(limit: 1, by: .scheduler).map(\.serial) == [second.serial])
        await #expect(throws: LetheError.self) { try await app.reports.list(limit: 0, by: .scheduler) }
        #expect(Authorization.roles(for: .generateReport) == [.compliance, .scheduler])
    }

    @Test func shipmentReportListsWhatLeftUnderOneManifest() async throws {
        // Given SSD-2 handed over under manifest MAN-7 without seals
        let history = try await ReportHistory()
        let app = history.fixture.app

        // When compliance generates the manifest's shipment report
        let report = try await app.reports.shipment(manifest: "MAN-7", by: history.compliance)

        // Then it lists the asset, the hand-over and the missing seals
        let content = try #require(report.value["content"])
        #expect(content["assets"]?.arrayValue?.map { $0["tag"]?.stringValue } == ["SSD-2"])
        #expect(content["handovers"]?.arrayValue?.first?["to"]?.stringValue == "ShredCo driver")
        #expect(content["totals"]?["without_seals"]?.integerValue == 1)
        #expect(try ReportCSV.render(report).components(separatedBy: "\r\n").count == 3)
        #expect(try ReportHTML.render(report).contains("Shipment report — manifest MAN-7"))

        // When the manifest is unknown, then nothing is issued
        let before = try history.fixture.counts()
        await #expect(throws: LetheError.self) {
            try await app.reports.shipment(manifest: "MAN-8", by: history.compliance)
        }
        #expect(try history.fixture.counts() == before)
    }

    @Test func custodyReportHasEveryEventAndASignatureLinePerHandover() async throws {
        // Given SSD-2's history (registered, retired, scheduled, shredded, attested, moved)
        let history = try await ReportHistory()

        // When its chain-of-custody document is generated
        let report = try await history.fixture.app.reports.custody(tag: "SSD-2", by: history.compliance)

        // Then it has each of its events in log order and one hand-over to sign for
        let content = try #require(report.value["content"])
        let types = content["events"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
        #expect(types.first == "asset.registered" && types.last == "asset.custody-transferred")
        #expect(types.contains("job.verified"))
        #expect(content["handovers"]?.arrayValue?.count == 1)
        #expect(try ReportHTML.render(report).contains("Handed over by (signature)"))
        await #expect(throws: LetheError.self) {
            try await history.fixture.app.reports.custody(tag: "NOPE-1", by: history.compliance)
        }
    }

    @Test func erasureReportNamesRequestsByNumberAndNoSubject() async throws {
        // Given two erasure requests of subjects Lethe holds nothing of (each completes at once)
        let history = try await ReportHistory()
        let app = history.fixture.app
        let policies = try history.fixture.policies()
        for identifier in ["ada@example.com", "grace@example.org"] {
            _ = try await app.erasure.request(
                identifier: identifier, reason: .withdrawal, policies: policies, by: history.compliance)
        }

        // When the day's erasure report is generated
        let report = try await app.reports.erasure(period: history.period, by: history.compliance)

        // Then it counts and lists both, closed within their due date, and names no subject
        let content = try #require(report.value["content"])
        #expect(content["summary"]?["received"]?.integerValue == 2)
        #expect(content["summary"]?["completed_within_due"]?["count"]?.integerValue == 2)
        #expect(content["requests"]?.arrayValue?.map { $0["within_due"] } == [.bool(true), .bool(true)])
        let subjects = try await app.store.read { (tx) throws(LetheError) in
            try tx.events(fromSeq: 1, limit: 10_000).filter { $0.type == .erasureRequested }.compactMap {
                $0.payload["subject"]?.stringValue
            }
        }
        #expect(subjects.count == 2)
        let signed = String(decoding: try report.recordBytes(), as: UTF8.self)
        for subject in subjects { #expect(!signed.contains(subject)) }
        #expect(!signed.contains("ada@example.com"))
        #expect(try ReportCSV.render(report).components(separatedBy: "\r\n").count == 4)
    }

    @Test func inventoryIsTheRegisterAtItsLogSize() async throws {
        // Given the history (one asset's make and model needing CSV quoting, a formula's
        // neutralising and non-ASCII text), and an inventory of the assets awaiting sanitization
        let history = try await ReportHistory()
        let app = history.fixture.app
        try app.updateAsset(
            tag: "SSD-2", AssetFields(tag: "SSD-2", make: "=x, \"y\"", model: "Évo\u{301} 870"), actor: "it")
        let report = try await app.reports.inventory(state: .awaitingSanitization, by: history.compliance)
        let content = try #require(report.value["content"])
        #expect(content["assets"]?.arrayValue?.map { $0["tag"]?.stringValue } == [])
        #expect(content["state"] == "awaiting-sanitization" && content["report"] == "inventory")
        #expect(content["totals"] == ["assets": 0, "by_state": []])
        let all = try await app.reports.inventory(by: history.compliance)
        let states = (try #require(all.value["content"])["assets"]?.arrayValue ?? []).map {
            [$0["tag"]?.stringValue, $0["state"]?.stringValue]
        }
        #expect(states == [["SSD-1", "disposed"], ["SSD-2", "verified"], ["SSD-3", "retired"]])
        let allContent = try #require(all.value["content"])
        #expect(allContent["state"] == nil)
        #expect(
            allContent["totals"]
                == [
                    "assets": 3,
                    "by_state": [
                        ["count": 1, "state": "disposed"], ["count": 1, "state": "retired"],
                        ["count": 1, "state": "verified"],
                    ],
                ])

        // And each content, written row by row, is the canonical encoding of its value, and the
        // same when spooled to a file past 64 bytes
        var spooling = app.reports
        spooling.spoolThreshold = 64
        for issued in [report, all] {
            let content = try await app.reports.compute(
                try ReportParameters(json: issued.parameters), atLogSize: issued.logSize)
            #expect(try CanonicalJSON.encode(CanonicalJSON.decode(content.bytes)) == content.bytes)
            #expect(content.sha256 == issued.contentSHA256)
            let spooled = try await spooling.compute(
                try ReportParameters(json: issued.parameters), atLogSize: issued.logSize)
            #expect(spooled.bytes == content.bytes)
        }

        // And its CSV, read a row at a time, is the document's assets table, spliced around a spool
        // file or not
        let document = ReportDocument(content: try #require(all.value["content"]))
        let table = try #require(document.sections.first { $0.title == "Assets" })
        func csv(_ serial: String) -> [UInt8] {
            var out: [UInt8] = []
            for row in [["report_serial"] + table.header] + table.rows.map({ [serial] + $0 }) {
                for (index, cell) in row.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    ReportCSV.appendField(cell, to: &out)
                }
                out += [0x0D, 0x0A]
            }
            return out
        }
        #expect(table.rows.contains { $0.contains("=x, \"y\"") })
        // (the formula neutralised with a quote, the field quoted and its quotes doubled)
        #expect(String(decoding: try ReportCSV.renderBytes(all), as: UTF8.self).contains(#","'=x, ""y""","#))
        #expect(try ReportCSV.renderBytes(all) == csv(all.serial))
        let spooledReport = try await spooling.inventory(by: history.compliance)
        #expect(spooledReport.isSpliced)
        #expect(try ReportCSV.renderBytes(spooledReport) == csv(spooledReport.serial))
        // written a byte at a time too
        var pieces: [UInt8] = []
        try ReportCSV.write(spooledReport, chunkBytes: 1) { (piece) throws(LetheError) in pieces += piece }
        #expect(pieces == csv(spooledReport.serial))

        // And its page, its rows read a window at a time, is the one made from the whole record
        #expect(try ReportHTML.render(all) == (try ReportHTML.document(all)))
        #expect(try ReportHTML.render(report) == (try ReportHTML.document(report)))
        #expect(try ReportHTML.render(spooledReport) == (try ReportHTML.document(spooledReport)))
        var page: [UInt8] = []
        try ReportHTML.write(spooledReport, chunkBytes: 1) { (piece) throws(LetheError) in page += piece }
        #expect(String(decoding: page, as: UTF8.self) == (try ReportHTML.document(spooledReport)))
        #expect(try ReportHTML.render(all).contains("<td>SSD-3</td>"))

        // When SSD-3 is scheduled and an asset is added and edited later
        _ = try history.fixture.shreddedJob("SSD-4")
        try app.updateAsset(tag: "SSD-1", AssetFields(tag: "SSD-1", model: "870 QVO"), actor: "it")

        // Then the inventory computed again at its log size is byte-identical
        let again = try await app.reports.reproduce(serial: all.serial, by: .evidenceUser("ann", .auditor))
        #expect(again.identical)
        #expect(try ReportCSV.render(all).components(separatedBy: "\r\n").count == 5)
    }

    @Test func theServicesSchedulerProducesADueReportAndAnnouncesItByWebhook() async throws {
        // Given a monthly definition and a webhook for report.ready
        let history = try await ReportHistory()
        let app = history.fixture.app
        try await app.reports.define(name: "monthly", period: .previousMonth, format: "csv", by: history.compliance)
        let admin = try Principal(name: "root", roles: [.admin], authentication: .localOperator)
        let hook = try await app.webhooks.add(
            url: "http://127.0.0.1:9/hook", events: [.reportReady], by: admin)
        // When the scheduler runs in the next month
        history.fixture.installation.clock.advance(40 * 86_400)
        let run = try await app.scheduler.run(policies: try history.fixture.policies(), by: .scheduler)
        // Then it produced the report, signed, and queued one report.ready delivery for it
        #expect(run.counts["reports_produced"] == 1)
        let reports = try await app.reports.list(by: .evidenceUser("ann", .auditor))
        #expect(reports.count == 1)
        let deliveries = try await app.webhooks.deliveries(webhookID: hook.webhook.id, by: admin)
        #expect(deliveries.map(\.event) == ["report.ready"])
        // and a second run produces nothing more
        let again = try await app.scheduler.run(policies: try history.fixture.policies(), by: .scheduler)
        #expect(again.counts["reports_produced"] == 0)
    }

    @Test func aScheduledDefinitionProducesEachPeriodOnce() async throws {
        // Given a monthly definition
        let history = try await ReportHistory()
        let app = history.fixture.app
        try await app.reports.define(name: "monthly", period: .previousMonth, format: "pdf", by: history.compliance)

        // When the scheduler runs twice in the next month, then one report is produced, for the month
        let next = app.currentTime.addingTimeInterval(40 * 86_400)
        let first = try await app.reports.runDue(at: next, by: .scheduler)
        let second = try await app.reports.runDue(at: next, by: .scheduler)
        #expect(first.count == 1 && second.isEmpty)
        let period = ReportSchedulePeriod.previousMonth.period(before: next)
        #expect(first.first?.period == period && first.first?.format == "pdf")
        // Its summary states the digest of the record it holds
        let produced = try #require(first.first?.report)
        #expect(produced.recordSHA256 == Hex.encode(Array(SHA256.hash(data: try produced.recordBytes()))))
        let definitions = try await app.reports.definitions(by: .evidenceUser("ann", .auditor))
        #expect(definitions.first?.lastSerial == first.first?.report.serial)
        #expect(definitions.first?.lastPeriodTo == period.to)
        // and a definition with a bad format is refused
        await #expect(throws: LetheError.self) {
            try await app.reports.define(name: "bad", period: .previousMonth, format: "docx", by: history.compliance)
        }
    }

    @Test func schedulePeriodsAreTheLastCompleteCalendarPeriod() throws {
        let time = try RFC3339.parse("2026-11-15T08:00:00Z")
        #expect(ReportSchedulePeriod.previousMonth.period(before: time).from == "2026-10-01")
        #expect(ReportSchedulePeriod.previousMonth.period(before: time).to == "2026-10-31")
        #expect(ReportSchedulePeriod.previousQuarter.period(before: time).from == "2026-07-01")
        #expect(ReportSchedulePeriod.previousQuarter.period(before: time).to == "2026-09-30")
        #expect(ReportSchedulePeriod.previousYear.period(before: time).to == "2025-12-31")
    }

    @Test func aReportPeriodIsWholeDaysInOrder() throws {
        let period = try ReportPeriod(from: "2026-07-01", to: "2026-09-30")
        #expect(RFC3339.format(period.start) == "2026-07-01T00:00:00Z")
        #expect(RFC3339.format(period.end) == "2026-10-01T00:00:00Z")
        #expect(throws: LetheError.self) { try ReportPeriod(from: "2026-09-30", to: "2026-07-01") }
        #expect(throws: LetheError.self) { try ReportPeriod(from: "2026-07-01T10:00:00Z", to: "2026-09-30") }
        // A day that is no day is named with the field it came in (the CLI's --from, the API's
        // from), and offered a day, not a time of day
        let error = #expect(throws: LetheError.self) { try ReportPeriod(from: "2026-13-01", to: "2026-09-30") }
        #expect(error?.code == .invalidInput)
        #expect(error?.message == "from '2026-13-01' is not a calendar day such as 2026-07-01")
    }

    @Test func theFilteredScanFoldsTheSameLedgerAsEveryEntryInOrder() async throws {
        // Given a history with every kind of report's material, erasure requests, an edit and a
        // certificate revoked (entries the ledger folds and entries it skips)
        let history = try await ReportHistory()
        let app = history.fixture.app
        let policies = try history.fixture.policies()
        _ = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: policies, by: history.compliance)
        try app.updateAsset(tag: "SSD-3", AssetFields(tag: "SSD-3", model: "870 EVO"), actor: "it")
        _ = try await app.evidence.revoke(
            serial: history.certificate, reason: "wrong serial", by: .evidenceUser("carol", .compliance))
        _ = try history.fixture.shreddedJob("SSD-4")

        // When the ledger is folded by the report's scan (kinds it folds only, parsed in parallel)
        // and by folding every entry of the log one by one, at every log size
        let (sizes, pairs) = try await app.store.read { (tx) throws(LetheError) in
            let size = try tx.eventCount()
            var pairs: [(scanned: ReportLedger, folded: ReportLedger)] = []
            for at in [size / 2, size] {
                for focus in [nil, "SSD-2"] as [String?] {
                    var folded = ReportLedger()
                    folded.focus = focus
                    for event in try tx.events(fromSeq: 1, limit: Int(at)) { folded.apply(event) }
                    pairs.append((try ReportService.ledger(atLogSize: at, focus: focus, in: tx), folded))
                }
            }
            return ([size / 2, size], pairs)
        }

        // Then every report computed from them is byte for byte the same, and so is their size and time
        #expect(sizes[0] > 10)
        let assets: [String: ReportAsset] = [
            "SSD-1": ReportAsset(mediaType: "ssd", classification: "moderate"),
            "SSD-2": ReportAsset(mediaType: "ssd", classification: "high"),
        ]
        for (scanned, folded) in pairs {
            #expect(scanned.size == folded.size && scanned.time == folded.time)
            #expect(scanned.timeline.map(\.bytes) == folded.timeline.map(\.bytes))
            let disposal = { (ledger: ReportLedger) throws in
                var register = ReportRegister(ledger: ledger)
                for (tag, asset) in assets { register[tag] = asset }
                return try CanonicalJSON.encode(
                    DisposalReport.content(
                        ledger: ledger, period: history.period, assets: register, programTargetPercent: 5))
            }
            #expect(try disposal(scanned) == disposal(folded))
            #expect(
                try CanonicalJSON.encode(DisposalReport.erasureReport(ledger: scanned, period: history.period))
                    == CanonicalJSON.encode(DisposalReport.erasureReport(ledger: folded, period: history.period)))
        }
    }

    @Test func theDisposalReportWrittenRowByRowIsTheCanonicalEncodingOfItsTree() async throws {
        // Given a history with a certificate revoked, an edit, a job without a record and an
        // asset retired and waiting
        let history = try await ReportHistory()
        let app = history.fixture.app
        try app.updateAsset(tag: "SSD-3", AssetFields(tag: "SSD-3", model: "870 EVO"), actor: "it")
        _ = try await app.evidence.revoke(
            serial: history.certificate, reason: "wrong serial", by: .evidenceUser("carol", .compliance))
        _ = try history.fixture.shreddedJob("SSD-4")

        // When the disposal report is computed as a tree and as bytes written row by row, and
        // issued as a signed record
        let (tree, bytes) = try await app.store.read { (tx) throws(LetheError) in
            let size = try tx.eventCount()
            let ledger = try ReportService.ledger(atLogSize: size, focus: nil, in: tx)
            let assets = try ReportService.assets(
                of: ledger, ledgerAssets: true, also: nil, atLogSize: size, current: size, in: tx)
            let tree = DisposalReport.content(
                ledger: ledger, period: history.period, assets: assets, programTargetPercent: 5)
            let bytes = try DisposalReport.contentBytes(
                ledger: ledger, period: history.period, assets: assets, programTargetPercent: 5
            ).load()
            // And written through a spool that moves every few bytes to its file
            let spooled = try DisposalReport.contentBytes(
                ledger: ledger, period: history.period, assets: assets, programTargetPercent: 5,
                spool: ContentSpool(directory: history.fixture.installation.dataDirectory.path, threshold: 64))
            #expect(spooled.file != nil && spooled.bytes.isEmpty)
            #expect(try spooled.load() == bytes)
            // And with its rows handed to the thread that writes them one or two at a time (a
            // year's go 2,048 at a time), to a spool or not
            for rowBatch in [1, 2] {
                let batched = try DisposalReport.contentBytes(
                    ledger: ledger, period: history.period, assets: assets, programTargetPercent: 5,
                    spool: ContentSpool(directory: history.fixture.installation.dataDirectory.path, threshold: 64),
                    rowBatch: rowBatch)
                #expect(try batched.load() == bytes, "rows handed over \(rowBatch) at a time")
                let inMemory = try DisposalReport.contentBytes(
                    ledger: ledger, period: history.period, assets: assets, programTargetPercent: 5,
                    rowBatch: rowBatch)
                #expect(inMemory.bytes == bytes && inMemory.file == nil, "rows handed over \(rowBatch) at a time")
            }
            // And each was hashed as it was written: the digest is the bytes' own
            let digest = Hex.encode(Array(SHA256.hash(data: bytes)))
            #expect(spooled.sha256 == digest)
            #expect(
                try DisposalReport.contentBytes(
                    ledger: ledger, period: history.period, assets: assets, programTargetPercent: 5
                ).sha256 == digest)
            return (tree, bytes)
        }
        // And the spool left no file behind: it never had a name
        let left = try FileManager.default.contentsOfDirectory(atPath: history.fixture.installation.dataDirectory.path)
        #expect(!left.contains { $0.contains("spool") })
        let report = try await app.reports.disposal(period: history.period, by: history.compliance)

        // Then the bytes are the canonical encoding of the tree, with every kind of row in it
        #expect(bytes == (try CanonicalJSON.encode(tree)))
        let rows = try #require(tree["assets"]?.arrayValue)
        #expect(rows.map { $0["tag"]?.stringValue } == ["SSD-1", "SSD-2", "SSD-4"])
        #expect(rows[0]["certificate_status"] == "revoked" && rows[1]["certificate"] == nil)
        // And the signed record is canonical JSON whose content is those bytes
        let record = try CanonicalJSON.decode(report.recordBytes())
        #expect(try CanonicalJSON.encode(record) == report.recordBytes())
        #expect(try CanonicalJSON.encode(try #require(record["content"])) == bytes)
    }

    @Test func theRegisterReadInOnePassGivesTheFieldsOfLookupsOneByOne() async throws {
        // Given a history whose SSD-1 was edited after a log size
        let history = try await ReportHistory()
        let app = history.fixture.app
        let size = try await app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
        try app.updateAsset(tag: "SSD-1", AssetFields(tag: "SSD-1", model: "870 QVO"), actor: "it")

        // When the descriptive fields at that size are read tag by tag and in one pass
        // (the assets the ledger names, a tag it does not name, and one the register lacks)
        let tags = ["SSD-1", "SSD-2", "SSD-3", "SSD-4", "NOPE-1"]
        let (byTag, inOnePass) = try await app.store.read { (tx) throws(LetheError) in
            let current = try tx.eventCount()
            let ledger = try ReportService.ledger(atLogSize: size, focus: nil, in: tx)
            let read = { (pointLookups: Int) throws(LetheError) -> [String: ReportAsset] in
                let register = try ReportService.assets(
                    of: ledger, ledgerAssets: true, also: "NOPE-1", atLogSize: size, current: current, in: tx,
                    pointLookups: pointLookups)
                return tags.reduce(into: [:]) { $0[$1] = register[$1] }
            }
            return (try read(.max), try read(0))
        }

        // Then they are the same, with the edit undone and the unknown tag left out
        #expect(inOnePass == byTag)
        #expect(Set(inOnePass.keys) == ["SSD-1", "SSD-2", "SSD-3"])
        #expect(inOnePass["SSD-1"]?.model != "870 QVO")
    }

    @Test func theLedgerFindsEveryJobByIdWhateverOrderAndSpreadTheIdsCome() throws {
        // Given jobs scheduled with ids out of order, one far beyond the others (kept apart from
        // the dense index) that the dense index later grows past, then each executed
        let ids: [Int64] = [10_000, 4_000, 8_000, 10_001, 7]
        var ledger = ReportLedger()
        var seq: Int64 = 0
        let time = Date(timeIntervalSince1970: 1_780_000_000)
        func fold(_ type: EventType, _ tag: String, _ payload: JSONValue) throws {
            seq += 1
            ledger.apply(
                try Event(
                    seq: seq, recordedAt: time, actor: "tech",
                    draft: EventDraft(type: type, assetTag: tag, payload: payload)))
        }
        for id in ids {
            let tag = "A-\(id)"
            try fold(
                .jobScheduled, tag,
                [
                    "job": [
                        "id": .integer(id), "asset": .string(tag), "method": "purge",
                        "verification": ["mode": "attest"],
                    ]
                ])
        }
        for id in ids {
            try fold(.jobExecuted, "A-\(id)", ["job": .integer(id), "method": "destroy", "tool": "nvme-cli"])
        }

        // When each job is looked up by its id, and the jobs are listed in id order
        let found = ids.map { ledger.job($0) }
        let inOrder = ledger.slotsInIDOrder.map { ledger.jobs[$0].id }

        // Then every job is found, executed, with its own asset and its texts, and the order is by id
        for (id, job) in zip(ids, found) {
            let job = try #require(job, "job \(id)")
            #expect(job.id == id && ledger.text(job.asset) == "A-\(id)" && job.state == .executed)
            #expect(ledger.text(job.method) == "purge" && ledger.text(job.executedMethod) == "destroy")
            #expect(ledger.text(job.tool) == "nvme-cli" && ledger.text(job.technique) == nil)
            #expect(ledger.life("A-\(id)")?.jobs.map { $0 } == [id])
        }
        #expect(inOrder == ids.sorted())
        #expect(ledger.job(1) == nil && ledger.job(10_002) == nil && ledger.job(-1) == nil)
        // And the repeated texts and the one verification plan are held once
        #expect(ledger.verifications == [["mode": "attest"]])
        #expect(ledger.names.texts.filter { $0 == "purge" }.count == 1)
    }

    @Test func theLedgersTablesFindEveryTextRecordKindAndRegisterField() throws {
        // Given 5,000 assets each scheduled for a job with a disposal record, and one report
        // record: enough texts for the table of texts to grow many times over
        var ledger = ReportLedger()
        var seq: Int64 = 0
        let time = Date(timeIntervalSince1970: 1_780_000_000)
        func fold(_ type: EventType, _ tag: String?, _ payload: JSONValue) throws {
            seq += 1
            ledger.apply(
                try Event(
                    seq: seq, recordedAt: time, actor: "tech",
                    draft: EventDraft(type: type, assetTag: tag, payload: payload)))
        }
        let count = 5_000
        for id in 1...count {
            let tag = "T-\(id)"
            try fold(
                .jobScheduled, tag,
                ["job": ["id": .integer(Int64(id)), "asset": .string(tag), "verification": ["mode": "attest"]]])
            try fold(
                .recordIssued, tag,
                ["serial": .string("ACME-2026-\(id)"), "kind": "disposal", "job": .integer(Int64(id))])
        }
        try fold(.recordIssued, nil, ["serial": "ACME-2026-REPORT", "kind": "report"])

        // When every tag, serial and record kind is looked up, and a register is filled for
        // every other asset and one tag the ledger does not name
        var register = ReportRegister(ledger: ledger)
        for id in stride(from: 1, through: count, by: 2) {
            register["T-\(id)"] = ReportAsset(
                serial: "SN-\(id)", make: id % 4 == 1 ? "Seagate" : nil, model: "M\(id % 3)", mediaType: "hdd",
                classification: "moderate")
        }
        register["ELSEWHERE"] = ReportAsset(mediaType: "ssd", classification: "high")

        // Then each text has one number, found again by its text, and each record its kind
        var numbers = Set<UInt32>()
        for id in 1...count {
            let tag = try #require(ledger.names.existing("T-\(id)"), "tag \(id)")
            let serial = try #require(ledger.names.existing("ACME-2026-\(id)"), "serial \(id)")
            #expect(ledger.text(tag) == "T-\(id)" && ledger.text(serial) == "ACME-2026-\(id)")
            numbers.formUnion([tag.number, serial.number])
            #expect(ledger.recordKind("ACME-2026-\(id)") == "disposal")
            #expect(ledger.text(try #require(ledger.job(Int64(id))).certificate) == "ACME-2026-\(id)")
        }
        #expect(numbers.count == 2 * count)
        #expect(ledger.recordKind("ACME-2026-REPORT") == "report")
        #expect(ledger.recordKind("ACME-2026-0") == nil && ledger.recordKind("T-1") == nil)
        #expect(ledger.names.existing("T-0") == nil && ledger.names.existing("T-5001") == nil)
        // And the register gives back each asset's fields as given, nothing for the others
        for id in 1...count {
            let asset = register["T-\(id)"]
            if id % 2 == 0 {
                #expect(asset == nil, "T-\(id)")
            } else {
                #expect(
                    asset
                        == ReportAsset(
                            serial: "SN-\(id)", make: id % 4 == 1 ? "Seagate" : nil, model: "M\(id % 3)",
                            mediaType: "hdd", classification: "moderate"))
            }
        }
        #expect(register["ELSEWHERE"] == ReportAsset(mediaType: "ssd", classification: "high"))
        #expect(register["NOWHERE"] == nil)
    }

    @Test func aFieldGivenToIssuanceIsTakenOnceAndThenLetGo() throws {
        // Given canonical bytes given to issuance
        let field = EncodedField(Array(#"{"a":1}"#.utf8))

        // When issuance takes them, then something takes them again
        let taken = try field.take()

        // Then the first take has the bytes and the second is refused: no record without them
        guard case .memory(let bytes) = taken else {
            Issue.record("bytes given in memory were taken as \(taken)")
            return
        }
        #expect(bytes == Array(#"{"a":1}"#.utf8))
        #expect(throws: LetheError.self) { try field.take() }
    }

    @Test func aRecordSplicedInTheBufferOfItsFirstMemberHasTheSameBytes() throws {
        // Given fields, and members given as canonical JSON, the first key in order encoded or not
        let fields: [String: JSONValue] = ["b": 1, "z": ["y": "é", "x": [true, .null]]]
        let cases: [[String: [UInt8]]] = [
            ["a": Array(#"{"rows":[1,2]}"#.utf8), "c": Array("[]".utf8)],
            ["c": Array(#""text""#.utf8)],
            [:],
        ]
        for encoded in cases {
            // When the object is written into a new buffer, and into the first member's own
            var taken = encoded
            let inPlace = try CanonicalJSONSplice.encode(fields, taking: &taken)
            let copied = try CanonicalJSONSplice.encode(fields, encoded: encoded)

            // Then the bytes are the same, the canonical encoding of the whole, and nothing is left
            #expect(inPlace == copied)
            var whole = fields
            for (key, bytes) in encoded { whole[key] = try CanonicalJSON.decode(bytes) }
            #expect(inPlace == (try CanonicalJSON.encode(.object(whole))))
            #expect(taken.isEmpty)
        }
    }

    @Test func shareAndPercentilesAreExact() {
        #expect(DisposalReport.share(1, 3) == ["count": 1, "of": 3, "percent": "33.3"])
        #expect(DisposalReport.share(2, 3) == ["count": 2, "of": 3, "percent": "66.7"])
        #expect(DisposalReport.share(0, 0)["percent"] == "0.0")
    }
}
