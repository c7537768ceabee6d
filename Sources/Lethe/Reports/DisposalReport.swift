import Foundation
import LetheCore

/// The descriptive fields of an asset as they stood at the report's log size.
struct ReportAsset: Sendable, Hashable {
    var serial: String?
    var make: String?
    var model: String?
    var mediaType: String
    var classification: String
}

/// The register's descriptive fields of the assets a ``ReportLedger`` names (and of any other
/// tag asked for), found by tag.
///
/// Held in slots parallel to the ledger's ``ReportLedger/lives`` (found through the ledger's
/// table of tags, shared, not copied) rather than in a dictionary of its own by tag: at a year's
/// size that dictionary held twice the slots it used. A slot holds the serial and the numbers of
/// the other four fields' texts in a table of their own (makes, models, media types and
/// classifications repeat): 32 bytes an asset rather than 88.
struct ReportRegister {
    /// The numbers in ``texts`` of an asset's make, model, media type and classification (0: none;
    /// a media type of 0: no fields for the asset).
    private struct Codes: Hashable {
        var make: UInt32 = 0
        var model: UInt32 = 0
        var mediaType: UInt32 = 0
        var classification: UInt32 = 0
    }

    private let ledger: ReportLedger
    private var serials: [String?] = []
    /// By an asset's slot in the ledger's lives, the number of its ``Codes`` in ``profiles``: a
    /// register holds few distinct ones (makes, models, media and classifications repeat), so 4
    /// bytes an asset rather than 16.
    private var codes: [UInt32] = []
    /// Each distinct ``Codes``, once; the first is no fields.
    private var profiles: [Codes] = [Codes()]
    private var profileNumbers: [Codes: UInt32] = [Codes(): 0]
    private var texts = ReportLedger.Names()
    private var others: [String: ReportAsset] = [:]

    /// An empty register for the assets `ledger` names.
    init(ledger: ReportLedger) {
        self.ledger = ledger
    }

    /// The fields of the asset tagged `tag`, whose slot in the ledger's lives is `lifeSlot`
    /// (nil: none), if given.
    func fields(_ tag: String, lifeSlot: Int?) -> ReportAsset? {
        guard let slot = lifeSlot else { return others.isEmpty ? nil : others[tag] }
        guard slot < codes.count else { return nil }
        let code = profiles[Int(codes[slot])]
        guard code.mediaType != 0 else { return nil }
        return ReportAsset(
            serial: serials[slot], make: texts[ReportLedger.Name(number: code.make)],
            model: texts[ReportLedger.Name(number: code.model)],
            mediaType: texts[ReportLedger.Name(number: code.mediaType)] ?? "",
            classification: texts[ReportLedger.Name(number: code.classification)] ?? "")
    }

    /// The fields of the asset tagged `tag`, if given.
    subscript(tag: String) -> ReportAsset? {
        get { fields(tag, lifeSlot: ledger.lifeSlot(tag)) }
        set {
            guard let slot = ledger.lifeSlot(tag) else {
                others[tag] = newValue
                return
            }
            if codes.isEmpty {
                codes = Array(repeating: 0, count: ledger.lives.count)
                serials = Array(repeating: nil, count: ledger.lives.count)
            }
            guard let asset = newValue else {
                codes[slot] = 0
                serials[slot] = nil
                return
            }
            let code = Codes(
                make: texts.name(asset.make).number, model: texts.name(asset.model).number,
                mediaType: texts.name(asset.mediaType).number,
                classification: texts.name(asset.classification).number)
            if let number = profileNumbers[code] {
                codes[slot] = number
            } else {
                codes[slot] = UInt32(profiles.count)
                profileNumbers[code] = UInt32(profiles.count)
                profiles.append(code)
            }
            serials[slot] = asset.serial
        }
    }
}

/// A period of whole UTC days: from the first day's midnight to the midnight after the last day.
public struct ReportPeriod: Sendable, Hashable, Codable {
    /// The first day (`2026-07-01`).
    public var from: String
    /// The last day, included (`2026-09-30`).
    public var to: String
    /// Midnight UTC that starts the first day.
    public var start: Date
    /// Midnight UTC after the last day (excluded).
    public var end: Date

    /// Parses two calendar days (`YYYY-MM-DD`); the last is included. Errors name the days as
    /// `from` and `to`: the CLI's `--from`/`--to`, the API's and a report definition's fields.
    public init(from: String, to: String) throws(LetheError) {
        let day: (String, String) throws(LetheError) -> Date = { (text, field) throws(LetheError) in
            guard text.utf8.count == 10 else {
                throw LetheError(.usage, "\(field) '\(text)' is not a calendar day such as 2026-07-01")
            }
            do throws(LetheError) {
                return try RFC3339.parse(text, field: field)
            } catch {
                // (RFC 3339's own message offers a time of day too, which a period does not take)
                throw LetheError(error.code, "\(field) '\(text)' is not a calendar day such as 2026-07-01")
            }
        }
        start = try day(from, "from")
        let last = try day(to, "to")
        guard last >= start else {
            throw LetheError(.usage, "to \(to) is before from \(from); give the period's first and last day")
        }
        self.from = RFC3339.formatDay(start)
        self.to = RFC3339.formatDay(last)
        end = last.addingTimeInterval(86_400)
    }

    /// Whether `date` falls in the period.
    func contains(_ date: Date?) -> Bool {
        guard let date else { return false }
        return date >= start && date < end
    }

    var json: JSONValue {
        [
            "from": .string(from), "to": .string(to), "start": .string(RFC3339.format(start)),
            "end": .string(RFC3339.format(end)),
        ]
    }
}

/// The disposal report of a period, computed from a ``ReportLedger``: every asset sanitized,
/// verified or disposed in it, totals, verification shares, exceptions, open work at its end, and
/// erasure requests. Pure and deterministic: every list is sorted, every share an exact fraction.
enum DisposalReport {
    /// One asset's row of the report, as computed (written out as a tree or as canonical bytes).
    struct AssetRow {
        var tag: String
        var asset: ReportAsset?
        var life: ReportLedger.AssetLife
        var job: ReportLedger.Job?
        /// The sample rate of the job's read-back (``ReportLedger/readbackRatePercent(of:)``).
        var readbackRatePercent: Int64? = nil
        /// The job's verification plan.
        var plan: JSONValue
        /// The ledger's texts, by ``ReportLedger/Name``.
        var texts: [String?]
        var certificateRevoked: Bool
        var outcome: String

        private func text(_ name: ReportLedger.Name?) -> JSONValue? {
            name.flatMap { texts[Int($0.number)] }.map(JSONValue.string)
        }

        /// The members in canonical (sorted) key order, absent ones nil.
        func members() -> [(key: StaticString, value: JSONValue?)] {
            let certificate = text(job?.certificate)
            return [
                ("certificate", certificate),
                ("certificate_status", certificate.map { _ in .string(certificateRevoked ? "revoked" : "valid") }),
                ("classification", .string(asset?.classification ?? "unknown")),
                ("destination", life.destination(texts).map(JSONValue.string)),
                ("disposed_at", life.disposedAt.map { .string(RFC3339.format($0)) }),
                ("due_at", job.map { .string(RFC3339.format($0.dueAt)) }),
                ("executed_at", job?.executedAt.map { .string(RFC3339.format($0)) }),
                ("job", job.map { .integer($0.id) }),
                ("make", asset?.make.map(JSONValue.string)),
                ("media_type", .string(asset?.mediaType ?? "unknown")),
                ("method", job.map { text($0.method) ?? .string("") }),
                ("model", asset?.model.map(JSONValue.string)),
                ("outcome", .string(outcome)),
                ("performer", text(job?.executedBy)),
                ("serial", asset?.serial.map(JSONValue.string)),
                ("tag", .string(tag)),
                ("technique", text(job?.technique)),
                ("tool", text(job?.tool)),
                ("tool_version", text(job?.toolVersion)),
                ("validator", text(job?.verifiedBy)),
                ("verification", job.map { verificationJSON($0, rate: readbackRatePercent, plan: plan, texts: texts) }),
                ("verified_at", job?.verifiedAt.map { .string(RFC3339.format($0)) }),
            ]
        }

        /// The row as a value.
        var json: JSONValue {
            var object: [String: JSONValue] = [:]
            for (key, value) in members() {
                if let value { object[key.description] = value }
            }
            return .object(object)
        }

        /// Appends the row's canonical JSON (the bytes ``CanonicalJSON`` writes for ``json``),
        /// member by member without building them as values: a year's report writes a million
        /// rows. `plans` holds the job's verification plan encoded.
        func write(into out: inout [UInt8], plans: EncodedPlans) throws(LetheError) {
            func text(_ name: ReportLedger.Name) -> String? { texts[Int(name.number)] }
            // Literal keys in canonical order, unchecked: ReportRowWriterTests compares a row with
            // every member present with the canonical encoding of ``json``.
            var writer = CanonicalObjectWriter(into: &out, checked: false)
            let certificate = job.flatMap { text($0.certificate) }
            try writer.string("certificate", certificate, into: &out)
            try writer.string(
                "certificate_status", certificate.map { _ in certificateRevoked ? "revoked" : "valid" }, into: &out)
            try writer.string("classification", asset?.classification ?? "unknown", into: &out)
            try writer.string("destination", life.destination(texts), into: &out)
            try writer.date("disposed_at", life.disposedAt, into: &out)
            try writer.date("due_at", job?.dueAt, into: &out)
            try writer.date("executed_at", job?.executedAt, into: &out)
            try writer.integer("job", job?.id, into: &out)
            try writer.string("make", asset?.make, into: &out)
            try writer.string("media_type", asset?.mediaType ?? "unknown", into: &out)
            try writer.string("method", job.map { text($0.method) ?? "" }, into: &out)
            try writer.string("model", asset?.model, into: &out)
            try writer.string("outcome", outcome, into: &out)
            try writer.string("performer", job.flatMap { text($0.executedBy) }, into: &out)
            try writer.string("serial", asset?.serial, into: &out)
            try writer.string("tag", tag, into: &out)
            try writer.string("technique", job.flatMap { text($0.technique) }, into: &out)
            try writer.string("tool", job.flatMap { text($0.tool) }, into: &out)
            try writer.string("tool_version", job.flatMap { text($0.toolVersion) }, into: &out)
            try writer.string("validator", job.flatMap { text($0.verifiedBy) }, into: &out)
            if let job {
                try writer.open("verification", into: &out)
                if let encoded = plans.members[Int(job.verification)] {
                    try plans.write(encoded, job: job, rate: readbackRatePercent, texts: texts, into: &out)
                } else {
                    try CanonicalJSON.write(
                        verificationJSON(job, rate: readbackRatePercent, plan: plan, texts: texts), into: &out)
                }
            }
            try writer.date("verified_at", job?.verifiedAt, into: &out)
            writer.finish(into: &out)
        }
    }

    /// The ledger's verification plans, each encoded once for the rows that write it: the
    /// members other than the four a row sets (``verificationJSON(_:rate:plan:texts:)``), as their
    /// key and their canonical `"key":value` bytes, in canonical order.
    struct EncodedPlans {
        /// The members a row sets in its verification, in canonical order.
        private static let rowKeys: [String] = ["readback", "sample_rate_percent_used", "sample_seed", "verifier"]
        /// By plan: its members (nil for a plan with a key that is not plain ASCII: its rows'
        /// verification is encoded from its value).
        let members: [[(key: String, bytes: [UInt8])]?]

        init(_ plans: [JSONValue]) throws(LetheError) {
            var members: [[(key: String, bytes: [UInt8])]?] = []
            for plan in plans {
                let object = (plan.objectValue ?? [:]).filter { !Self.rowKeys.contains($0.key) }
                guard object.keys.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }) else {
                    members.append(nil)
                    continue
                }
                var encoded: [(key: String, bytes: [UInt8])] = []
                // ASCII keys: String's order is the canonical order.
                for key in object.keys.sorted() {
                    var bytes: [UInt8] = []
                    CanonicalJSON.write(string: key, into: &bytes)
                    bytes.append(UInt8(ascii: ":"))
                    try CanonicalJSON.write(object[key]!, into: &bytes)
                    encoded.append((key, bytes))
                }
                members.append(encoded)
            }
            self.members = members
        }

        /// Writes the verification object of `job` (whose sample rate is `rate`) under a plan
        /// of `members`: the plan's members and the row's own, merged in canonical order.
        func write(
            _ members: [(key: String, bytes: [UInt8])], job: ReportLedger.Job, rate: Int64?, texts: [String?],
            into out: inout [UInt8]
        ) throws(LetheError) {
            let own: [(key: String, value: JSONValue?)] = [
                ("readback", texts[Int(job.readbackMode.number)].map(JSONValue.string)),
                ("sample_rate_percent_used", rate.map(JSONValue.integer)),
                ("sample_seed", texts[Int(job.readbackSeed.number)].map(JSONValue.string)),
                ("verifier", texts[Int(job.verifier.number)].map(JSONValue.string)),
            ]
            out.append(UInt8(ascii: "{"))
            var first = true
            var next = 0
            func comma() {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
            }
            for (key, value) in own {
                while next < members.count, members[next].key < key {
                    comma()
                    out.append(contentsOf: members[next].bytes)
                    next += 1
                }
                guard let value else { continue }
                comma()
                CanonicalJSON.write(string: key, into: &out)
                out.append(UInt8(ascii: ":"))
                try CanonicalJSON.write(value, into: &out)
            }
            for member in members[next...] {
                comma()
                out.append(contentsOf: member.bytes)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A key of the totals: a job's method, the asset's media type and classification, the outcome.
    private struct TotalsKey: Hashable {
        var method: String
        var mediaType: String
        var classification: String
        var outcome: String

        var fields: [String] { [method, mediaType, classification, outcome] }
    }

    /// The report's content as a value.
    static func content(
        ledger: ReportLedger, period: ReportPeriod, assets: ReportRegister, programTargetPercent: Int64
    ) -> JSONValue {
        var rows: [JSONValue] = []
        var attestOnly = AttestOnlyRows()
        var members = compute(
            ledger: ledger, period: period, assets: assets, programTargetPercent: programTargetPercent,
            attestOnly: &attestOnly
        ) { rows.append($0.json) }
        members["assets"] = .array(rows)
        var exceptions = members["exceptions"]?.objectValue ?? [:]
        exceptions[AttestOnly.key] = .array(attestOnly.map { $0.json(ledger) })
        members["exceptions"] = .object(exceptions)
        return .object(members)
    }

    /// The report's content as canonical JSON: the same bytes as encoding ``content(ledger:period:assets:programTargetPercent:)``,
    /// with each asset's row written as it is computed (no tree of the rows), straight into the
    /// content's bytes: `assets` sorts first of its members, so the others follow the rows.
    ///
    /// The bytes go through `spool`: past its threshold they are moved to its file as they are
    /// written, so the content is never held whole beside the ledger and the register.
    static func contentBytes(
        ledger: ReportLedger, period: ReportPeriod, assets: ReportRegister, programTargetPercent: Int64,
        spool: ContentSpool = ContentSpool(directory: nil), rowBatch: Int = DisposalReport.rowBatch,
        progress: ReportProgress.Sink? = nil
    ) throws(LetheError) -> SpooledContent {
        let rowBatch = max(1, rowBatch)
        var attestOnly = AttestOnlyRows()
        let plans = try EncodedPlans(ledger.verifications)
        let writer = RowWriter(spool: spool)
        // The rows are computed here, a batch at a time; each batch's bytes are written on one
        // of the threads (``OrderedWork``), several batches at once, and taken back in order to
        // the spool (its file and its hashes) here. Writing the bytes took longer than computing
        // the rows; as many batches as the threads hold, and their bytes, are held at most.
        var batch: [AssetRow] = []
        batch.reserveCapacity(rowBatch)
        var (written, total) = (0, 0)
        var computed: [String: JSONValue]?
        try OrderedWork.run(
            transform: { (rows: [AssetRow]) throws(LetheError) -> [UInt8] in
                var bytes: [UInt8] = []
                bytes.reserveCapacity(rows.count * RowWriter.rowBytes)
                for row in rows {
                    bytes.append(UInt8(ascii: ","))
                    try row.write(into: &bytes, plans: plans)
                }
                return bytes
            },
            feed: { (submit) throws(LetheError) in
                computed = try compute(
                    ledger: ledger, period: period, assets: assets, programTargetPercent: programTargetPercent,
                    attestOnly: &attestOnly,
                    expect: {
                        total = $0
                        writer.reserve(rows: $0, batch: rowBatch)
                    }
                ) { (row) throws(LetheError) in
                    batch.append(row)
                    guard batch.count == rowBatch else { return }
                    written += rowBatch
                    progress?(.rows(written: written, total: total))
                    try submit(batch)
                    batch.removeAll(keepingCapacity: true)
                }
                if !batch.isEmpty { try submit(batch) }
            },
            take: { (bytes) throws(LetheError) in try writer.append(bytes) })
        progress?(.rows(written: written + batch.count, total: total))
        guard let members = computed else {
            throw LetheError(.internal, "the disposal report's members were not computed")
        }
        var out = writer.out
        writer.out = []
        out.append(UInt8(ascii: "]"))
        // The other members in canonical order (ASCII keys: String's order is the encoder's),
        // every one after `assets`.
        for key in members.keys.sorted() {
            guard key > "assets", key.utf8.allSatisfy({ $0 < 0x80 }), let value = members[key] else {
                throw LetheError(.internal, "disposal report member '\(key)' does not sort after 'assets'")
            }
            out.append(UInt8(ascii: ","))
            try CanonicalJSON.write(.string(key), into: &out)
            out.append(UInt8(ascii: ":"))
            if key == "exceptions" {
                try writeExceptions(value, attestOnly: attestOnly, ledger: ledger, into: &out, spool: spool)
            } else {
                try CanonicalJSON.write(value, into: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
        return try spool.finish(out)
    }

    /// Rows handed to the thread that writes them, at a time (a test gives fewer).
    static let rowBatch = 2048

    /// The bytes of the rows, appended in order into ``out`` and moved to the spool past its
    /// threshold. Used on one thread.
    private final class RowWriter {
        /// About the bytes of a row (a row is about 530).
        static let rowBytes = 640
        var out: [UInt8] = Array(#"{"assets":["#.utf8)
        private var first = true
        private let spool: ContentSpool

        init(spool: ContentSpool) {
            self.spool = spool
        }

        /// Room for `rows` rows up front (room never written is never touched): growing a
        /// buffer of hundreds of megabytes copies it, and holds both meanwhile. A spool needs
        /// room for its threshold and a batch of `batch` rows.
        func reserve(rows: Int, batch: Int) {
            let bytes = rows * Self.rowBytes + 65_536
            let spooled = spool.threshold + batch * Self.rowBytes + 65_536
            out.reserveCapacity(out.count + (spool.directory == nil ? bytes : min(bytes, spooled)))
        }

        /// Appends the bytes of rows, each after a comma (the first row's comma is dropped).
        func append(_ rows: [UInt8]) throws(LetheError) {
            guard !rows.isEmpty else { return }
            out.append(contentsOf: first ? rows[1...] : rows[...])
            first = false
            try spool.spill(&out)
        }
    }

    /// A verification by attestation only: a row of the exceptions, kept compact (a year has a
    /// million of them at most, as many objects when built as values): the row's tag as a name
    /// and the slot of its job in the ledger, 8 bytes, not a text and an id's 24.
    struct AttestOnly {
        static let key = "attestation_only_verifications"
        var tag: ReportLedger.Name
        var slot: Int32

        /// The row: the job's id and the tag.
        func json(_ ledger: ReportLedger) -> JSONValue {
            ["tag": .string(ledger.text(tag) ?? ""), "job": .integer(ledger.jobs[Int(slot)].id)]
        }

        /// Appends the canonical JSON of ``json(_:)`` without building it.
        func write(into out: inout [UInt8], ledger: ReportLedger) throws(LetheError) {
            var writer = CanonicalObjectWriter(into: &out)
            try writer.integer("job", ledger.jobs[Int(slot)].id, into: &out)
            try writer.string("tag", ledger.text(tag) ?? "", into: &out)
            writer.finish(into: &out)
        }
    }

    /// The rows verified by attestation only, in the rows' order: the rows' keys (a tag's name
    /// and its job's slot), held for the rows anyway, with a bit a row for whether it is one.
    struct AttestOnlyRows: Sequence {
        private var keys: [(tag: ReportLedger.Name, slot: Int32)] = []
        private var marks: [UInt64] = []

        /// None.
        init() {}

        /// The rows of `keys` whose bit is set in `marks`.
        init(keys: [(tag: ReportLedger.Name, slot: Int32)], marks: [UInt64]) {
            self.keys = keys
            self.marks = marks
        }

        func makeIterator() -> some IteratorProtocol<AttestOnly> {
            var index = 0
            return AnyIterator { () -> AttestOnly? in
                while index < keys.count {
                    defer { index += 1 }
                    if marks[index / 64] & (1 << UInt64(index % 64)) != 0 {
                        return AttestOnly(tag: keys[index].tag, slot: keys[index].slot)
                    }
                }
                return nil
            }
        }
    }

    /// Writes the exceptions: `attestation_only_verifications` (the first of their keys) one
    /// entry at a time, then the other members in canonical order.
    private static func writeExceptions(
        _ exceptions: JSONValue, attestOnly: AttestOnlyRows, ledger: ReportLedger, into out: inout [UInt8],
        spool: ContentSpool
    ) throws(LetheError) {
        let members = exceptions.objectValue ?? [:]
        out.append(UInt8(ascii: "{"))
        try CanonicalJSON.write(.string(AttestOnly.key), into: &out)
        out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: "[")])
        for (index, entry) in attestOnly.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            try entry.write(into: &out, ledger: ledger)
            try spool.spill(&out)
        }
        out.append(UInt8(ascii: "]"))
        for key in members.keys.sorted() {
            guard key > AttestOnly.key, key.utf8.allSatisfy({ $0 < 0x80 }), let value = members[key] else {
                throw LetheError(
                    .internal, "disposal report exception '\(key)' does not sort after '\(AttestOnly.key)'")
            }
            out.append(UInt8(ascii: ","))
            try CanonicalJSON.write(.string(key), into: &out)
            out.append(UInt8(ascii: ":"))
            try CanonicalJSON.write(value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Computes the report: hands each asset's row to `emit` in tag order, and returns every
    /// other member of the content but the exceptions' verifications by attestation only, given
    /// in `attestOnly`.
    private static func compute<Failure: Error>(
        ledger: ReportLedger, period: ReportPeriod, assets: ReportRegister, programTargetPercent: Int64,
        attestOnly: inout AttestOnlyRows, expect: (Int) -> Void = { _ in }, emit: (AssetRow) throws(Failure) -> Void
    ) throws(Failure) -> [String: JSONValue] {
        // The jobs in id order: slots of `ledger.jobs`, sorted once (already in order when
        // scheduled so), never the jobs themselves copied.
        let order = ledger.slotsInIDOrder
        let texts = ledger.names.texts
        // No life is disposed when no entry names the state.
        let disposedName = ledger.names.existing("disposed")
        let policyRate = ledger.verifications.map { $0["rate_percent"]?.integerValue }
        // 1. The assets of the period: a job executed or verified in it, or disposed in it.
        var rowCount: Int64 = 0
        var totals: [TotalsKey: Int64] = [:]
        var destinations: [String: Int64] = [:]
        var verified: Int64 = 0
        var secondPerson: Int64 = 0
        var readBack: Int64 = 0
        var sampled: Int64 = 0
        var sampledBelowPolicy: Int64 = 0
        var sampledRates: [Int64] = []
        var policyRates: [Int64] = []
        // Each asset's last job (in id order) executed or verified in the period: by the number
        // of its tag's name, the job's slot plus one (0: none). An array of 4 bytes a name, not a
        // dictionary: at a year's size a million entries, whose dictionary took six times that.
        var finalJob = [Int32](repeating: 0, count: texts.count)
        var finalJobs = 0
        for slot in order {
            let job = ledger.jobs[slot]
            guard period.contains(job.executedAt) || period.contains(job.verifiedAt) else { continue }
            if finalJob[Int(job.asset.number)] == 0 { finalJobs += 1 }
            finalJob[Int(job.asset.number)] = Int32(slot + 1)
        }
        // The rows' tags (as names: 8 bytes a row, not a text's 24) with their final job's slot
        // (-1: none), sorted once by the tag's text: one key a tag, since a life's tag is named
        // once (a tag both with a final job and disposed in the period is the final job's row,
        // not a second key: at a year's size, a million keys fewer to hold and sort).
        let disposedOnly = ledger.lives.indices.reduce(0) {
            $0
                + (period.contains(ledger.lives[$1].disposedAt) && finalJob[Int(ledger.lifeTags[$1].number)] == 0
                    ? 1 : 0)
        }
        var rowKeys: [(tag: ReportLedger.Name, slot: Int32)] = []
        rowKeys.reserveCapacity(finalJobs + disposedOnly)
        for (number, slot) in finalJob.enumerated() where slot != 0 {
            rowKeys.append((ReportLedger.Name(number: UInt32(number)), slot - 1))
        }
        for (index, life) in ledger.lives.enumerated()
        where period.contains(life.disposedAt) && finalJob[Int(ledger.lifeTags[index].number)] == 0 {
            rowKeys.append((ledger.lifeTags[index], -1))
        }
        finalJob = []
        rowKeys.sort { (texts[Int($0.tag.number)] ?? "") < (texts[Int($1.tag.number)] ?? "") }
        // The rows to come: one per key. The attestation-only ones are marked a bit each, their
        // keys given the slot of the job found for them (a year's are a million: 125 KB, not 8 MB).
        expect(rowKeys.count)
        var attestMarks = [UInt64](repeating: 0, count: (rowKeys.count + 63) / 64)
        for index in rowKeys.indices {
            let name = rowKeys[index].tag
            var slot = rowKeys[index].slot
            let tag = texts[Int(name.number)] ?? ""
            let lifeSlot = ledger.lifeSlot(name)
            let life = lifeSlot.map { ledger.lives[$0] } ?? ReportLedger.AssetLife()
            if slot < 0, let last = ledger.lastJobSlot(of: life, in: .verified) {
                slot = Int32(last)
                rowKeys[index].slot = slot
            }
            let job = slot >= 0 ? ledger.jobs[Int(slot)] : nil
            let asset = assets.fields(tag, lifeSlot: lifeSlot)
            let outcome: String
            if let job {
                outcome = life.stateName == disposedName && job.state == .verified ? "disposed" : job.state.rawValue
                if job.state == .verified {
                    verified += 1
                    if job.executedBy != .none, job.verifiedBy != job.executedBy { secondPerson += 1 }
                    if texts[Int(job.verifier.number)] == "attest" {
                        attestMarks[index / 64] |= 1 << UInt64(index % 64)
                    } else {
                        readBack += 1
                    }
                    if texts[Int(job.readbackMode.number)] == "sampled" {
                        sampled += 1
                        let used = ledger.readbackRatePercent(of: job) ?? 0
                        sampledRates.append(used)
                        if let policy = policyRate[Int(job.verification)] {
                            policyRates.append(policy)
                            if used < policy { sampledBelowPolicy += 1 }
                        }
                    }
                }
            } else {
                outcome = life.stateName == disposedName ? "disposed-without-job" : life.state(texts)
            }
            try emit(
                AssetRow(
                    tag: tag, asset: asset, life: life, job: job,
                    readbackRatePercent: job.flatMap { ledger.readbackRatePercent(of: $0) },
                    plan: job.map { ledger.verifications[Int($0.verification)] } ?? .null, texts: texts,
                    certificateRevoked: job.flatMap { texts[Int($0.certificate.number)] }.map {
                        ledger.revocations[$0] != nil
                    } ?? false,
                    outcome: outcome))
            rowCount += 1
            totals[
                TotalsKey(
                    method: job.map { texts[Int($0.method.number)] ?? "" } ?? "none",
                    mediaType: asset?.mediaType ?? "unknown", classification: asset?.classification ?? "unknown",
                    outcome: outcome),
                default: 0] += 1
            if let destination = life.destination(texts), period.contains(life.disposedAt) {
                destinations[destination, default: 0] += 1
            }
        }
        attestOnly = AttestOnlyRows(keys: rowKeys, marks: attestMarks)
        let totalRows: [JSONValue] = totals.keys.sorted { $0.fields.lexicographicallyPrecedes($1.fields) }.map {
            key in
            [
                "method": .string(key.method), "media_type": .string(key.mediaType),
                "classification": .string(key.classification), "outcome": .string(key.outcome),
                "count": .integer(totals[key]!),
            ]
        }
        // 2. Verification shares, as exact fractions of the verified jobs.
        let independent = min(secondPerson, readBack)
        let verification: JSONValue = [
            "verified_jobs": .integer(verified),
            "second_person": share(secondPerson, verified),
            "read_back": share(readBack, verified),
            "attestation_only": share(verified - readBack, verified),
            "sampled": [
                "jobs": share(sampled, verified),
                "lowest_rate_percent": sampledRates.min().map(JSONValue.integer) ?? .null,
                "policy_rate_percent": policyRates.max().map(JSONValue.integer) ?? .null,
                "below_policy_rate": .integer(sampledBelowPolicy),
            ],
            "program_target": [
                "name": "independent re-check by read-back (R2v3 style)",
                "target_percent": .integer(programTargetPercent),
                "achieved": share(independent, verified),
                "met": .bool(verified == 0 || independent * 100 >= programTargetPercent * verified),
            ],
        ]
        return [
            "report": "disposal",
            "period": period.json,
            "totals": [
                "assets": .integer(rowCount),
                "by_method_media_classification_outcome": .array(totalRows),
                "by_destination": .array(
                    destinations.keys.sorted().map {
                        ["destination": .string($0), "count": .integer(destinations[$0]!)]
                    }),
            ],
            "verification": verification,
            "exceptions": exceptions(
                ledger: ledger, order: order, period: period, assets: assets),
            "open_work": openWork(ledger: ledger, period: period),
            "erasure": erasure(ledger: ledger, period: period),
        ]
    }

    /// A share as an exact fraction and a rounded percentage with one decimal (as text: the
    /// signed JSON has no floating point).
    static func share(_ part: Int64, _ whole: Int64) -> JSONValue {
        let tenths = whole == 0 ? 0 : (part * 1000 + whole / 2) / whole
        return ["count": .integer(part), "of": .integer(whole), "percent": .string("\(tenths / 10).\(tenths % 10)")]
    }

    /// A job's verification plan with what its verification did (its sample rate `rate`).
    static func verificationJSON(_ job: ReportLedger.Job, rate: Int64?, plan: JSONValue, texts: [String?]) -> JSONValue
    {
        var object = plan.objectValue ?? [:]
        object["verifier"] = texts[Int(job.verifier.number)].map(JSONValue.string)
        object["readback"] = texts[Int(job.readbackMode.number)].map(JSONValue.string)
        object["sample_rate_percent_used"] = rate.map(JSONValue.integer)
        object["sample_seed"] = texts[Int(job.readbackSeed.number)].map(JSONValue.string)
        return .object(object)
    }

    static func days(from start: Date, to end: Date) -> Int64 {
        Int64(((end.timeIntervalSince1970 - start.timeIntervalSince1970) / 86_400).rounded(.down))
    }

    static func exceptions(
        ledger: ReportLedger, order: ReportLedger.SlotOrder, period: ReportPeriod, assets: ReportRegister
    ) -> JSONValue {
        var overdue: [JSONValue] = []
        var failed: [JSONValue] = []
        var resanitized: [JSONValue] = []
        var methodDiffers: [JSONValue] = []
        for slot in order where ledger.jobs[slot].createdAt < period.end {
            let job = ledger.jobs[slot]
            let tag = JSONValue.string(ledger.text(job.asset) ?? "")
            // Late: finished after its due date within the period, or open past it at the period's end.
            let doneAt =
                job.state == .verified ? job.verifiedAt : job.state == .cancelled ? ledger.finishedAt(of: job) : nil
            if let doneAt, period.contains(doneAt), doneAt > job.dueAt {
                overdue.append(lateJSON(job, tag: tag, until: doneAt, open: false))
            } else if doneAt.map({ $0 >= period.end }) ?? true, job.dueAt < period.end, job.state != .failed {
                overdue.append(lateJSON(job, tag: tag, until: period.end, open: true))
            }
            if let failedAt = ledger.failedAt(of: job), period.contains(failedAt) {
                failed.append(["job": .integer(job.id), "tag": tag, "failed_at": .string(RFC3339.format(failedAt))])
            }
            if let previous = ledger.afterFailedJob(of: job), period.contains(job.createdAt) {
                resanitized.append(["job": .integer(job.id), "tag": tag, "after_failed_job": .integer(previous)])
            }
            if job.executedMethod != .none, job.executedMethod != job.method, period.contains(job.executedAt) {
                methodDiffers.append(
                    [
                        "job": .integer(job.id), "tag": tag, "policy_method": .string(ledger.text(job.method) ?? ""),
                        "method": .string(ledger.text(job.executedMethod) ?? ""),
                    ])
            }
        }
        let lost = ledger.lostDates.map { slot, lostAt in (ledger.tag(ofLife: slot), lostAt) }
            .filter { period.contains($0.1) }.sorted { $0.0 < $1.0 }.map { tag, lostAt in
                ["tag": .string(tag), "lost_at": .string(RFC3339.format(lostAt))] as JSONValue
            }
        let revoked = ledger.revocations.keys.sorted().filter { period.contains(ledger.revocations[$0]!.at) }.map {
            serial in
            [
                "serial": .string(serial), "kind": .string(ledger.recordKind(serial) ?? "unknown"),
                "revoked_at": .string(RFC3339.format(ledger.revocations[serial]!.at)),
                "reason": .string(ledger.revocations[serial]!.reason),
            ] as JSONValue
        }
        let unsealed = ledger.custody.filter { move in
            period.contains(move.at) && move.seals.isEmpty
                && ["moderate", "high"].contains(assets[move.asset]?.classification ?? "")
        }.map { move in
            var object: [String: JSONValue] = [
                "tag": .string(move.asset), "at": .string(RFC3339.format(move.at)),
                "classification": .string(assets[move.asset]?.classification ?? "unknown"),
                "log_index": .integer(move.seq - 1),
            ]
            object["from"] = move.from.map(JSONValue.string)
            object["to"] = move.to.map(JSONValue.string)
            object["manifest"] = move.manifest.map(JSONValue.string)
            return JSONValue.object(object)
        }
        let withoutJob = ledger.assetLives.filter { _, life in
            period.contains(life.disposedAt) && !life.jobs.contains { ledger.job($0)?.state == .verified }
        }.map(\.tag).sorted().map { ["tag": .string($0)] as JSONValue }
        return [
            "overdue_jobs": .array(overdue),
            "failed_verifications": .array(failed),
            "resanitizations": .array(resanitized),
            "lost_assets": .array(lost),
            // Lethe refuses a serial that does not match its asset and records no override.
            "serial_check_overrides": .array([]),
            "revoked_records": .array(revoked),
            "custody_without_seals": .array(unsealed),
            "method_differs_from_policy": .array(methodDiffers),
            "disposed_without_verified_job": .array(withoutJob),
        ]
    }

    static func lateJSON(_ job: ReportLedger.Job, tag: JSONValue, until: Date, open: Bool) -> JSONValue {
        [
            "job": .integer(job.id), "tag": tag, "state": .string(job.state.rawValue),
            "due_at": .string(RFC3339.format(job.dueAt)),
            "days_late": .integer(max(1, days(from: job.dueAt, to: until))),
            "open_at_period_end": .bool(open),
        ]
    }

    /// Assets retired but not yet sanitized at the period's end, by age since retirement.
    static func openWork(ledger: ReportLedger, period: ReportPeriod) -> JSONValue {
        let buckets: [(String, Int64)] = [
            ("0-30", 30), ("31-90", 90), ("91-180", 180), ("181-365", 365), ("over-365", .max),
        ]
        var counts = [Int64](repeating: 0, count: buckets.count)
        var items: [JSONValue] = []
        // The open assets first, then only they sorted by tag.
        var open: [(tag: String, life: ReportLedger.AssetLife)] = []
        for (tag, life) in ledger.assetLives {
            guard let retiredAt = life.retiredAt, retiredAt < period.end,
                ["retired", "awaiting-sanitization", "verification-failed"].contains(ledger.state(of: life))
            else { continue }
            open.append((tag, life))
        }
        open.sort { $0.tag < $1.tag }
        for (tag, life) in open {
            let retiredAt = life.retiredAt!
            let age = days(from: retiredAt, to: period.end)
            let bucket = buckets.firstIndex { age <= $0.1 } ?? buckets.count - 1
            counts[bucket] += 1
            let job = ledger.lastJob(of: life)
            var item: [String: JSONValue] = [
                "tag": .string(tag), "retired_at": .string(RFC3339.format(retiredAt)), "age_days": .integer(age),
                "state": .string(ledger.state(of: life)),
            ]
            item["job"] = job.map { .integer($0.id) }
            item["job_state"] = job.map { .string($0.state.rawValue) }
            item["due_at"] = job.map { .string(RFC3339.format($0.dueAt)) }
            items.append(.object(item))
        }
        return [
            "at": .string(RFC3339.format(period.end)),
            "by_age_days": .array(
                buckets.indices.map { ["age": .string(buckets[$0].0), "count": .integer(counts[$0])] }),
            "assets": .array(items),
        ]
    }

    /// The erasure report of a period: the disposal report's erasure section and one row per
    /// request received or completed in the period.
    static func erasureReport(ledger: ReportLedger, period: ReportPeriod) -> JSONValue {
        let requests = ledger.erasures.values.sorted { $0.id < $1.id }.filter {
            period.contains($0.receivedAt) || period.contains($0.completedAt)
        }
        let rows: [JSONValue] = requests.map { request in
            var row: [String: JSONValue] = [
                "request": .integer(request.id), "reason": .string(request.reason),
                "received_at": .string(RFC3339.format(request.receivedAt)),
                "due_at": .string(RFC3339.format(request.dueAt)),
            ]
            if let completed = request.completedAt, completed < period.end {
                row["completed_at"] = .string(RFC3339.format(completed))
                row["days_to_close"] = .integer(days(from: request.receivedAt, to: completed))
                row["within_due"] = .bool(completed <= request.dueAt)
            } else {
                row["open_at_period_end"] = .bool(true)
                row["overdue_at_period_end"] = .bool(request.dueAt < period.end)
            }
            return .object(row)
        }
        return [
            "report": "erasure", "period": period.json, "summary": erasure(ledger: ledger, period: period),
            "requests": .array(rows),
        ]
    }

    /// Erasure requests received and completed in the period, with their times to close.
    static func erasure(ledger: ReportLedger, period: ReportPeriod) -> JSONValue {
        let requests = ledger.erasures.values.sorted { $0.id < $1.id }
        let received = requests.filter { period.contains($0.receivedAt) }
        let completed = requests.filter { period.contains($0.completedAt) }
        let onTime = completed.filter { $0.completedAt! <= $0.dueAt }
        let days = completed.map { Self.days(from: $0.receivedAt, to: $0.completedAt!) }.sorted()
        func percentile(_ p: Int) -> JSONValue {
            guard !days.isEmpty else { return .null }
            // Nearest rank: the smallest value with at least p % of the values at or below it.
            let rank = max(1, (p * days.count + 99) / 100)
            return .integer(days[rank - 1])
        }
        var reasons: [String: (received: Int64, completed: Int64)] = [:]
        for request in received { reasons[request.reason, default: (0, 0)].received += 1 }
        for request in completed { reasons[request.reason, default: (0, 0)].completed += 1 }
        let closeBuckets: [(String, Int64)] = [
            ("0-7", 7), ("8-14", 14), ("15-30", 30), ("31-60", 60), ("over-60", .max),
        ]
        var closeCounts = [Int64](repeating: 0, count: closeBuckets.count)
        for value in days { closeCounts[closeBuckets.firstIndex { value <= $0.1 } ?? closeBuckets.count - 1] += 1 }
        var backups: [String: Int64] = ["shredded": 0, "with-media": 0, "attested": 0]
        for destroyed in ledger.backupsDestroyed where period.contains(destroyed.at) {
            backups[destroyed.how, default: 0] += 1
        }
        return [
            "received": .integer(Int64(received.count)),
            "completed": .integer(Int64(completed.count)),
            "completed_within_due": share(Int64(onTime.count), Int64(completed.count)),
            "median_days": percentile(50),
            "p95_days": percentile(95),
            "days_to_close": .array(
                closeBuckets.indices.map { ["days": .string(closeBuckets[$0].0), "count": .integer(closeCounts[$0])] }),
            "by_reason": .array(
                reasons.keys.sorted().map {
                    [
                        "reason": .string($0), "received": .integer(reasons[$0]!.received),
                        "completed": .integer(reasons[$0]!.completed),
                    ]
                }),
            "backups_destroyed": .object(backups.mapValues(JSONValue.integer)),
            "attested_parts": .integer(
                Int64(ledger.attestedParts.filter { period.contains($0.at) }.count)),
        ]
    }
}
