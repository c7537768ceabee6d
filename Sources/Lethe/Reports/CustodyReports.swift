import Foundation
import LetheCore

/// The shipment report (every asset handed over under one vendor manifest) and the
/// chain-of-custody document of one asset, computed from a ``ReportLedger``.
enum CustodyReports {
    /// An asset's descriptive fields, lifecycle and disposal work, as a report row.
    static func assetJSON(_ tag: String, ledger: ReportLedger, assets: ReportRegister) -> [String: JSONValue] {
        let asset = assets[tag]
        let life = ledger.life(tag)
        var row: [String: JSONValue] = [
            "tag": .string(tag), "media_type": .string(asset?.mediaType ?? "unknown"),
            "classification": .string(asset?.classification ?? "unknown"),
            "state": .string(life.map(ledger.state(of:)) ?? "in-service"),
        ]
        row["serial"] = asset?.serial.map(JSONValue.string)
        row["make"] = asset?.make.map(JSONValue.string)
        row["model"] = asset?.model.map(JSONValue.string)
        row["destination"] = life.flatMap(ledger.destination(of:)).map(JSONValue.string)
        row["disposed_at"] = life?.disposedAt.map { .string(RFC3339.format($0)) }
        if let job = life.flatMap(ledger.lastJob(of:)) {
            row["job"] = .integer(job.id)
            row["job_state"] = .string(job.state.rawValue)
            row["method"] = .string(ledger.text(job.method) ?? "")
            row["technique"] = ledger.text(job.technique).map(JSONValue.string)
            row["tool"] = ledger.text(job.tool).map(JSONValue.string)
            row["performer"] = ledger.text(job.executedBy).map(JSONValue.string)
            row["validator"] = ledger.text(job.verifiedBy).map(JSONValue.string)
            row["verified_at"] = job.verifiedAt.map { .string(RFC3339.format($0)) }
            if let serial = ledger.text(job.certificate) {
                row["certificate"] = .string(serial)
                row["certificate_status"] = .string(ledger.revocations[serial] == nil ? "valid" : "revoked")
            }
        }
        return row
    }

    static func handoverJSON(_ move: ReportLedger.Custody) -> JSONValue {
        var object: [String: JSONValue] = [
            "tag": .string(move.asset), "at": .string(RFC3339.format(move.at)),
            "seals": .array(move.seals.map(JSONValue.string)), "recorded_by": .string(move.actor),
            "log_index": .integer(move.seq - 1),
        ]
        object["from"] = move.from.map(JSONValue.string)
        object["to"] = move.to.map(JSONValue.string)
        object["location_to"] = move.locationTo.map(JSONValue.string)
        object["manifest"] = move.manifest.map(JSONValue.string)
        return .object(object)
    }

    /// Every asset handed over under `manifest`: the hand-overs, their seals, and each asset's
    /// state, job and record.
    static func shipment(
        manifest: String, ledger: ReportLedger, assets: ReportRegister, logSize: Int64
    ) throws(LetheError) -> JSONValue {
        let moves = ledger.custody.filter { $0.manifest == manifest }
        guard !moves.isEmpty else {
            throw LetheError(
                .notFound,
                "no custody transfer names manifest \(Quoted(manifest)) in the first \(logSize) log entries; see 'lethe asset history TAG'"
            )
        }
        let tags = Set(moves.map(\.asset)).sorted()
        let unsealed = moves.filter(\.seals.isEmpty).map(\.asset)
        return [
            "report": "shipment",
            "manifest": .string(manifest),
            "first_handover_at": .string(RFC3339.format(moves.map(\.at).min()!)),
            "last_handover_at": .string(RFC3339.format(moves.map(\.at).max()!)),
            "handovers": .array(moves.map(handoverJSON)),
            "assets": .array(tags.map { .object(assetJSON($0, ledger: ledger, assets: assets)) }),
            "totals": [
                "assets": .integer(Int64(tags.count)),
                "handovers": .integer(Int64(moves.count)),
                "without_seals": .integer(Int64(unsealed.count)),
                "seals": .array(Array(Set(moves.flatMap(\.seals))).sorted().map(JSONValue.string)),
                "certified": .integer(
                    Int64(
                        tags.filter { tag in
                            ledger.life(tag)?.jobs.contains { (ledger.job($0)?.certificate ?? .none) != .none }
                                == true
                        }
                        .count)),
            ],
        ]
    }

    /// One asset's chain of custody: its fields, every event about it in log order, and each
    /// hand-over with the two parties whose signatures the printed document asks for.
    static func custody(
        tag: String, ledger: ReportLedger, assets: ReportRegister, logSize: Int64
    ) throws(LetheError) -> JSONValue {
        guard assets[tag] != nil, ledger.life(tag) != nil || !ledger.timeline.isEmpty else {
            throw LetheError(
                .notFound,
                "asset \(Quoted(tag)) has no events in the first \(logSize) log entries; see 'lethe asset list'")
        }
        let events: [JSONValue] = ledger.timeline.map { event in
            [
                "log_index": .integer(event.seq - 1), "time": .string(RFC3339.format(event.recordedAt)),
                "type": .string(event.type.rawValue), "actor": .string(event.actor),
                "summary": .string(event.summary),
            ]
        }
        return [
            "report": "custody",
            "asset": .object(assetJSON(tag, ledger: ledger, assets: assets)),
            "events": .array(events),
            "handovers": .array(ledger.custody.filter { $0.asset == tag }.map(handoverJSON)),
        ]
    }
}
