import Foundation
import LetheCore
import LetheStore

/// The register as it stood at a log size: every asset registered by then, with its descriptive
/// fields and its lifecycle state at that entry.
///
/// An asset is in it when an entry up to the log size registers it or is about it, or when it was
/// registered (by an import, which logs one event for many assets) before the second of the last entry:
/// both are fixed at that size, so the inventory is the same whenever it is computed again.
/// Fields and states changed later are undone from the later entries (`asset.updated`'s
/// `from`, the first later `asset.state-changed`'s `from`).
enum InventoryReport {
    /// The inventory's content as canonical bytes, written row by row into `spool` (a register
    /// of a million assets is hundreds of megabytes; as one tree it took gigabytes). The bytes are
    /// those of the canonical encoding of the content as one value: the rows are each encoded
    /// canonically, and the members around them are written in canonical order.
    static func contentBytes(
        state filter: String?, ledger: ReportLedger, logSize: Int64, current: Int64, in tx: any StoreReading,
        spool: ContentSpool = ContentSpool(directory: nil)
    ) throws(LetheError) -> SpooledContent {
        if let filter, LifecycleState(rawValue: filter) == nil {
            throw LetheError(
                .usage,
                "--state \(filter) is not a lifecycle state (\(LifecycleState.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        // The changes made after the log size, oldest first.
        var later: [Event] = []
        var next = logSize + 1
        while next <= current {
            let batch = try tx.events(fromSeq: next, limit: Int(ReportService.batch))
            guard !batch.isEmpty else { break }
            later += batch.filter { $0.type == .assetUpdated || $0.type == .assetStateChanged }
            next = batch[batch.count - 1].seq + 1
        }
        var firstLaterState: [String: String] = [:]
        var laterUpdates: [String: [JSONValue]] = [:]
        for event in later {
            guard let tag = event.assetTag else { continue }
            if event.type == .assetStateChanged {
                if firstLaterState[tag] == nil { firstLaterState[tag] = event.payload["from"]?.stringValue }
            } else if let changes = event.payload["changes"] {
                laterUpdates[tag, default: []].append(changes)
            }
        }
        // Canonical order: "assets" first, then "report", "state" and "totals".
        var out = Array(#"{"assets":["#.utf8)
        var rows: Int64 = 0
        var byState: [String: Int64] = [:]
        var after: String?
        let cutoff = ledger.time
        repeat {
            let page = try tx.assets(AssetQuery(afterTag: after, limit: 10_000))
            after = page.last?.tag
            for asset in page {
                // Named by the entries (registered one by one, scheduled or changing state).
                let life = ledger.life(asset.tag)
                guard
                    life != nil
                        || (cutoff.map { asset.registeredAt < $0 } ?? false)
                else { continue }
                var fields = asset.jsonFields.objectValue ?? [:]
                for changes in (laterUpdates[asset.tag] ?? []).reversed() {
                    for (field, change) in changes.objectValue ?? [:] { fields[field] = change["from"] ?? .null }
                }
                let state =
                    life?.stateSeen == true
                    ? ledger.state(of: life!) : firstLaterState[asset.tag] ?? asset.state.rawValue
                if let filter, state != filter { continue }
                var row: [String: JSONValue] = ["tag": .string(asset.tag), "state": .string(state)]
                for key in ["serial", "make", "model", "media_type", "classification", "encryption", "capacity_bytes"] {
                    row[key] = fields[key]
                }
                row["destination"] = life.flatMap(ledger.destination(of:)).map(JSONValue.string)
                row["registered_at"] = .string(RFC3339.format(asset.registeredAt))
                if rows > 0 { out.append(UInt8(ascii: ",")) }
                try CanonicalJSON.write(.object(row.filter { $0.value != .null }), into: &out)
                try spool.spill(&out)
                rows += 1
                byState[state, default: 0] += 1
            }
        } while after != nil
        out += Array(#"],"report":"inventory""#.utf8)
        if let filter {
            out += Array(#","state":"#.utf8)
            try CanonicalJSON.write(.string(filter), into: &out)
        }
        out += Array(#","totals":"#.utf8)
        let totals: JSONValue = [
            "assets": .integer(rows),
            "by_state": .array(byState.keys.sorted().map { ["state": .string($0), "count": .integer(byState[$0]!)] }),
        ]
        try CanonicalJSON.write(totals, into: &out)
        out.append(UInt8(ascii: "}"))
        return try spool.finish(out)
    }
}
