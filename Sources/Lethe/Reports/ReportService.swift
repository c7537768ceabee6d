import Crypto
import Foundation
import LetheCore
import LetheEvidence
import LetheStore
import Logging
import Synchronization

/// Disposal and compliance reports as signed evidence: every use case of `lethe report`, for
/// every front end.
///
/// A report is computed from the first `N` entries of the evidence log (`N` is the log's size
/// when it is generated) and the register's descriptive fields as they stood then; it states `N`
/// and the root of the log's tree at `N`, and its content is byte-identical whenever it is
/// computed again at `N`. The content is issued as a signed record of kind `report` through the
/// one issuance path of disposal records: canonical JSON, detached CMS signature, a
/// `record.issued` log entry and a checkpoint.
public struct ReportService: Sendable {
    let app: LetheApp
    /// Content bytes held in memory before a report's content moves to its spool file (a test
    /// sets a few bytes, to issue a small report the way a year's is issued).
    var spoolThreshold = ContentSpool.defaultThreshold
    /// Entries a report folds beyond the report ledger cache before it writes a new one (a test
    /// sets one, to keep a small log's ledger the way a year's is kept).
    var cacheMinimumEntries: Int64 = 100_000
    /// How long a fold with the cache waits for another process's to end before it folds on its
    /// own (``LedgerFolds``; a test sets a fraction of a second).
    var foldTurnWait = LedgerFolds.defaultTurnWait

    /// The report ledger cache in the data directory, if there is one (none where the executable
    /// cannot be told from another build).
    var ledgerCache: ReportLedger.Cache? {
        guard ReportLedger.Cache.executableIdentity != nil else { return nil }
        return app.dataDirectory.map {
            ReportLedger.Cache(
                directory: $0.path, logger: app.logger, minimumEntries: cacheMinimumEntries)
        }
    }

    /// The record kind of reports.
    public static let recordKind = "report"
    /// What a report's record starts with, before its content: `content` sorts first of its
    /// keys. Its digest is begun with these bytes as the content is spooled; signing checks them
    /// against the record's own, and hashes the file anew should they differ.
    static let recordHead = Array(#"{"content":"#.utf8)
}

extension LetheApp {
    /// Disposal and compliance reports.
    public var reports: ReportService { ReportService(app: self) }
}

/// Takes a report's record.json once it is signed, while the store writes and commits it:
/// `lethe report … --format json --out FILE` writes it to FILE meanwhile. A year's record is
/// hundreds of megabytes; written after the commit, it took as long again as the store did.
///
/// Called once, on a thread of its own, with the report as it will be returned; the generation
/// returns (or throws) only once it has returned. It is told nothing of the store: what it made
/// describes a report only when the generation then returns that report (a failed commit leaves
/// a copy of nothing, for its caller to drop), and its own failures are its caller's to keep,
/// since the report may be committed by then.
public typealias RecordCopy = @Sendable (IssuedReport) -> Void

/// The copy of a report's record under way, if one was started (``RecordCopy``).
final class RecordCopying: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts `work` on a thread of its own (once: a report has one record).
    func start(_ work: @escaping @Sendable () -> Void) {
        task.withLock { (task) in
            precondition(task == nil, "a report's record is copied once")
            task = Task { _ = try? await OwnThread.run("lethe-copy") { () throws(LetheError) in work() } }
        }
    }

    /// Returns once the copy, if one was started, is done.
    func finished() async { await task.withLock { $0 }?.value }
}

/// One fold of the log with the report ledger cache at a time, per data directory: a report asked
/// for while another report (or `lethe serve`'s refresh of the cache) folds waits for it, then
/// starts from the cache it left, rather than holding a second ledger (about 260 MB at a million
/// assets) to fold the same entries.
///
/// Within a process the folds queue here; across processes (a `lethe report` beside
/// `lethe serve`) they take an exclusive `flock` on ``lockFileName`` in the data directory, which
/// the kernel lets go when a process ends however it ends. A fold waits for another process's at
/// most ``defaultTurnWait``, then folds on its own: a process stopped mid-fold must not hold
/// every report back.
actor LedgerFolds {
    private static let gates = Mutex<[String: LedgerFolds]>([:])
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// The file whose lock the processes' folds take turns with (empty, 0600).
    static let lockFileName = "report-ledger.cache.lock"
    /// How long a fold waits for another process's: far longer than a fold of ten million
    /// entries takes.
    static let defaultTurnWait = Duration.seconds(300)

    /// Runs `body` once no other fold in `directory` runs, in this process or another (at once
    /// when nil: no cache). Not reentrant: `body` must not compute a report or refresh the
    /// cache through the service, which would wait for itself.
    static func one<T: Sendable>(
        in directory: String?, wait: Duration = defaultTurnWait, logger: Logger? = nil,
        _ body: () async throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        guard let directory else { return try await body() }
        let gate = gates.withLock { (gates) in
            if let gate = gates[directory] { return gate }
            let gate = LedgerFolds()
            gates[directory] = gate
            return gate
        }
        await gate.acquire()
        let lock: Int32?
        do {
            // After a wait ran out, the next folds only try the lock until it is seen free again:
            // queued behind a process stopped mid-fold, they must not each wait in turn.
            lock = try await processTurn(
                in: directory, wait: await gate.holderStuck ? .zero : wait, logger: logger,
                timedOut: { (timedOut) in await gate.setHolderStuck(timedOut) })
        } catch {
            await gate.release()
            throw error
        }
        func release() async {
            // The other processes' turn first, then this one's next fold.
            if let lock { close(lock) }
            await gate.release()
        }
        do {
            let value = try await body()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    /// This process's turn among the processes folding in `directory`: the descriptor holding
    /// the lock, or nil when it could not be had within `wait` (or the file cannot be opened:
    /// the fold then runs on its own, as it did before the lock, and says so). `timedOut` is
    /// told whether the wait ran out, once the lock is had or not.
    ///
    /// - Throws: `locked` when the task is cancelled while it waits: a fold that no one waits
    ///   for must not run beside another process's.
    private static func processTurn(
        in directory: String, wait: Duration, logger: Logger?, timedOut: (Bool) async -> Void
    ) async throws(LetheError) -> Int32? {
        let path = directory + "/" + lockFileName
        // flock needs no more than reading: a lock file made by another user of the
        // installation still serves where it can be read.
        let descriptor = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            logger?.notice("cannot open \(path) (\(reason)): report folds in other processes are not waited for")
            return nil
        }
        let deadline = ContinuousClock.now + wait
        // Polled, not waited for on a thread: a task waiting holds none.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let failure = errno
            if Task.isCancelled {
                close(descriptor)
                throw LetheError(.locked, "the report was cancelled while another process folded the log")
            }
            guard failure == EWOULDBLOCK || failure == EINTR else {
                close(descriptor)
                return nil
            }
            guard ContinuousClock.now < deadline else {
                logger?.notice(
                    "another process has held the report ledger cache's lock for \(wait): this fold runs beside it")
                close(descriptor)
                await timedOut(true)
                return nil
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        await timedOut(false)
        return descriptor
    }

    /// Whether the last wait for another process's fold ran out, and the lock has not been had
    /// since.
    private(set) var holderStuck = false

    private func setHolderStuck(_ stuck: Bool) { holderStuck = stuck }

    /// Whether a fold runs now (tests).
    var isBusy: Bool { busy }

    /// The gate of `directory`'s folds (tests).
    static func gate(_ directory: String) -> LedgerFolds? { gates.withLock { $0[directory] } }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

/// What a report is computed from: its kind and parameters. Stored in the signed record, so the
/// same content can be computed again.
public struct ReportParameters: Sendable, Hashable {
    /// The program target stated when none is given: R2v3's 5 % independent re-check of
    /// sanitized media.
    public static let defaultProgramTargetPercent: Int64 = 5

    /// The kind of report.
    public var kind: ReportKind
    /// The period, for the kinds that have one.
    public var period: ReportPeriod?
    /// The program's target for independent re-checks, in percent (disposal reports).
    public var programTargetPercent: Int64
    /// The vendor manifest (shipment reports).
    public var manifest: String?
    /// The asset tag (custody reports).
    public var tag: String?
    /// Only assets in this state (inventory reports).
    public var state: String?

    /// Creates the parameters of a report.
    public init(
        kind: ReportKind, period: ReportPeriod? = nil,
        programTargetPercent: Int64 = ReportParameters.defaultProgramTargetPercent, manifest: String? = nil,
        tag: String? = nil, state: String? = nil
    ) {
        self.state = state
        self.kind = kind
        self.period = period
        self.programTargetPercent = programTargetPercent
        self.manifest = manifest
        self.tag = tag
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["kind": .string(kind.rawValue)]
        object["from"] = period.map { .string($0.from) }
        object["to"] = period.map { .string($0.to) }
        if kind == .disposal { object["program_target_percent"] = .integer(programTargetPercent) }
        object["manifest"] = manifest.map(JSONValue.string)
        object["tag"] = tag.map(JSONValue.string)
        object["state"] = state.map(JSONValue.string)
        return .object(object)
    }

    init(json: JSONValue) throws(LetheError) {
        guard let word = json["kind"]?.stringValue, let kind = ReportKind(rawValue: word) else {
            throw LetheError(.invalidInput, "the report's parameters name no known kind")
        }
        self.kind = kind
        if let from = json["from"]?.stringValue, let to = json["to"]?.stringValue {
            period = try ReportPeriod(from: from, to: to)
        }
        programTargetPercent =
            json["program_target_percent"]?.integerValue ?? ReportParameters.defaultProgramTargetPercent
        // Every parameter that ``json`` writes is read back: a report reproduced without its
        // manifest, tag or state would be computed over other assets.
        manifest = json["manifest"]?.stringValue
        tag = json["tag"]?.stringValue
        state = json["state"]?.stringValue
    }
}

/// The kinds of report.
public enum ReportKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Everything sanitized, verified or disposed in a period, with totals and exceptions.
    case disposal
    /// Every asset handed over under one vendor manifest, with custody, seals and records.
    case shipment
    /// One asset's chain of custody, with signature lines.
    case custody
    /// Accountability for the erasure requests of a period (request numbers and keyed facts only).
    case erasure
    /// The register as it stood at the log size, optionally only one state.
    case inventory
}

/// How far the generation of a report is, for a front end to show: a year's report reads ten
/// million log entries and writes a million rows.
public enum ReportProgress: Sendable, Hashable {
    /// The log read and folded through entry `through`, of the `of` entries the report is
    /// computed from (only the kinds reports use are read: the rest are passed over).
    case reading(through: Int64, of: Int64)
    /// Rows of the report written so far, of `total`.
    case rows(written: Int, total: Int)
    /// The content is computed; the record is being signed and stored.
    case signing

    /// Where a stage of the computation says how far it is (none: nobody listens).
    typealias Sink = @Sendable (ReportProgress) -> Void
}

/// A report's content as computed at a log size: the bytes that are signed inside the record.
public struct ReportContent: Sendable, Hashable {
    /// The parameters it was computed from.
    public var parameters: ReportParameters
    /// The log size it was computed at.
    public var logSize: Int64
    /// The root of the log's tree at that size (base64).
    public var logRoot: String
    /// The content's canonical JSON.
    public var bytes: [UInt8] {
        didSet { knownSHA256 = nil }
    }
    /// The SHA-256 of ``bytes``, when it was computed as they were written.
    private var knownSHA256: String?
    /// The SHA-256 of ``bytes`` (hex).
    public var sha256: String { knownSHA256 ?? Hex.encode(Array(SHA256.hash(data: bytes))) }

    /// A content of `bytes`; `sha256`, when given, is their digest, computed as they were written.
    init(parameters: ReportParameters, logSize: Int64, logRoot: String, bytes: [UInt8], sha256: String? = nil) {
        self.parameters = parameters
        self.logSize = logSize
        self.logRoot = logRoot
        self.bytes = bytes
        self.knownSHA256 = sha256
    }

    /// Contents are equal when what they state is (whether the digest was kept does not count).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.parameters == rhs.parameters && lhs.logSize == rhs.logSize && lhs.logRoot == rhs.logRoot
            && lhs.bytes == rhs.bytes
    }

    /// Hashes what the content states.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(parameters)
        hasher.combine(logSize)
        hasher.combine(logRoot)
        hasher.combine(bytes)
    }
}

extension ReportService {
    /// Generates the disposal report of a period, signs it and enters it in the log.
    ///
    /// - Parameter programTargetPercent: the program's stated target for independent re-checks
    ///   by read-back (R2v3's is 5 %), compared with the share achieved.
    /// - Parameter progress: told how far the generation is, now and then, from other threads.
    public func disposal(
        period: ReportPeriod, programTargetPercent: Int64 = ReportParameters.defaultProgramTargetPercent,
        by principal: Principal, progress: (@Sendable (ReportProgress) -> Void)? = nil, copy: RecordCopy? = nil
    ) async throws(LetheError) -> IssuedReport {
        guard (0...100).contains(programTargetPercent) else {
            throw LetheError(.usage, "--program-target \(programTargetPercent) must be a percentage from 0 to 100")
        }
        return try await generate(
            ReportParameters(kind: .disposal, period: period, programTargetPercent: programTargetPercent),
            by: principal,
            progress: progress, copy: copy)
    }

    /// Generates and signs the shipment report of a vendor manifest: every asset handed over
    /// under it, with the hand-overs, seals, and each asset's job and record.
    public func shipment(
        manifest: String, by principal: Principal, copy: RecordCopy? = nil
    ) async throws(LetheError) -> IssuedReport {
        let manifest = manifest.trimmed
        guard !manifest.isEmpty else { throw LetheError(.usage, "a shipment report needs the vendor manifest") }
        return try await generate(ReportParameters(kind: .shipment, manifest: manifest), by: principal, copy: copy)
    }

    /// Generates and signs the erasure accountability report of a period: every request received
    /// or completed in it, with its reason, dates and whether it closed within its due date. It
    /// names requests by number only: no subject, not even its keyed hash.
    public func erasure(
        period: ReportPeriod, by principal: Principal, copy: RecordCopy? = nil
    ) async throws(LetheError) -> IssuedReport {
        try await generate(ReportParameters(kind: .erasure, period: period), by: principal, copy: copy)
    }

    /// Generates and signs the inventory: the register as it stood at the log's current size,
    /// only assets in `state` when given.
    public func inventory(
        state: LifecycleState? = nil, by principal: Principal, copy: RecordCopy? = nil
    ) async throws(LetheError)
        -> IssuedReport
    {
        try await generate(ReportParameters(kind: .inventory, state: state?.rawValue), by: principal, copy: copy)
    }

    /// Generates and signs the chain-of-custody document of one asset.
    public func custody(
        tag: String, by principal: Principal, copy: RecordCopy? = nil
    ) async throws(LetheError) -> IssuedReport {
        try await generate(ReportParameters(kind: .custody, tag: tag.trimmed), by: principal, copy: copy)
    }

    /// Brings the report ledger cache (``ReportLedger/Cache``) up to the log's current size
    /// when enough entries were logged since it was written (or it cannot be used), so that the
    /// next report folds few: `lethe serve`'s scheduler calls it after each run, so that reports
    /// in the service are computed from a recent cache even after an upgrade. Nothing is issued
    /// or entered in the evidence log: it is a cache.
    ///
    /// - Returns: the log size the cache now describes, or nil when it was left as it was
    ///   (recent enough, or no data directory).
    public func refreshLedgerCache() async throws(LetheError) -> Int64? {
        guard let cache = ledgerCache else { return nil }
        return try await LedgerFolds.one(in: cache.directory, wait: foldTurnWait, logger: cache.logger) {
            () async throws(LetheError) in
            try await refresh(cache)
        }
    }

    private func refresh(_ cache: ReportLedger.Cache) async throws(LetheError) -> Int64? {
        try await app.store.read { (tx) throws(LetheError) in
            let size = try tx.eventCount()
            let tree = MerkleTree(hasher: LetheApp.logHasher, source: tx)
            let kept = cache.keptSize { (size) throws(LetheError) in try tree.root(size: size) } ?? 0
            guard kept <= size, cache.worthSaving(size: size, from: kept) else { return nil }
            _ = try Self.ledger(atLogSize: size, focus: nil, in: tx, cache: cache)
            // Written by this fold, or by another that reached as far meanwhile.
            guard let now = cache.keptSize(root: { (size) throws(LetheError) in try tree.root(size: size) }),
                now >= size
            else {
                throw LetheError(.io, "the report ledger cache in \(cache.directory) could not be written")
            }
            return size
        }
    }

    /// Computes a report at the log's current size, then issues it as a signed record.
    ///
    /// - Parameter progress: told how far the generation is, now and then, from other threads.
    /// - Parameter copy: given the report once it is signed, on a thread of its own, while the
    ///   store writes and commits it (see ``RecordCopy``).
    public func generate(
        _ parameters: ReportParameters, by principal: Principal, progress: (@Sendable (ReportProgress) -> Void)? = nil,
        copy: RecordCopy? = nil
    ) async throws(LetheError)
        -> IssuedReport
    {
        try app.authorize(.generateReport, principal)
        let issuer = try await app.evidence.recordIssuer()
        let (computed, draft) = try await computeDraft(parameters, progress: progress)
        progress?(.signing)
        let time = app.now
        let actor = principal.name
        let copying = RecordCopying()
        let stored: (record: StoredRecord, sha256: String)
        do throws(LetheError) {
            stored = try await app.store.write { (tx) throws(LetheError) in
                try Self.issue(draft, issuer: issuer, in: tx, actor: actor, at: time) {
                    (record, digest) throws(LetheError) in
                    guard let copy else { return }
                    let report = try IssuedReport(record: record, computed: computed, recordSHA256: digest)
                    copying.start { copy(report) }
                }
            }
        } catch {
            // A copy of a report that was not stored describes nothing: it ends before the
            // error is said, and its reader drops it.
            await copying.finished()
            throw error
        }
        await copying.finished()
        return try IssuedReport(record: stored.record, computed: computed, recordSHA256: stored.sha256)
    }

    /// Issues a report's record in `tx` and returns it with its SHA-256: the digest the signing
    /// computed of its bytes, as its issuance event states it (a year's record is hundreds of
    /// megabytes, not to be hashed again for its summary). `signed` is given the record and that
    /// digest before the record is stored.
    static func issue(
        _ draft: RecordDraft, issuer: RecordIssuer, in tx: any StoreWriting, actor: String, at time: Date,
        signed: ((StoredRecord, String) throws(LetheError) -> Void)? = nil
    ) throws(LetheError) -> (record: StoredRecord, sha256: String) {
        func digest(_ record: StoredRecord, _ event: Event) throws(LetheError) -> String {
            guard event.seq == record.eventSeq, let digest = event.payload["record_sha256"]?.stringValue else {
                throw LetheError(.internal, "report record \(record.serial) has no issuance event stating its digest")
            }
            return digest
        }
        var stated: String?
        let record = try LetheApp.issueRecord(draft, issuer: issuer, in: tx, actor: actor, at: time) {
            (record, event) throws(LetheError) in
            let sha256 = try digest(record, event)
            stated = sha256
            try signed?(record, sha256)
        }
        guard let stated else {
            throw LetheError(.internal, "report record \(record.serial) was stored without its issuance event")
        }
        return (record, stated)
    }

    /// Computes a report at the log's current size for issuance: what it states and its
    /// record's draft, whose content field holds the bytes — still in the file they were spooled
    /// to, when they went to one, so that the record is hashed, signed and stored from there and
    /// never held whole (hundreds of megabytes at a year's size).
    func computeDraft(
        _ parameters: ReportParameters, progress: ReportProgress.Sink? = nil
    ) async throws(LetheError) -> (ComputedContent, RecordDraft) {
        let directory = app.dataDirectory?.path
        let cache = ledgerCache
        let spoolThreshold = spoolThreshold
        // A custody report folds its asset's every entry: never from the cache, so never waits.
        let computed = try await LedgerFolds.one(
            in: parameters.kind == .custody ? nil : cache?.directory, wait: foldTurnWait, logger: cache?.logger
        ) {
            () async throws(LetheError) in
            try await app.store.read { (tx) throws(LetheError) in
                try Self.compute(
                    parameters, atLogSize: nil,
                    spool: ContentSpool(directory: directory, threshold: spoolThreshold, recordHead: Self.recordHead),
                    in: tx, cache: cache, progress: progress)
            }
        }
        let content = computed.content
        // The content's digest, and the record's begun, taken as it was written: each pass that
        // stores or copies the record checks the spool still has the bytes signed.
        let field =
            content.file.map {
                EncodedField(file: $0, sha256: Hex.decode(content.sha256), recordDigest: content.recordDigest)
            }
            ?? EncodedField(content.bytes)
        return (computed, Self.draft(of: computed, field: field))
    }

    /// The record draft of a report: what it is, the log state it was computed at, and its
    /// content — `field`, its canonical bytes, copied into the record as they are — with their
    /// digest.
    static func draft(of computed: ComputedContent, field: EncodedField) -> RecordDraft {
        RecordDraft(
            kind: recordKind,
            fields: [
                "report_kind": .string(computed.parameters.kind.rawValue),
                "parameters": computed.parameters.json,
                "log_size": .integer(computed.logSize),
                "log_root": .string(computed.logRoot),
                "content_sha256": .string(computed.content.sha256),
            ], encodedFields: ["content": field])
    }

    /// Computes a report's content from the first `logSize` entries of the log (the current
    /// size when nil), in one read transaction, folding the log from its first entry (the
    /// report ledger cache is neither read nor written: this is how a report is reproduced).
    /// Nothing is written.
    ///
    /// A large content is spooled to a file without a name in the data directory while it is
    /// computed, and read back once the ledger and the register it was computed from are let go.
    public func compute(
        _ parameters: ReportParameters, atLogSize logSize: Int64?
    ) async throws(LetheError) -> ReportContent {
        let computed = try await computeSpooled(parameters, atLogSize: logSize)
        return ReportContent(
            parameters: computed.parameters, logSize: computed.logSize, logRoot: computed.logRoot,
            bytes: try computed.content.load(), sha256: computed.content.sha256)
    }

    /// Computes a report's content as ``compute(_:atLogSize:)`` does, leaving a large content in
    /// its spool file rather than reading it back.
    func computeSpooled(
        _ parameters: ReportParameters, atLogSize logSize: Int64?
    ) async throws(LetheError) -> ComputedContent {
        let directory = app.dataDirectory?.path
        return try await app.store.read { (tx) throws(LetheError) in
            try Self.compute(
                parameters, atLogSize: logSize, spool: ContentSpool(directory: directory, threshold: spoolThreshold),
                in: tx)
        }
    }

    /// A report's content as computed, its bytes possibly still in their spool.
    struct ComputedContent: Sendable {
        var parameters: ReportParameters
        var logSize: Int64
        var logRoot: String
        var content: SpooledContent
    }

    /// Computes a report's content at `requested` (the log's size when nil): its ledger folded
    /// from `cache` when one is given and can be used, which is then rewritten when the
    /// report folded enough entries past it.
    static func compute(
        _ parameters: ReportParameters, atLogSize requested: Int64?, spool: ContentSpool, in tx: any StoreReading,
        cache: ReportLedger.Cache? = nil, progress: ReportProgress.Sink? = nil
    ) throws(LetheError) -> ComputedContent {
        let current = try tx.eventCount()
        let size = requested ?? current
        guard size >= 0, size <= current else {
            throw LetheError(.usage, "log size \(size) is beyond the log's \(current) entries")
        }
        let root = try MerkleTree(hasher: LetheApp.logHasher, source: tx).root(size: size)
        // The cache, when this fold writes one, is written while the register is read.
        let cacheWrite = AsideWork()
        defer { cacheWrite.wait() }
        let ledger = try Self.ledger(
            atLogSize: size, focus: parameters.kind == .custody ? parameters.tag : nil, in: tx, cache: cache,
            progress: progress, cacheWrite: cacheWrite)
        let assets = try Self.assets(
            of: ledger, ledgerAssets: parameters.kind != .inventory, also: parameters.tag, atLogSize: size,
            current: current,
            in: tx)
        // Before the rows, which keep both cores busy.
        cacheWrite.wait()
        // A disposal report and an inventory are written as canonical bytes row by row: at a
        // year's size a tree of the rows would cost more than computing them. The others are
        // small, and encoded from their value.
        func encoded(_ value: JSONValue) throws(LetheError) -> SpooledContent {
            let bytes = try CanonicalJSON.encode(value)
            return SpooledContent(bytes: bytes, file: nil, sha256: Hex.encode(Array(SHA256.hash(data: bytes))))
        }
        let content: SpooledContent
        switch parameters.kind {
        case .disposal:
            guard let period = parameters.period else {
                throw LetheError(.usage, "a disposal report needs a period: --from DAY --to DAY")
            }
            content = try DisposalReport.contentBytes(
                ledger: ledger, period: period, assets: assets, programTargetPercent: parameters.programTargetPercent,
                spool: spool, progress: progress)
        case .shipment:
            content = try encoded(
                CustodyReports.shipment(
                    manifest: parameters.manifest ?? "", ledger: ledger, assets: assets, logSize: size))
        case .custody:
            content = try encoded(
                CustodyReports.custody(tag: parameters.tag ?? "", ledger: ledger, assets: assets, logSize: size))
        case .erasure:
            guard let period = parameters.period else {
                throw LetheError(.usage, "an erasure report needs a period: --from DAY --to DAY")
            }
            content = try encoded(DisposalReport.erasureReport(ledger: ledger, period: period))
        case .inventory:
            content = try InventoryReport.contentBytes(
                state: parameters.state, ledger: ledger, logSize: size, current: current, in: tx, spool: spool)
        }
        return ComputedContent(
            parameters: parameters, logSize: size, logRoot: StrictBase64.encode(root), content: content)
    }

    static let batch: Int64 = 4096
    /// Above this many assets a report reads the register in one pass instead of tag by tag.
    static let pointLookups = 256

    /// Folds the first `size` entries of the log into a ledger: only the kinds the ledger folds
    /// (and every entry about `focus`), read in order in batches; the batches' entries are parsed
    /// on every core, a batch to a thread, then folded in log order on this thread.
    ///
    /// Without a focus, and given a `cache` that can be used (folded through at most
    /// `size` entries of this log), the fold starts from it and reads only the entries after;
    /// when it then folded enough entries, the ledger at `size` replaces the cache (a
    /// cache that cannot be written is logged, and costs the next report time only). Given
    /// `cacheWrite`, that file is written on a thread it starts, and the caller waits for it.
    ///
    /// A pipeline (``OrderedWork``): while later batches are parsed on other threads, this thread
    /// reads the next from the store and folds the earlier ones (reading and folding are a
    /// third of the work, and cannot be split).
    static func ledger(
        atLogSize size: Int64, focus: String?, in tx: any StoreReading, cache: ReportLedger.Cache? = nil,
        progress: ReportProgress.Sink? = nil, cacheWrite: AsideWork? = nil
    ) throws(LetheError)
        -> ReportLedger
    {
        var ledger = ReportLedger()
        ledger.focus = focus
        guard size > 0 else { return ledger }
        let tree = MerkleTree(hasher: LetheApp.logHasher, source: tx)
        let cache = focus == nil ? cache : nil
        if let cache,
            let kept = cache.load(
                atMost: size,
                root: { (size) throws(LetheError) in
                    try tree.root(size: size)
                })
        {
            ledger = kept
        }
        let start = ledger.size
        if start < size {
            // From the cache: said before its first batch, as the entry read through.
            if start > 0 { progress?(.reading(through: start, of: size)) }
            // Each batch parsed whole on one of the threads, several at once; folded in order
            // here. The buffers of a batch and of its entries are used again once folded.
            typealias Batch = (bodies: EventBodies, entries: [ReportLedger.Entry])
            var spare: [Batch] = []
            try OrderedWork.run(
                transform: { (batch: Batch) throws(LetheError) -> Batch in
                    var entries = batch.entries
                    entries.removeAll(keepingCapacity: true)
                    entries.reserveCapacity(batch.bodies.count)
                    for index in 0..<batch.bodies.count {
                        entries.append(
                            try ReportLedger.Entry(
                                storedBytes: batch.bodies.bytes, range: batch.bodies.range(index), focus: focus))
                    }
                    return (batch.bodies, entries)
                },
                feed: { (submit) throws(LetheError) in
                    try tx.scanEventBodies(
                        after: start, through: size, types: ReportLedger.foldedTypes, orAsset: focus,
                        batch: Int(batch)
                    ) { (bodies) throws(LetheError) in
                        let reused = spare.popLast()
                        try submit((bodies, reused?.entries ?? []))
                        return reused?.bodies ?? EventBodies()
                    }
                },
                take: { (parsed) throws(LetheError) in
                    ledger.apply(parsed.entries)
                    progress?(.reading(through: parsed.bodies.through, of: size))
                    spare.append(parsed)
                })
            spare.removeAll()
        }
        // Read to its end, though the last entries may be of kinds the scan passed over.
        progress?(.reading(through: size, of: size))
        // The entry at the size dates the ledger, whatever its kind.
        guard let last = try tx.events(fromSeq: size, limit: 1).first, last.seq == size else {
            throw LetheError(.internal, "the log has no entry \(size) though it holds \(size) or more")
        }
        ledger.end(at: last)
        // Not over a cache another fold (a report beside this one) already took as far.
        if let cache, cache.worthSaving(size: size, from: start),
            (cache.keptSize { (size) throws(LetheError) in try tree.root(size: size) } ?? 0) < size
        {
            let root = try tree.root(size: size)
            let save = { @Sendable [ledger] in
                do throws(LetheError) {
                    try cache.save(ledger, root: root)
                } catch {
                    cache.logger.notice("report ledger cache not written: \(error.message)")
                }
            }
            if let cacheWrite { cacheWrite.start("lethe-cache", save) } else { save() }
        }
        return ledger
    }

    /// The descriptive fields of the assets `ledger` names (when `ledgerAssets`) and of `extra`,
    /// as they stood at entry `size`: the register's current fields with every `asset.updated`
    /// change made after `size` undone, newest first.
    ///
    /// Up to `pointLookups` tags are looked up one by one; more are read in one pass over the
    /// register (the same fields either way).
    static func assets(
        of ledger: ReportLedger, ledgerAssets: Bool, also extra: String?, atLogSize size: Int64, current: Int64,
        in tx: any StoreReading, pointLookups: Int = ReportService.pointLookups
    ) throws(LetheError) -> ReportRegister {
        var result = ReportRegister(ledger: ledger)
        let covered = { (tag: String) -> Bool in
            tag == extra || (ledgerAssets && ledger.lifeSlot(tag) != nil)
        }
        let count = (ledgerAssets ? ledger.lives.count : 0) + (extra == nil ? 0 : 1)
        if count > pointLookups {
            // Most of the register: one pass over it costs less than a lookup per tag (the
            // register holds the texts that repeat once).
            try tx.scanAssetDescriptions { (asset) throws(LetheError) in
                guard covered(asset.tag) else { return }
                result[asset.tag] = ReportAsset(
                    serial: asset.serial, make: asset.make, model: asset.model, mediaType: asset.mediaType,
                    classification: asset.classification)
            }
        } else {
            var tags = ledgerAssets ? ledger.lives.indices.map(ledger.tag(ofLife:)) : []
            if let extra { tags.append(extra) }
            for tag in tags {
                guard let asset = try tx.asset(tag: tag) else { continue }
                result[tag] = ReportAsset(
                    serial: asset.serial, make: asset.make, model: asset.model, mediaType: asset.mediaType.rawValue,
                    classification: asset.classification.rawValue)
            }
        }
        var later: [Event] = []
        var next = size + 1
        while next <= current {
            let batch = try tx.events(fromSeq: next, limit: Int(Self.batch))
            guard !batch.isEmpty else { break }
            later += batch.filter { $0.type == .assetUpdated && $0.assetTag.map(covered) == true }
            next = batch[batch.count - 1].seq + 1
        }
        for event in later.reversed() {
            guard let tag = event.assetTag, var asset = result[tag] else { continue }
            for (field, change) in event.payload["changes"]?.objectValue ?? [:] {
                let from = change["from"]?.stringValue
                switch field {
                case "serial": asset.serial = from
                case "make": asset.make = from
                case "model": asset.model = from
                case "media_type": asset.mediaType = from ?? asset.mediaType
                case "classification": asset.classification = from ?? asset.classification
                default: break
                }
            }
            result[tag] = asset
        }
        return result
    }
}
