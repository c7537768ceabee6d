import Foundation
import Yams

/// Walks a composed YAML tree into a ``DataMap``, collecting every problem with its place.
struct DataMapParser {
    let file: String
    var problems: [String] = []

    init(file: String) { self.file = file }

    private static let storeKeys = [
        "name", "kind", "owner", "categories", "connection", "location", "contact", "asset_tag",
        "identity_normalization", "identity", "references", "vacuum", "residue",
    ]
    private static let identityKeys = ["table", "column", "key", "erase"]
    private static let referenceKeys = ["table", "column", "erase"]
    private static let residueKeys = ["name", "kind", "location", "retention", "media"]

    mutating func report(_ node: Node?, _ text: String) {
        let place = node?.mark.map { ":\($0.line):\($0.column)" } ?? ""
        problems.append("\(file)\(place): \(text)")
    }

    mutating func parseRoot(_ root: Node?) -> DataMap {
        guard let root else {
            report(nil, "the data map is empty; write 'stores:' followed by a list of stores")
            return DataMap(stores: [])
        }
        guard let top = root.mapping else {
            report(root, "expected a mapping with the key 'stores'")
            return DataMap(stores: [])
        }
        var stores: [DataStoreDeclaration] = []
        var seenStores = false
        for (key, value) in top {
            switch key.string {
            case "stores":
                seenStores = true
                guard let list = value.sequence else {
                    report(value, "'stores' must be a list of stores (each item starting with '- name:')")
                    continue
                }
                var names: Set<String> = []
                for item in list {
                    guard let store = parseStore(item) else { continue }
                    if !names.insert(store.name).inserted {
                        report(item, "store '\(store.name)' is declared twice; store names must be unique")
                    }
                    stores.append(store)
                }
            case "version":
                if value.int != 1 { report(value, "unsupported version; this Lethe reads version 1") }
            default:
                report(
                    key, "unknown key '\(key.string ?? "?")'; the top level has 'stores' (and optionally 'version: 1')")
            }
        }
        if !seenStores { report(root, "missing key 'stores'") }
        return DataMap(stores: stores)
    }

    /// The mapping's values by key; reports unknown and duplicate keys.
    private mutating func fields(_ node: Node, allowed: [String], what: String) -> [String: (key: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            report(node, "\(what) must be a mapping with keys \(allowed.joined(separator: ", "))")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.string, allowed.contains(name) else {
                report(
                    key, "unknown key '\(key.string ?? "?")' in \(what); allowed: \(allowed.joined(separator: ", "))")
                continue
            }
            if result[name] != nil { report(key, "key '\(name)' appears twice in \(what)") }
            result[name] = (key, value)
        }
        return result
    }

    private mutating func text(
        _ fields: [String: (key: Node, value: Node)], _ name: String, in parent: Node, what: String,
        required: Bool = true
    ) -> String? {
        guard let entry = fields[name] else {
            if required { report(parent, "\(what) is missing the key '\(name)'") }
            return nil
        }
        guard entry.value.scalar != nil, let value = entry.value.string,
            !value.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            report(entry.value, "'\(name)' in \(what) must be non-empty text")
            return nil
        }
        return value
    }

    /// Table and column names: non-empty, no control characters (they are quoted when used).
    private mutating func identifier(
        _ fields: [String: (key: Node, value: Node)], _ name: String, in parent: Node, what: String
    ) -> String? {
        guard let value = text(fields, name, in: parent, what: what) else { return nil }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            report(fields[name]?.value, "'\(name)' in \(what) contains a control character")
            return nil
        }
        return value
    }

    private mutating func parseStore(_ node: Node) -> DataStoreDeclaration? {
        let problemsBefore = problems.count
        guard let fields = fields(node, allowed: Self.storeKeys, what: "a store") else { return nil }
        let name = text(fields, "name", in: node, what: "a store") ?? ""
        let what = name.isEmpty ? "a store" : "store '\(name)'"
        let owner = text(fields, "owner", in: node, what: what)
        let categories = parseCategories(fields["categories"], in: node, what: what)
        var kind: DataStoreKind?
        if let word = text(fields, "kind", in: node, what: what) {
            let need: String? =
                switch word {
                case "sqlite", "postgres": "connection"
                case "file-share": "location"
                case "processor": "contact"
                case "device": "asset_tag"
                default: nil
                }
            if let need {
                let others = ["connection", "location", "contact", "asset_tag"].filter { $0 != need }
                for other in others where fields[other] != nil {
                    report(fields[other]!.key, "'\(other)' does not apply to a \(word) store; use '\(need)'")
                }
                if let value = text(fields, need, in: node, what: what) {
                    kind =
                        switch word {
                        case "sqlite": .sqlite(path: value)
                        case "postgres": .postgres(connection: SecretText(value))
                        case "file-share": .fileShare(location: value)
                        case "processor": .processor(contact: value)
                        default: .device(assetTag: value)
                        }
                }
            } else {
                report(
                    fields["kind"]?.value,
                    "unknown kind '\(word)'; use one of \(DataStoreKind.words.joined(separator: ", "))")
            }
        }
        var normalization = IdentityNormalization.exact
        if let word = text(fields, "identity_normalization", in: node, what: what, required: false) {
            if let parsed = IdentityNormalization(rawValue: word) {
                normalization = parsed
            } else {
                report(
                    fields["identity_normalization"]?.value,
                    "unknown identity_normalization '\(word)'; use exact or lowercase-trim")
            }
        }
        var vacuum = DatabaseVacuum.plain
        if let word = text(fields, "vacuum", in: node, what: what, required: false) {
            if case .postgres = kind {
                if let parsed = DatabaseVacuum(rawValue: word) {
                    vacuum = parsed
                } else {
                    report(fields["vacuum"]?.value, "unknown vacuum '\(word)'; use plain, full or none")
                }
            } else if kind != nil {
                report(fields["vacuum"]?.key, "'vacuum' applies only to postgres stores")
            }
        }
        var residue: [DeclaredResidue] = []
        if let entry = fields["residue"] {
            if case .postgres = kind {
                residue = parseResidue(entry.value, what: what)
            } else if kind != nil {
                report(
                    entry.key,
                    "'residue' applies only to postgres stores; register a backup of a \(kind?.word ?? "") store with 'lethe backup register'"
                )
            }
        }
        var plan: ErasurePlan?
        let isDatabase: Bool = {
            if case .sqlite = kind { return true }
            if case .postgres = kind { return true }
            return false
        }()
        if let identity = fields["identity"] {
            if kind != nil && !isDatabase {
                report(identity.key, "'identity' applies only to sqlite and postgres stores")
            }
            plan = parsePlan(identity.value, references: fields["references"], normalization: normalization, what: what)
        } else if let references = fields["references"] {
            report(references.key, "'references' needs an 'identity' section in \(what)")
        } else if isDatabase {
            report(node, "\(what) is a database and needs an 'identity' section (table, column, erase)")
        }
        guard problems.count == problemsBefore, let kind, let owner else { return nil }
        return DataStoreDeclaration(
            name: name, kind: kind, owner: owner, categories: categories, erasure: plan, vacuum: vacuum,
            residue: residue)
    }

    /// `residue:`: a list of {name, kind, location, retention, media}; names unique in the store.
    private mutating func parseResidue(_ node: Node, what: String) -> [DeclaredResidue] {
        guard let list = node.sequence else {
            report(
                node,
                "'residue' must be a list of entries such as '- {name: wal-archive, kind: wal-archive, location: /srv/wal, retention: P35D}'"
            )
            return []
        }
        var result: [DeclaredResidue] = []
        var names: Set<String> = []
        for item in list {
            let context = "a residue entry of \(what)"
            guard let entry = fields(item, allowed: Self.residueKeys, what: context) else { continue }
            let name = text(entry, "name", in: item, what: context)
            if let name, !names.insert(name).inserted {
                report(entry["name"]?.value, "residue '\(name)' is declared twice in \(what); names must be unique")
            }
            let residueWhat = name.map { "residue '\($0)' of \(what)" } ?? context
            var kind: ResidueKind?
            if let word = text(entry, "kind", in: item, what: residueWhat) {
                kind = ResidueKind(rawValue: word)
                if kind == nil {
                    report(
                        entry["kind"]?.value,
                        "unknown residue kind '\(word)'; use \(ResidueKind.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
            }
            var location = text(entry, "location", in: item, what: residueWhat)
            if let place = location {
                if place.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                    report(entry["location"]?.value, "'location' in \(residueWhat) contains a control character")
                    location = nil
                } else if let problem = DeclaredResidue.credentialProblem(in: place) {
                    report(
                        entry["location"]?.value,
                        "'location' in \(residueWhat): \(problem), and a location is shown and logged; write where it is without credentials (postgresql://host/db, s3://bucket/prefix, /srv/wal) and keep them in the tool that reads it"
                    )
                    location = nil
                }
            }
            var retention: ISODuration?
            if let kind, !kind.hasRetention, let given = entry["retention"] {
                report(
                    given.key,
                    "'retention' does not apply to a replica: it replays the erasure; remove it (a replica's part is attested once it has replayed past the erasure)"
                )
            } else if let word = text(
                entry, "retention", in: item, what: residueWhat, required: kind?.hasRetention ?? false)
            {
                retention = ISODuration.parse(word)
                if retention == nil || retention == ISODuration() {
                    report(
                        entry["retention"]?.value,
                        "'retention' in \(residueWhat) must be an ISO 8601 duration such as P35D or P1Y: how long the oldest archived content is kept"
                    )
                    retention = nil
                }
            }
            let media = text(entry, "media", in: item, what: residueWhat, required: false)
            guard let name, let kind, let location, retention != nil || !kind.hasRetention else { continue }
            result.append(
                DeclaredResidue(name: name, kind: kind, location: location, retention: retention, media: media))
        }
        return result
    }

    private mutating func parseCategories(
        _ entry: (key: Node, value: Node)?, in parent: Node, what: String
    ) -> [DataCategory] {
        guard let entry else {
            report(parent, "\(what) is missing the key 'categories' (a list such as [user.contact.email, user.name])")
            return []
        }
        guard let list = entry.value.sequence else {
            report(entry.value, "'categories' must be a list such as [user.contact.email, user.name]")
            return []
        }
        var result: Set<DataCategory> = []
        for item in list {
            guard let word = item.string, let category = DataCategory(word) else {
                report(
                    item,
                    "unknown data category '\(item.string ?? "?")'; use one of the data categories listed in docs/data-map.md, section 'Data categories': \(DataCategory.taxonomy.map(\.name).joined(separator: ", "))"
                )
                continue
            }
            result.insert(category)
        }
        return result.sorted()
    }

    private mutating func parsePlan(
        _ node: Node, references: (key: Node, value: Node)?, normalization: IdentityNormalization, what: String
    ) -> ErasurePlan? {
        guard let fields = fields(node, allowed: Self.identityKeys, what: "the identity of \(what)") else { return nil }
        let table = identifier(fields, "table", in: node, what: "the identity of \(what)")
        let column = identifier(fields, "column", in: node, what: "the identity of \(what)")
        let key = fields["key"] == nil ? column : identifier(fields, "key", in: node, what: "the identity of \(what)")
        let erase = parseErasure(fields["erase"], in: node, what: "the identity of \(what)")
        var refs: [TableReference] = []
        if let references {
            if let list = references.value.sequence {
                for item in list {
                    let context = "a reference of \(what)"
                    guard let ref = self.fields(item, allowed: Self.referenceKeys, what: context) else { continue }
                    let refTable = identifier(ref, "table", in: item, what: context)
                    let refColumn = identifier(ref, "column", in: item, what: context)
                    let refErase = parseErasure(ref["erase"], in: item, what: context)
                    if let refTable, let refColumn, let refErase {
                        refs.append(TableReference(table: refTable, column: refColumn, erasure: refErase))
                    }
                }
            } else {
                report(references.value, "'references' must be a list of {table, column, erase}")
            }
        }
        if case .columns(let list) = erase, let column, !list.contains(where: { $0.column == column }) {
            report(
                fields["erase"]?.value,
                "the erasure of the identity table keeps column '\(column)', so the subject would still be found; add '\(column): keyed-hash' (or set-null, replace) or use delete-row"
            )
        }
        guard let table, let column, let key, let erase else { return nil }
        return ErasurePlan(
            identityTable: table, identityColumn: column, keyColumn: key, normalization: normalization,
            identityErasure: erase, references: refs)
    }

    private mutating func parseErasure(
        _ entry: (key: Node, value: Node)?, in parent: Node, what: String
    ) -> TableErasure? {
        guard let entry else {
            report(parent, "\(what) is missing the key 'erase' (delete-row, or a mapping of column: action)")
            return nil
        }
        if entry.value.scalar != nil {
            if entry.value.string == "delete-row" { return .deleteRow }
            report(
                entry.value,
                "unknown erasure '\(entry.value.string ?? "?")'; use delete-row, or map columns to set-null, keyed-hash or {replace: text}"
            )
            return nil
        }
        guard let mapping = entry.value.mapping, !mapping.isEmpty else {
            report(entry.value, "'erase' must be delete-row or a non-empty mapping of column: action")
            return nil
        }
        var columns: [ColumnErasure] = []
        var ok = true
        for (key, value) in mapping {
            guard let column = key.string, !column.isEmpty else {
                report(key, "expected a column name")
                ok = false
                continue
            }
            if columns.contains(where: { $0.column == column }) {
                report(key, "column '\(column)' appears twice in 'erase'")
                ok = false
            }
            if let word = value.scalar != nil ? value.string : nil {
                switch word {
                case "set-null": columns.append(ColumnErasure(column: column, action: .setNull))
                case "keyed-hash": columns.append(ColumnErasure(column: column, action: .keyedHash))
                case "delete-row":
                    report(
                        value,
                        "delete-row applies to the whole row: write 'erase: delete-row' instead of a column action")
                    ok = false
                default:
                    report(
                        value,
                        "unknown erasure action '\(word)' for column '\(column)'; use set-null, keyed-hash or {replace: text}"
                    )
                    ok = false
                }
            } else if let replace = value.mapping, replace.count == 1, replace.first?.key.string == "replace",
                let fixed = replace.first?.value, fixed.scalar != nil, let fixedText = fixed.string
            {
                columns.append(ColumnErasure(column: column, action: .replace(fixedText)))
            } else {
                report(value, "the action for column '\(column)' must be set-null, keyed-hash or {replace: text}")
                ok = false
            }
        }
        return ok ? .columns(columns) : nil
    }
}
