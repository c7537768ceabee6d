import Foundation
import Lethe
import LetheCore

/// How assets are shown.
enum AssetView {
    static func json(_ asset: Asset) -> JSONValue {
        var object = asset.jsonFields.objectValue ?? [:]
        object["registered_at"] = .string(RFC3339.format(asset.registeredAt))
        object["updated_at"] = .string(RFC3339.format(asset.updatedAt))
        return .object(object)
    }

    static func printDetails(_ asset: Asset, children: [Asset]) {
        let rows: [(String, String?)] = [
            ("Tag", asset.tag), ("State", asset.state.rawValue), ("Destination", asset.destination?.rawValue),
            ("Media type", asset.mediaType.rawValue), ("Classification", asset.classification.rawValue),
            ("Encryption", asset.encryption.rawValue), ("Serial", asset.serial), ("Make", asset.make),
            ("Model", asset.model),
            ("Capacity", asset.capacityBytes.map { "\(Capacity.format($0)) (\($0) bytes)" }),
            ("Location", asset.location), ("Custodian", asset.custodian), ("Parent", asset.parentTag),
            (
                "Attached",
                children.isEmpty ? nil : children.map { "\($0.tag) (\($0.state.rawValue))" }.joined(separator: ", ")
            ),
            ("Notes", asset.notes), ("Registered", RFC3339.format(asset.registeredAt)),
            ("Updated", RFC3339.format(asset.updatedAt)),
        ]
        for (label, value) in rows {
            guard let value else { continue }
            print((label + ":").padding(toLength: 16, withPad: " ", startingAt: 0) + value)
        }
    }
}
