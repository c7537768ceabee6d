import Foundation
import GRDB
import LetheCore

extension SQLiteTransaction: IssuanceStoreReading {
    // The keys travel as one JSON array argument, expanded by json_each: one cached statement
    // whatever the chunk's size.

    func assets(tags: [String]) throws(LetheError) -> [String: Asset] {
        let rows = try guarded {
            try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT \(Self.assetColumns) FROM asset WHERE tag IN (SELECT value FROM json_each(?))"),
                arguments: [try Self.jsonArray(tags)])
        }
        var assets: [String: Asset] = [:]
        assets.reserveCapacity(rows.count)
        for row in rows {
            let asset = try guarded { try Self.asset(from: row) }
            assets[asset.tag] = asset
        }
        return assets
    }

    func eventBodies(type: EventType, assetTags: [String]) throws(LetheError) -> [String: [[UInt8]]] {
        let rows = try guarded {
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT asset_tag, body FROM event
                        WHERE type = ? AND asset_tag IN (SELECT value FROM json_each(?)) ORDER BY seq
                        """),
                arguments: [type.rawValue, try Self.jsonArray(assetTags)])
        }
        var bodies: [String: [[UInt8]]] = [:]
        for row in rows {
            let tag: String = row[0]
            let body: Data = row[1]
            bodies[tag, default: []].append([UInt8](body))
        }
        return bodies
    }

    func evidence(jobIDs: [Int64]) throws(LetheError) -> [Int64: [EvidenceDigest]] {
        let list = "[" + jobIDs.map(String.init).joined(separator: ",") + "]"
        let rows = try jobGuarded {
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT job_id, purpose, file_name, sha256, size_bytes, recorded_at FROM job_evidence
                        WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY id
                        """),
                arguments: [list])
        }
        var evidence: [Int64: [EvidenceDigest]] = [:]
        for row in rows {
            let digest = try jobGuarded {
                EvidenceDigest(
                    jobID: row[0], purpose: try Self.word(row[1]), fileName: row[2], sha256: row[3], sizeBytes: row[4],
                    recordedAt: try RFC3339.parse(row[5]))
            }
            evidence[digest.jobID, default: []].append(digest)
        }
        return evidence
    }

    private static func jsonArray(_ texts: [String]) throws(LetheError) -> String {
        String(decoding: try CanonicalJSON.encode(.array(texts.map(JSONValue.string))), as: UTF8.self)
    }
}
