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

    /// Parses two calendar days (`YYYY-MM-DD`); the last is included.
    public init(from: String, to: String) throws(LetheError) {
        let day: (String, String) throws(LetheError) -> Date = { (text, field) throws(LetheError) in
            guard text.utf8.count == 10 else {
                throw LetheError(.usage, "\(field) '\(text)' must be a calendar day such as 2026-07-01")
            }
            return try RFC3339.parse(text, field: field)
        }
        start = try day(from, "--from")
        let last = try day(to, "--to")
        guard last >= start else {
            throw LetheError(.usage, "--to \(to) is before --from \(from); give the period's first and last day")
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
        var certificateRevoked: Bool
        var outcome: String

        /// The members in canonical (sorted) key order, absent ones nil.
        func members() -> [(key: StaticString, value: JSONValue?)] {
            let certificate = job?.certificate
            return [
                ("certificate", certificate.map(JSONValue.string)),
                ("certificate_status", certificate.map { _ in .string(certificateRevoked ? "revoked" : "valid") }),
                ("classification", .string(asset?.classification ?? "unknown")),
                ("destination", life.destination.map(JSONValue.string)),
                ("disposed_at", life.disposedAt.map { .string(RFC3339.format($0)) }),
                ("due_at", job.map { .string(RFC3339.format($0.dueAt)) }),
                ("executed_at", job?.executedAt.map { .string(RFC3339.format($0)) }),
                ("job", job.map { .integer($0.id) }),
                ("make", asset?.make.map(JSONValue.string)),
                ("media_type", .string(asset?.mediaType ?? "unknown")),
                ("method", job.map { .string($0.method) }),
                ("model", asset?.model.map(JSONValue.string)),
                ("outcome", .string(outcome)),
                ("performer", job?.executedBy.map(JSONValue.string)),
                ("serial", asset?.serial.map(JSONValue.string)),
                ("tag", .string(tag)),
                ("technique", job?.technique.map(JSONValue.string)),
                ("tool", job?.tool.map(JSONValue.string)),
                ("tool_version", job?.toolVersion.map(JSONValue.string)),
                ("validator", job?.verifiedBy.map(JSONValue.string)),
                ("verification", job.map(verificationJSON)),
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

        /// Appends the row's canonical JSON (the bytes ``CanonicalJSON`` writes for ``json``).
        func write(into out: inout [UInt8]) throws(LetheError) {
            var writer = CanonicalObjectWriter(into: &out)
            for (key, value) in members() {
                if let value { try writer.member(key, value, into: &out) }
            }
            writer.finish(into: &out)
        }
    }

    /// The report's content as a value.
    static func content(
        ledger: ReportLedger, period: ReportPeriod, assets: [String: ReportAsset], programTargetPercent: Int64
    ) -> JSONValue {
        var rows: [JSONValue] = []
        var members = compute(
            ledger: ledger, period: period, assets: assets, programTargetPercent: programTargetPercent
        ) { rows.append($0.json) }
        members["assets"] = .array(rows)
        return .object(members)
    }

    /// The report's content as canonical JSON: the same bytes as encoding ``content(ledger:period:assets:programTargetPercent:)``,
    /// with each asset's row written as it is computed (no tree of the rows).
    static func contentBytes(
        ledger: ReportLedger, period: ReportPeriod, assets: [String: ReportAsset], programTargetPercent: Int64
    ) throws(LetheError) -> [UInt8] {
        var rows: [UInt8] = [UInt8(ascii: "[")]
        let members = try compute(
            ledger: ledger, period: period, assets: assets, programTargetPercent: programTargetPercent
        ) { (row) throws(LetheError) in
            if rows.count > 1 { rows.append(UInt8(ascii: ",")) }
            try row.write(into: &rows)
        }
        rows.append(UInt8(ascii: "]"))
        return try CanonicalJSONSplice.encode(members, encoded: ["assets": rows])
    }

    /// Computes the report: hands each asset's row to `emit` in tag order, and returns every
    /// other member of the content.
    private static func compute<Failure: Error>(
        ledger: ReportLedger, period: ReportPeriod, assets: [String: ReportAsset], programTargetPercent: Int64,
        emit: (AssetRow) throws(Failure) -> Void
    ) throws(Failure) -> [String: JSONValue] {
        let jobs = ledger.jobs.values.sorted { $0.id < $1.id }
        // 1. The assets of the period: a job executed or verified in it, or disposed in it.
        var rowCount: Int64 = 0
        var totals: [[String]: Int64] = [:]
        var destinations: [String: Int64] = [:]
        var verified: Int64 = 0
        var secondPerson: Int64 = 0
        var readBack: Int64 = 0
        var sampled: Int64 = 0
        var sampledBelowPolicy: Int64 = 0
        var sampledRates: [Int64] = []
        var policyRates: [Int64] = []
        var attestOnly: [JSONValue] = []
        let finalJob: [String: ReportLedger.Job] = Dictionary(
            jobs.filter { period.contains($0.executedAt) || period.contains($0.verifiedAt) }.map { ($0.asset, $0) },
            uniquingKeysWith: { $1 })
        let disposedTags = ledger.assets.filter { period.contains($0.value.disposedAt) }.map(\.key)
        for tag in Set(finalJob.keys).union(disposedTags).sorted() {
            let life = ledger.assets[tag] ?? ReportLedger.AssetLife()
            let job = finalJob[tag] ?? life.jobs.compactMap { ledger.jobs[$0] }.last { $0.state == "verified" }
            let asset = assets[tag]
            let outcome: String
            if let job {
                outcome = life.state == "disposed" && job.state == "verified" ? "disposed" : job.state
                if job.state == "verified" {
                    verified += 1
                    if let executor = job.executedBy, job.verifiedBy != executor { secondPerson += 1 }
                    if job.verifier == "attest" {
                        attestOnly.append(["tag": .string(tag), "job": .integer(job.id)])
                    } else {
                        readBack += 1
                    }
                    if job.readbackMode == "sampled" {
                        sampled += 1
                        let used = job.readbackRatePercent ?? 0
                        sampledRates.append(used)
                        if let policy = job.verification["rate_percent"]?.integerValue {
                            policyRates.append(policy)
                            if used < policy { sampledBelowPolicy += 1 }
                        }
                    }
                }
            } else {
                outcome = life.state == "disposed" ? "disposed-without-job" : life.state
            }
            try emit(
                AssetRow(
                    tag: tag, asset: asset, life: life, job: job,
                    certificateRevoked: job?.certificate.map { ledger.revocations[$0] != nil } ?? false,
                    outcome: outcome))
            rowCount += 1
            totals[
                [job?.method ?? "none", asset?.mediaType ?? "unknown", asset?.classification ?? "unknown", outcome],
                default: 0] += 1
            if let destination = life.destination, period.contains(life.disposedAt) {
                destinations[destination, default: 0] += 1
            }
        }
        let totalRows: [JSONValue] = totals.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            [
                "method": .string(key[0]), "media_type": .string(key[1]), "classification": .string(key[2]),
                "outcome": .string(key[3]), "count": .integer(totals[key]!),
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
                ledger: ledger, jobs: jobs, period: period, assets: assets, attestOnly: attestOnly),
            "open_work": openWork(ledger: ledger, jobs: jobs, period: period),
            "erasure": erasure(ledger: ledger, period: period),
        ]
    }

    /// A share as an exact fraction and a rounded percentage with one decimal (as text: the
    /// signed JSON has no floating point).
    static func share(_ part: Int64, _ whole: Int64) -> JSONValue {
        let tenths = whole == 0 ? 0 : (part * 1000 + whole / 2) / whole
        return ["count": .integer(part), "of": .integer(whole), "percent": .string("\(tenths / 10).\(tenths % 10)")]
    }

    static func verificationJSON(_ job: ReportLedger.Job) -> JSONValue {
        var object = job.verification.objectValue ?? [:]
        object["verifier"] = job.verifier.map(JSONValue.string)
        object["readback"] = job.readbackMode.map(JSONValue.string)
        object["sample_rate_percent_used"] = job.readbackRatePercent.map(JSONValue.integer)
        object["sample_seed"] = job.readbackSeed.map(JSONValue.string)
        return .object(object)
    }

    static func days(from start: Date, to end: Date) -> Int64 {
        Int64(((end.timeIntervalSince1970 - start.timeIntervalSince1970) / 86_400).rounded(.down))
    }

    static func exceptions(
        ledger: ReportLedger, jobs: [ReportLedger.Job], period: ReportPeriod, assets: [String: ReportAsset],
        attestOnly: [JSONValue]
    ) -> JSONValue {
        var overdue: [JSONValue] = []
        var failed: [JSONValue] = []
        var resanitized: [JSONValue] = []
        var methodDiffers: [JSONValue] = []
        for job in jobs where job.createdAt < period.end {
            // Late: finished after its due date within the period, or open past it at the period's end.
            let doneAt = job.state == "verified" ? job.verifiedAt : job.state == "cancelled" ? job.finishedAt : nil
            if let doneAt, period.contains(doneAt), doneAt > job.dueAt {
                overdue.append(lateJSON(job, until: doneAt, open: false))
            } else if doneAt.map({ $0 >= period.end }) ?? true, job.dueAt < period.end, job.state != "failed" {
                overdue.append(lateJSON(job, until: period.end, open: true))
            }
            if period.contains(job.failedAt) {
                failed.append([
                    "job": .integer(job.id), "tag": .string(job.asset),
                    "failed_at": .string(RFC3339.format(job.failedAt!)),
                ])
            }
            if let previous = job.afterFailedJob, period.contains(job.createdAt) {
                resanitized.append([
                    "job": .integer(job.id), "tag": .string(job.asset), "after_failed_job": .integer(previous),
                ])
            }
            if let executed = job.executedMethod, executed != job.method, period.contains(job.executedAt) {
                methodDiffers.append(
                    [
                        "job": .integer(job.id), "tag": .string(job.asset), "policy_method": .string(job.method),
                        "method": .string(executed),
                    ])
            }
        }
        let lost = ledger.assets.filter { period.contains($0.value.lostAt) }.keys.sorted().map { tag in
            ["tag": .string(tag), "lost_at": .string(RFC3339.format(ledger.assets[tag]!.lostAt!))] as JSONValue
        }
        let revoked = ledger.revocations.keys.sorted().filter { period.contains(ledger.revocations[$0]!.at) }.map {
            serial in
            [
                "serial": .string(serial), "kind": .string(ledger.records[serial]?.kind ?? "unknown"),
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
        let withoutJob = ledger.assets.filter { tag, life in
            period.contains(life.disposedAt) && !life.jobs.contains { ledger.jobs[$0]?.state == "verified" }
        }.keys.sorted().map { ["tag": .string($0)] as JSONValue }
        return [
            "overdue_jobs": .array(overdue),
            "failed_verifications": .array(failed),
            "resanitizations": .array(resanitized),
            "lost_assets": .array(lost),
            // Lethe refuses a serial that does not match its asset and records no override.
            "serial_check_overrides": .array([]),
            "attestation_only_verifications": .array(attestOnly),
            "revoked_records": .array(revoked),
            "custody_without_seals": .array(unsealed),
            "method_differs_from_policy": .array(methodDiffers),
            "disposed_without_verified_job": .array(withoutJob),
        ]
    }

    static func lateJSON(_ job: ReportLedger.Job, until: Date, open: Bool) -> JSONValue {
        [
            "job": .integer(job.id), "tag": .string(job.asset), "state": .string(job.state),
            "due_at": .string(RFC3339.format(job.dueAt)),
            "days_late": .integer(max(1, days(from: job.dueAt, to: until))),
            "open_at_period_end": .bool(open),
        ]
    }

    /// Assets retired but not yet sanitized at the period's end, by age since retirement.
    static func openWork(ledger: ReportLedger, jobs: [ReportLedger.Job], period: ReportPeriod) -> JSONValue {
        let buckets: [(String, Int64)] = [
            ("0-30", 30), ("31-90", 90), ("91-180", 180), ("181-365", 365), ("over-365", .max),
        ]
        var counts = [Int64](repeating: 0, count: buckets.count)
        var items: [JSONValue] = []
        for tag in ledger.assets.keys.sorted() {
            let life = ledger.assets[tag]!
            guard let retiredAt = life.retiredAt, retiredAt < period.end,
                ["retired", "awaiting-sanitization", "verification-failed"].contains(life.state)
            else { continue }
            let age = days(from: retiredAt, to: period.end)
            let bucket = buckets.firstIndex { age <= $0.1 } ?? buckets.count - 1
            counts[bucket] += 1
            let open = life.jobs.compactMap { ledger.jobs[$0] }.last
            var item: [String: JSONValue] = [
                "tag": .string(tag), "retired_at": .string(RFC3339.format(retiredAt)), "age_days": .integer(age),
                "state": .string(life.state),
            ]
            item["job"] = open.map { .integer($0.id) }
            item["job_state"] = open.map { .string($0.state) }
            item["due_at"] = open.map { .string(RFC3339.format($0.dueAt)) }
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
