import Foundation
import LetheCore
import LetheSanitize

/// Turns a store declaration into the JSON Lethe keeps and shows, and back.
///
/// A postgres connection string is kept only sealed (`{"sealed": BASE64}`, AES-256-GCM under the
/// installation key, bound to the store's name); ``json(_:sealedConnection:)`` without a sealed
/// value shows `"<secret>"` in its place, which is what `store show` prints.
enum DataStoreCoding {
    static func json(_ store: DataStoreDeclaration, sealedConnection: [UInt8]?) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(store.name), "kind": .string(store.kind.word), "owner": .string(store.owner),
            "categories": .array(store.categories.map { .string($0.name) }),
        ]
        switch store.kind {
        case .sqlite(let path): object["connection"] = .string(path)
        case .postgres:
            object["connection"] =
                sealedConnection.map { .object(["sealed": .string(Data($0).base64EncodedString())]) } ?? "<secret>"
            object["vacuum"] = .string(store.vacuum.rawValue)
            if !store.residue.isEmpty { object["residue"] = .array(store.residue.map(json)) }
        case .fileShare(let location): object["location"] = .string(location)
        case .processor(let contact): object["contact"] = .string(contact)
        case .device(let tag): object["asset_tag"] = .string(tag)
        }
        if let plan = store.erasure {
            object["identity"] = [
                "table": .string(plan.identityTable), "column": .string(plan.identityColumn),
                "key": .string(plan.keyColumn), "normalization": .string(plan.normalization.rawValue),
                "erase": json(plan.identityErasure),
            ]
            object["references"] = .array(
                plan.references.map {
                    ["table": .string($0.table), "column": .string($0.column), "erase": json($0.erasure)]
                })
        }
        return .object(object)
    }

    /// A declared residue entry as kept and shown (its location is not a secret: the parser refused one with credentials).
    static func json(_ residue: DeclaredResidue) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(residue.name), "kind": .string(residue.kind.rawValue),
            "location": .string(residue.location),
        ]
        object["retention"] = residue.retention.map { .string($0.description) }
        object["media"] = residue.media.map(JSONValue.string)
        return .object(object)
    }

    private static func residue(_ value: JSONValue) throws(LetheError) -> DeclaredResidue {
        guard let name = value["name"]?.stringValue, let kind = value["kind"]?.stringValue.flatMap(ResidueKind.init),
            let location = value["location"]?.stringValue
        else { throw LetheError(.internal, "a stored residue entry lacks its name, kind or location") }
        return DeclaredResidue(
            name: name, kind: kind, location: location,
            retention: value["retention"]?.stringValue.flatMap(ISODuration.parse), media: value["media"]?.stringValue)
    }

    private static func json(_ erasure: TableErasure) -> JSONValue {
        switch erasure {
        case .deleteRow: return "delete-row"
        case .columns(let columns):
            return .array(
                columns.map { column in
                    switch column.action {
                    case .setNull: ["column": .string(column.column), "action": "set-null"]
                    case .keyedHash: ["column": .string(column.column), "action": "keyed-hash"]
                    case .replace(let text):
                        ["column": .string(column.column), "action": "replace", "value": .string(text)]
                    }
                })
        }
    }

    /// Reads a stored declaration; opens a sealed connection string with `box` when given.
    static func declaration(_ value: JSONValue, box: SecretBox?) throws(LetheError) -> DataStoreDeclaration {
        func text(_ object: JSONValue?, _ key: String) throws(LetheError) -> String {
            guard let text = object?[key]?.stringValue else {
                throw LetheError(.internal, "a stored store declaration lacks '\(key)'")
            }
            return text
        }
        let name = try text(value, "name")
        let kind: DataStoreKind
        switch try text(value, "kind") {
        case "sqlite": kind = .sqlite(path: try text(value, "connection"))
        case "postgres":
            guard let sealed = value["connection"]?["sealed"]?.stringValue, let bytes = Data(base64Encoded: sealed)
            else { throw LetheError(.internal, "store \(name)'s sealed connection string is missing") }
            kind = .postgres(connection: try box?.open(Array(bytes), associatedData: name) ?? SecretText(""))
        case "file-share": kind = .fileShare(location: try text(value, "location"))
        case "processor": kind = .processor(contact: try text(value, "contact"))
        case "device": kind = .device(assetTag: try text(value, "asset_tag"))
        case let other: throw LetheError(.internal, "stored store kind '\(other)' is not known to this version")
        }
        let categories = (value["categories"]?.arrayValue ?? []).compactMap {
            $0.stringValue.flatMap(DataCategory.init)
        }
        var plan: ErasurePlan?
        if let identity = value["identity"] {
            plan = ErasurePlan(
                identityTable: try text(identity, "table"), identityColumn: try text(identity, "column"),
                keyColumn: try text(identity, "key"),
                normalization: IdentityNormalization(rawValue: try text(identity, "normalization")) ?? .exact,
                identityErasure: try erasure(identity["erase"]),
                references: try (value["references"]?.arrayValue ?? []).map { (reference) throws(LetheError) in
                    TableReference(
                        table: try text(reference, "table"), column: try text(reference, "column"),
                        erasure: try erasure(reference["erase"]))
                })
        }
        return DataStoreDeclaration(
            name: name, kind: kind, owner: try text(value, "owner"), categories: categories, erasure: plan,
            vacuum: value["vacuum"]?.stringValue.flatMap(DatabaseVacuum.init(rawValue:)) ?? .plain,
            residue: try (value["residue"]?.arrayValue ?? []).map { (entry) throws(LetheError) in try residue(entry) })
    }

    private static func erasure(_ value: JSONValue?) throws(LetheError) -> TableErasure {
        if value?.stringValue == "delete-row" { return .deleteRow }
        guard let columns = value?.arrayValue else {
            throw LetheError(.internal, "a stored erasure is neither delete-row nor a list of columns")
        }
        return .columns(
            try columns.map { (column) throws(LetheError) in
                guard let name = column["column"]?.stringValue, let action = column["action"]?.stringValue else {
                    throw LetheError(.internal, "a stored column erasure lacks its column or action")
                }
                switch action {
                case "set-null": return ColumnErasure(column: name, action: .setNull)
                case "keyed-hash": return ColumnErasure(column: name, action: .keyedHash)
                default: return ColumnErasure(column: name, action: .replace(column["value"]?.stringValue ?? ""))
                }
            })
    }
}
