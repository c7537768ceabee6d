import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Logging
import Testing

@testable import Lethe

/// The report ledger cache: a ledger folded from it and the entries after is the ledger
/// folded from the whole log, and a cache that does not describe this log is not used.
@Suite struct ReportCacheTests {
    /// A history with every kind of material a ledger folds: jobs certified and not, custody
    /// without seals, an erasure request, an edit, a revoked certificate, a lost laptop, a job
    /// after the others.
    private static func history() async throws -> ReportHistory {
        let history = try await ReportHistory()
        let app = history.fixture.app
        try app.registerAsset(
            AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "high"), actor: "it")
        try await app.assets.reportLost("LAP-1", reason: "left on a train", by: .evidenceOperator("it"))
        _ = try await app.erasure.request(
            identifier: "ada@example.com", reason: .withdrawal, policies: try history.fixture.policies(),
            by: history.compliance)
        try app.updateAsset(tag: "SSD-3", AssetFields(tag: "SSD-3", model: "870 EVO"), actor: "it")
        _ = try await app.evidence.revoke(serial: history.certificate, reason: "wrong serial", by: history.compliance)
        _ = try history.fixture.shreddedJob("SSD-4")
        return history
    }

    /// A cache in `directory` (made if missing), kept past a single entry.
    private static func cache(_ directory: String) -> ReportLedger.Cache {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return ReportLedger.Cache(directory: directory, logger: Logger(label: "test"), minimumEntries: 1)
    }

    /// Where a fold said it read through first: the cache's size when it resumed from one.
    /// ``history()``, its reports keeping the report ledger cache past a single entry (a
    /// year's do past a hundred thousand), and its data directory.
    private static func keepingHistory() async throws -> (ReportHistory, ReportService, String) {
        let history = try await Self.history()
        var reports = history.fixture.app.reports
        reports.cacheMinimumEntries = 1
        return (history, reports, try #require(history.fixture.app.dataDirectory?.path))
    }

    private final class Start: @unchecked Sendable {
        private let lock = NSLock()
        private var first: Int64?
        var entry: Int64? { lock.withLock { first } }
        var sink: ReportProgress.Sink {
            { (progress) in
                guard case .reading(let through, _) = progress else { return }
                self.lock.withLock { if self.first == nil { self.first = through } }
            }
        }
    }

    private static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func aLedgerFoldedFromACacheIsTheLedgerFoldedFromTheWholeLog() async throws {
        // Given a log with every kind of entry a ledger folds
        let history = try await Self.history()
        let root = history.fixture.installation.root
        let app = history.fixture.app

        let results = try await app.store.read { (tx) throws(LetheError) in
            let size = try tx.eventCount()
            // The ledger at the log's size folded from its first entry, kept as a cache
            let whole = Self.cache(root.file("whole"))
            let folded = try ReportService.ledger(atLogSize: size, focus: nil, in: tx, cache: whole)
            var results: [(at: Int64, start: Int64?, ledger: ReportLedger, whole: String, resumed: String)] = []
            for at in [1, size / 3, size / 2, size - 1] {
                // When a cache is kept at an earlier size, and the ledger at the log's size
                // is folded from it
                let resumed = Self.cache(root.file("at-\(at)"))
                _ = try ReportService.ledger(atLogSize: at, focus: nil, in: tx, cache: resumed)
                let start = Start()
                let ledger = try ReportService.ledger(
                    atLogSize: size, focus: nil, in: tx, cache: resumed, progress: start.sink)
                results.append((at, start.entry, ledger, whole.path, resumed.path))
            }
            return (size, folded, results)
        }
        let (size, folded, resumed) = results
        #expect(size > 20)
        for result in resumed {
            // Then it started from the cache, not the log's first entry
            #expect(result.start == result.at)
            // and the cache it then kept is, byte for byte, the one kept by the whole fold
            #expect(try Self.bytes(result.resumed) == Self.bytes(result.whole), "resumed at \(result.at)")
            // and the reports computed from both ledgers are the same bytes
            #expect(result.ledger.size == folded.size && result.ledger.time == folded.time)
            var register = ReportRegister(ledger: folded)
            register["SSD-1"] = ReportAsset(mediaType: "ssd", classification: "high")
            var resumedRegister = ReportRegister(ledger: result.ledger)
            resumedRegister["SSD-1"] = ReportAsset(mediaType: "ssd", classification: "high")
            #expect(
                try CanonicalJSON.encode(
                    DisposalReport.content(
                        ledger: result.ledger, period: history.period, assets: resumedRegister,
                        programTargetPercent: 5))
                    == CanonicalJSON.encode(
                        DisposalReport.content(
                            ledger: folded, period: history.period, assets: register, programTargetPercent: 5)))
            let lost = DisposalReport.content(
                ledger: result.ledger, period: history.period, assets: resumedRegister, programTargetPercent: 5)[
                    "exceptions"]?["lost_assets"]?.arrayValue
            #expect(lost?.map { $0["tag"]?.stringValue } == ["LAP-1"])
            #expect(
                try CanonicalJSON.encode(DisposalReport.erasureReport(ledger: result.ledger, period: history.period))
                    == CanonicalJSON.encode(DisposalReport.erasureReport(ledger: folded, period: history.period)))
        }
        // and the file is readable by its owner only
        let mode = try FileManager.default.attributesOfItem(atPath: resumed[0].whole)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aCacheThatDoesNotDescribeThisLogIsNotUsed() async throws {
        // Given a history, and another with different entries
        let history = try await Self.history()
        let other = try await Self.history()
        let root = history.fixture.installation.root
        let theirs = other.fixture.installation.root.file("theirs")
        _ = try await other.fixture.app.store.read { (tx) throws(LetheError) in
            try ReportService.ledger(
                atLogSize: try tx.eventCount() - 2, focus: nil, in: tx, cache: Self.cache(theirs))
        }
        try history.fixture.app.registerAsset(
            AssetFields(tag: "HDD-9", mediaType: "hdd", classification: "low"), actor: "someone else")

        let starts = try await history.fixture.app.store.read { (tx) throws(LetheError) in
            let size = try tx.eventCount()
            // Where a fold said it read through first: from a cache (`name`), or from the
            // log's first entry (nil)
            func start(_ name: String?, atLogSize: Int64 = size) throws(LetheError) -> Int64? {
                let start = Start()
                _ = try ReportService.ledger(
                    atLogSize: atLogSize, focus: nil, in: tx, cache: name.map { Self.cache(root.file($0)) },
                    progress: start.sink)
                return start.entry
            }
            let keep = { (name: String, at: Int64) throws(LetheError) in
                _ = try ReportService.ledger(
                    atLogSize: at, focus: nil, in: tx, cache: Self.cache(root.file(name)))
            }
            let path = { (name: String) in root.file(name) + "/" + ReportLedger.Cache.fileName }
            var starts: [String: Int64?] = [:]
            // When a cache comes from the other history's log
            _ = Self.cache(root.file("copied"))
            try? FileManager.default.copyItem(
                atPath: theirs + "/" + ReportLedger.Cache.fileName, toPath: path("copied"))
            starts["copied"] = try start("copied")
            // or one of this log has a byte changed, or is cut short
            try keep("changed", size / 2)
            try keep("cut", size / 2)
            if var bytes = try? Self.bytes(path("changed")) {
                bytes[bytes.count / 2] ^= 0x01
                try? Data(bytes).write(to: URL(fileURLWithPath: path("changed")))
            }
            if let bytes = try? Self.bytes(path("cut")) {
                try? Data(bytes.prefix(bytes.count - 40)).write(to: URL(fileURLWithPath: path("cut")))
            }
            starts["changed"] = try start("changed")
            starts["cut"] = try start("cut")
            // or one was folded beyond the entries a report reads (a report computed at an earlier size)
            try keep("beyond", size - 1)
            starts["beyond"] = try start("beyond", atLogSize: size - 3)
            starts["log, beyond"] = try start(nil, atLogSize: size - 3)
            starts["log"] = try start(nil)
            // while one of this log, intact and no further than the report, is
            try keep("intact", size / 2)
            starts["intact"] = try start("intact")
            return (size, starts)
        }
        // Then each of the others is passed over, and the log folded from its first entry
        let (size, said) = starts
        for name in ["copied", "changed", "cut"] {
            #expect(said[name] == said["log"], "\(name) was used")
        }
        #expect(said["beyond"] == said["log, beyond"])
        #expect(said["intact"] == .some(size / 2) && said["log"] != said["intact"])
    }

    @Test func aReportAskedForWhileAnotherFoldsWaitsAndStartsFromTheCacheItLeaves() async throws {
        // Given a history whose reports keep the cache past a single entry, and a fold of the
        // log with the cache under way (as the service's refresh is while a report is asked for)
        let (history, reports, directory) = try await Self.keepingHistory()
        let app = history.fixture.app
        let (held, release) = AsyncStream<Void>.makeStream()
        let cache = try #require(reports.ledgerCache)
        let fold = Task {
            try await LedgerFolds.one(in: directory) { () async throws(LetheError) in
                for await _ in held { break }
                return try await app.store.read { (tx) throws(LetheError) in
                    let size = try tx.eventCount()
                    _ = try ReportService.ledger(atLogSize: size, focus: nil, in: tx, cache: cache)
                    return size
                }
            }
        }
        for _ in 0..<5_000 where await LedgerFolds.gate(directory)?.isBusy != true {
            try await Task.sleep(for: .milliseconds(1))
        }
        try #require(await LedgerFolds.gate(directory)?.isBusy == true)

        // When a report is asked for meanwhile
        let start = Start()
        let report = Task {
            try await reports.disposal(period: history.period, by: history.compliance, progress: start.sink)
        }

        // Then it does not read the log until the fold is done, and then starts from the cache
        // that fold kept, at its size
        try await Task.sleep(for: .milliseconds(300))
        #expect(start.entry == nil)
        release.yield()
        let refreshed = try await fold.value
        let issued = try await report.value
        #expect(start.entry == refreshed)
        #expect(issued.logSize == refreshed)
        #expect(await LedgerFolds.gate(directory)?.isBusy == false)
    }

    @Test func aReportWaitsForAnotherProcesssFoldButNoLongerThanItsTurn() async throws {
        // Given an installation whose reports made the lock their folds take turns with (the
        // installation's own: no one else may even read it)
        let history = try await Self.history()
        let app = history.fixture.app
        let directory = try #require(app.dataDirectory?.path)
        let path = directory + "/" + LedgerFolds.lockFileName
        _ = try await app.reports.disposal(period: history.period, by: history.compliance)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // and that lock held as another process holds it while it folds (an open file
        // description of its own)
        let other = open(path, O_RDONLY | O_CLOEXEC)
        try #require(other >= 0 && flock(other, LOCK_EX | LOCK_NB) == 0)

        // When a report is asked for meanwhile
        let start = Start()
        let waiting = Task {
            try await app.reports.disposal(period: history.period, by: history.compliance, progress: start.sink)
        }

        // Then it reads nothing until the other process lets go, and is then issued
        try await Task.sleep(for: .milliseconds(400))
        #expect(start.entry == nil)
        close(other)
        #expect(try await waiting.value.logSize > 0)
        #expect(start.entry != nil)

        // And a report cancelled while it waits is not folded at all
        let stopped = open(path, O_RDONLY | O_CLOEXEC)
        try #require(flock(stopped, LOCK_EX | LOCK_NB) == 0)
        let unwanted = Start()
        let cancelled = Task {
            try await app.reports.disposal(period: history.period, by: history.compliance, progress: unwanted.sink)
        }
        try await Task.sleep(for: .milliseconds(200))
        cancelled.cancel()
        await #expect(throws: LetheError.self) { try await cancelled.value }
        #expect(unwanted.entry == nil)

        // And when a process holds the lock beyond the turn's wait (stopped mid-fold), the report
        // is issued regardless, after the wait; the next ones do not wait again while it is held
        var impatient = app.reports
        impatient.foldTurnWait = .milliseconds(300)
        let began = ContinuousClock.now
        #expect(try await impatient.disposal(period: history.period, by: history.compliance).logSize > 0)
        #expect(ContinuousClock.now - began >= .milliseconds(300))
        let next = ContinuousClock.now
        #expect(try await app.reports.disposal(period: history.period, by: history.compliance).logSize > 0)
        #expect(ContinuousClock.now - next < .seconds(60))
        #expect(await LedgerFolds.gate(directory)?.holderStuck == true)
        // until the lock is had again
        close(stopped)
        _ = try await app.reports.disposal(period: history.period, by: history.compliance)
        #expect(await LedgerFolds.gate(directory)?.holderStuck == false)
    }

    @Test func aCacheLeftByAWriterThatDiedIsRemovedByTheNextOne() async throws {
        // Given temporary caches left in the data directory by a process that stopped between
        // naming and renaming its cache, by this process, and by a process still running (init)
        let (history, reports, directory) = try await Self.keepingHistory()
        let stopped = Process()
        stopped.executableURL = URL(fileURLWithPath: "/bin/true")
        try stopped.run()
        stopped.waitUntilExit()
        let prefix = directory + "/." + ReportLedger.Cache.fileName + ".lethe-"
        let left = [stopped.processIdentifier, getpid(), 1].map { prefix + "\($0)-x1" }
        for path in left { #expect(FileManager.default.createFile(atPath: path, contents: Data([1]))) }

        // When a report writes the cache
        _ = try await reports.disposal(period: history.period, by: history.compliance)

        // Then the dead writer's file is gone, and the others are left alone
        #expect(FileManager.default.fileExists(atPath: directory + "/" + ReportLedger.Cache.fileName))
        #expect(left.map { FileManager.default.fileExists(atPath: $0) } == [false, true, true])
    }

    @Test func issuedReportsKeepTheCacheAndAreReproducedFromTheLogAlone() async throws {
        // Given a history, and reports that keep the report ledger cache past a single entry (a
        // year's does past a hundred thousand)
        let (history, reports, directory) = try await Self.keepingHistory()
        let app = history.fixture.app
        let path = directory + "/" + ReportLedger.Cache.fileName

        // When a disposal report is issued, then more happens, and a second is issued
        let first = try await reports.disposal(period: history.period, by: history.compliance)
        #expect(FileManager.default.fileExists(atPath: path))
        let kept = try Self.bytes(path)
        _ = try history.fixture.shreddedJob("SSD-5")
        let start = Start()
        let second = try await reports.disposal(
            period: history.period, by: history.compliance, progress: start.sink)

        // Then the second folded only the entries after the first report's cache, and kept a new one
        #expect(start.entry == first.logSize)
        #expect(try Self.bytes(path) != kept)
        let tags = (second.value["content"]?["assets"]?.arrayValue ?? []).map { $0["tag"]?.stringValue }
        #expect(tags == ["SSD-1", "SSD-2", "SSD-4", "SSD-5"])
        // and both are reproduced byte for byte by folding the log from its first entry
        for report in [first, second] {
            let reproduction = try await app.reports.reproduce(
                serial: report.serial, by: .evidenceUser("ann", .auditor))
            #expect(reproduction.identical && reproduction.sameLogRoot)
        }
        // and with the cache deleted, a report is issued as before
        try FileManager.default.removeItem(atPath: path)
        let third = try await reports.erasure(period: history.period, by: history.compliance)
        let reproduction = try await app.reports.reproduce(serial: third.serial, by: .evidenceUser("ann", .auditor))
        #expect(reproduction.identical)
    }
}

/// A job's facts kept beside it (``ReportLedger/jobExtras``) read back as a plain model of the
/// events says they are, whatever order the events come in.
@Suite struct ReportLedgerJobFactsTests {
    /// What the events say of a job, as the ledger held it before its facts moved beside it.
    private struct Model: Equatable {
        var afterFailedJob: Int64?
        var rate: Int64?
        var failedAt: Date?
        var finishedAt: Date?
        var verifiedAt: Date?
    }

    @Test func aJobsFactsAreWhatItsEventsSayInAnyOrder() throws {
        // Given jobs whose events come in a seeded random order: scheduled (with or without a
        // failed job before), verified or failed with rates that fit 16 bits and that do not,
        // cancelled, verified again
        var generator = SeededGenerator(seed: 0x4C45_5448)
        var ledger = ReportLedger()
        var models: [Int64: Model] = [:]
        var seq: Int64 = 0
        let rates: [Int64?] = [nil, 5, 100, -3, 40_000, Int64(Int32.max) + 7, -1 << 40]
        for _ in 0..<4000 {
            seq += 1
            let id = Int64.random(in: 1...40, using: &generator)
            let time = Date(timeIntervalSince1970: 1_780_000_000 + Double(Int.random(in: 0...5, using: &generator)))
            let tag = "A-\(id)"
            let type: EventType
            var payload: [String: JSONValue] = ["job": .integer(id)]
            var model = models[id]
            switch Int.random(in: 0..<10, using: &generator) {
            case 0, 1:
                type = .jobScheduled
                let previous = Bool.random(using: &generator) ? Int64.random(in: 1...40, using: &generator) : nil
                payload = ["job": ["id": .integer(id), "asset": .string(tag), "method": "purge"]]
                payload["after_failed_job"] = previous.map(JSONValue.integer)
                if model == nil { model = Model() }
                model?.afterFailedJob = previous
            case 2, 3, 4:
                type = .jobVerified
                let rate = rates.randomElement(using: &generator)!
                payload["details"] = rate.map { ["mode": "sampled", "sample_rate_percent": .integer($0)] } ?? .null
                model?.rate = rate
                model?.verifiedAt = time
                model?.finishedAt = time
            case 5, 6:
                type = .jobFailed
                let rate = rates.randomElement(using: &generator)!
                payload["details"] = rate.map { ["sample_rate_percent": .integer($0)] } ?? .null
                model?.rate = rate
                model?.verifiedAt = time
                model?.failedAt = time
                model?.finishedAt = time
            default:
                type = .jobCancelled
                model?.finishedAt = time
            }
            models[id] = model
            ledger.apply(
                try Event(
                    seq: seq, recordedAt: time, actor: "tech",
                    draft: EventDraft(type: type, assetTag: tag, payload: .object(payload))))
        }

        // Then each job's facts read through the ledger are the model's
        #expect(models.count == 40)
        for (id, model) in models {
            let job = try #require(ledger.job(id))
            let read = Model(
                afterFailedJob: ledger.afterFailedJob(of: job), rate: ledger.readbackRatePercent(of: job),
                failedAt: ledger.failedAt(of: job), finishedAt: ledger.finishedAt(of: job), verifiedAt: job.verifiedAt)
            #expect(read == model, "job \(id)")
        }
        // and the jobs that needed none keep nothing beside them
        #expect(ledger.jobExtras.count < models.count)
        // and a job and a life take the bytes their documentation says
        #expect(MemoryLayout<ReportLedger.Job>.stride == 96)
        #expect(MemoryLayout<ReportLedger.AssetLife>.stride == 48)
    }
}

extension ReportCacheTests {
    @Test func theCacheIsMovedOnOnlyWhenEnoughWasLoggedSince() async throws {
        // Given a history, and reports that keep the cache past 30 entries
        let history = try await Self.history()
        var reports = history.fixture.app.reports
        reports.cacheMinimumEntries = 30
        let size = { () async throws -> Int64 in
            try await history.fixture.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
        }

        // When it is refreshed with none kept, then again at once
        let first = try await reports.refreshLedgerCache()
        let again = try await reports.refreshLedgerCache()

        // Then the first keeps the log's size and the second leaves it
        #expect(first == (try await size()))
        #expect(again == nil)
        // and after a few entries it is left, after thirty more it is brought up to date
        _ = try history.fixture.shreddedJob("SSD-5")
        #expect(try await reports.refreshLedgerCache() == nil)
        for tag in ["SSD-6", "SSD-7", "SSD-8", "SSD-9"] { _ = try history.fixture.shreddedJob(tag) }
        let moved = try await reports.refreshLedgerCache()
        #expect(moved == (try await size()))
        // and a report after one more entry then folds only the entries after it
        try history.fixture.app.registerAsset(
            AssetFields(tag: "HDD-1", mediaType: "hdd", classification: "low"), actor: "it")
        let start = Start()
        _ = try await reports.disposal(period: history.period, by: history.compliance, progress: start.sink)
        #expect(start.entry == moved)
    }
}

@Suite struct ReportAttestationOnlyRowsTests {
    @Test func anAssetDisposedInThePeriodAfterItsJobIsListedWithThatJob() async throws {
        // Given an SSD shredded and attested one day, and disposed of the next
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob("SSD-1")
        _ = try fixture.shreddedJob("SSD-2")
        fixture.installation.clock.advance(86_400)
        try fixture.app.disposeAsset(tag: "SSD-1", destination: .destroyed, actor: "it")
        let day = RFC3339.formatDay(fixture.app.currentTime)

        // When the second day's disposal report is generated
        let report = try await fixture.app.reports.disposal(
            period: try ReportPeriod(from: day, to: day), by: .evidenceUser("carol", .compliance))

        // Then its one row is the disposal, with the job verified the day before, and that job is
        // listed as verified by attestation only
        let content = try #require(report.value["content"])
        #expect(content["assets"]?.arrayValue?.map { $0["tag"]?.stringValue } == ["SSD-1"])
        let listed = content["exceptions"]?["attestation_only_verifications"]?.arrayValue
        #expect(listed == [["job": .integer(job.id), "tag": "SSD-1"]])
    }
}
