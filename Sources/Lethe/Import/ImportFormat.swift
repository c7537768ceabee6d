import LetheCore

/// The column layouts `lethe asset import` reads.
public enum ImportFormat: String, Sendable, CaseIterable {
    /// Lethe's own columns (`asset_tag, serial, make, model, media_type, capacity, location,
    /// custodian, classification, encryption, parent_tag, notes, state`).
    case lethe
    /// A Snipe-IT asset export or importer file (Asset Tag, Serial or Serial Number, Model or Model
    /// Name, Manufacturer, Category, Status, Location, Checked Out To or Full Name, …; see
    /// ``SnipeITColumn``), mapped through a ``SnipeITMapping``. Other columns are listed as ignored.
    case snipeit
}

/// A column of an imported file that feeds no field, listed in the import's summary.
public struct IgnoredColumn: Sendable, Hashable, Codable {
    /// Why a column feeds nothing.
    public enum Reason: Sendable, Hashable, Codable {
        /// Lethe holds no such field (a Snipe-IT purchase cost, warranty …).
        case notUsed
        /// An earlier column already feeds the same field.
        case duplicate(ofColumn: Int)
    }

    /// The column's position, from 1.
    public var column: Int
    /// Its header as written in the file.
    public var name: String
    /// Why it is ignored.
    public var reason: Reason

    /// Creates an entry.
    public init(column: Int, name: String, reason: Reason) {
        self.column = column
        self.name = name
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case column, name, reason
        case duplicateOfColumn = "duplicate_of_column"
    }

    /// `{"column", "name", "reason": "not-used" | "duplicate", "duplicate_of_column"}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        column = try c.decode(Int.self, forKey: .column)
        name = try c.decode(String.self, forKey: .name)
        switch try c.decode(String.self, forKey: .reason) {
        case "duplicate": reason = .duplicate(ofColumn: try c.decode(Int.self, forKey: .duplicateOfColumn))
        default: reason = .notUsed
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(column, forKey: .column)
        try c.encode(name, forKey: .name)
        switch reason {
        case .notUsed: try c.encode("not-used", forKey: .reason)
        case .duplicate(let first):
            try c.encode("duplicate", forKey: .reason)
            try c.encode(first, forKey: .duplicateOfColumn)
        }
    }
}

/// Turns the cells of one CSV row into an asset's fields, following the header.
// Key paths and column positions, set once by the header and only read afterwards.
struct ImportColumns: @unchecked Sendable {
    /// Which cell feeds which field.
    private var index: [WritableKeyPath<AssetFields, String?>: Int] = [:]
    /// The column name as written in the file, by field, for error messages.
    private var names: [String: String] = [:]
    private var categoryIndex: Int?
    private var statusIndex: Int?
    private var modelNameIndex: Int?
    private var modelNumberIndex: Int?
    /// Custodian columns by rank (full name, username, email); the first filled one is used.
    private var custodianIndexes: [Int: Int] = [:]
    private var firstNameIndex: Int?
    private var lastNameIndex: Int?
    /// Columns of the file that feed nothing, in file order.
    private(set) var ignored: [IgnoredColumn] = []
    private let format: ImportFormat
    private let mapping: SnipeITMapping
    let columnCount: Int

    private static let letheColumns:
        [(names: [String], field: WritableKeyPath<AssetFields, String?> & Sendable, canonical: String)] = [
            (["asset_tag", "tag", "asset tag"], \.tag, AssetFields.Name.tag),
            (["serial", "serial_number", "serial number"], \.serial, AssetFields.Name.serial),
            (["make", "manufacturer", "vendor"], \.make, AssetFields.Name.make),
            (["model"], \.model, AssetFields.Name.model),
            (["media_type", "type", "media type"], \.mediaType, AssetFields.Name.mediaType),
            (["capacity"], \.capacity, AssetFields.Name.capacity),
            (["location"], \.location, AssetFields.Name.location),
            (["custodian"], \.custodian, AssetFields.Name.custodian),
            (["classification"], \.classification, AssetFields.Name.classification),
            (["encryption"], \.encryption, AssetFields.Name.encryption),
            (["parent_tag", "parent", "parent tag"], \.parentTag, AssetFields.Name.parentTag),
            (["notes"], \.notes, AssetFields.Name.notes),
            (["state"], \.state, AssetFields.Name.state),
        ]

    init(header: [String], format: ImportFormat, mapping: SnipeITMapping, file: String) throws(LetheError) {
        self.format = format
        self.mapping = mapping
        self.columnCount = header.count
        var problems: [String] = []
        for (position, raw) in header.enumerated() {
            let name = raw.trimmed.lowercased()
            switch format {
            case .lethe:
                guard let column = Self.letheColumns.first(where: { $0.names.contains(name) }) else {
                    problems.append(
                        "column \(position + 1) '\(raw)' is not a Lethe column; use: \(Self.letheColumns.map(\.canonical).joined(separator: ", "))"
                    )
                    continue
                }
                if index[column.field] != nil { problems.append("column '\(raw)' appears twice") }
                index[column.field] = position
                names[column.canonical] = raw
            case .snipeit:
                // Snipe-IT files carry many columns Lethe does not hold (purchase cost, warranty…):
                // each is listed in the summary as ignored, never dropped silently.
                guard let column = SnipeITColumn.match(raw) else {
                    ignored.append(IgnoredColumn(column: position + 1, name: raw, reason: .notUsed))
                    continue
                }
                if let first = claim(column, position: position, raw: raw) {
                    ignored.append(
                        IgnoredColumn(column: position + 1, name: raw, reason: .duplicate(ofColumn: first + 1)))
                }
            }
        }
        switch format {
        case .lethe:
            for required in [\AssetFields.tag, \.mediaType, \.classification] where index[required] == nil {
                let name = Self.letheColumns.first { $0.field == required }!.canonical
                problems.append("the required column '\(name)' is missing")
            }
        case .snipeit:
            if index[\.tag] == nil { problems.append("the required column 'Asset Tag' is missing") }
            if categoryIndex == nil { problems.append("the required column 'Category' is missing") }
        }
        guard problems.isEmpty else {
            throw LetheError(
                .invalidInput, "\(file): the header row is not a \(format.rawValue) asset export", details: problems)
        }
    }

    private static let fieldPaths: [String: WritableKeyPath<AssetFields, String?> & Sendable] = [
        AssetFields.Name.tag: \.tag, AssetFields.Name.serial: \.serial, AssetFields.Name.make: \.make,
        AssetFields.Name.location: \.location, AssetFields.Name.notes: \.notes,
        AssetFields.Name.classification: \.classification, AssetFields.Name.encryption: \.encryption,
        AssetFields.Name.capacity: \.capacity,
    ]

    /// Records that a Snipe-IT column feeds `column`; returns the position of the column that
    /// already does, if any (this one is then a duplicate and feeds nothing).
    private mutating func claim(_ column: SnipeITColumn, position: Int, raw: String) -> Int? {
        /// Fills an empty slot, or returns the position already in it.
        func take(_ slot: inout Int?) -> Int? {
            if let slot { return slot }
            slot = position
            return nil
        }
        let existing: Int?
        var canonical: String?
        switch column {
        case .field(let name):
            guard let path = Self.fieldPaths[name] else { return nil }
            existing = index[path]
            if existing == nil { index[path] = position }
            canonical = name
        case .modelName:
            existing = take(&modelNameIndex)
            canonical = AssetFields.Name.model
        case .modelNumber:
            existing = take(&modelNumberIndex)
            canonical = names[AssetFields.Name.model] == nil ? AssetFields.Name.model : nil
        case .custodian(let rank):
            var slot = custodianIndexes[rank]
            existing = take(&slot)
            custodianIndexes[rank] = slot
            canonical = names[AssetFields.Name.custodian] == nil ? AssetFields.Name.custodian : nil
        case .firstName: existing = take(&firstNameIndex)
        case .lastName: existing = take(&lastNameIndex)
        case .category:
            existing = take(&categoryIndex)
            canonical = AssetFields.Name.mediaType
        case .status:
            existing = take(&statusIndex)
            canonical = AssetFields.Name.state
        }
        if existing == nil, let canonical { names[canonical] = raw }
        return existing
    }

    /// The column name the file uses for a field, for error messages.
    func columnName(_ field: String) -> String { names[field] ?? field }

    /// The fields of one row, or the problems with its mapped columns.
    func fields(_ cells: [String]) -> Result<AssetFields, FieldProblems> {
        var fields = AssetFields()
        for (field, position) in index { fields[keyPath: field] = cells[position] }
        guard format == .snipeit else { return .success(fields) }
        var problems: [FieldProblem] = []
        // A column present but empty gives "" (on --update it clears the field, but for the serial,
        // capacity, media type, classification and encryption); no column, nil.
        if modelNameIndex != nil || modelNumberIndex != nil {
            fields.model =
                SnipeITColumn.model(
                    name: modelNameIndex.map { cells[$0] }, number: modelNumberIndex.map { cells[$0] }) ?? ""
        }
        let custodians = custodianIndexes.sorted { $0.key < $1.key }.map { cells[$0.value].trimmed }
        let names = [firstNameIndex, lastNameIndex].compactMap { $0.map { cells[$0].trimmed } }
        if !custodians.isEmpty || !names.isEmpty {
            fields.custodian =
                custodians.first { !$0.isEmpty } ?? names.filter { !$0.isEmpty }.joined(separator: " ")
        }
        if let categoryIndex {
            let category = cells[categoryIndex]
            if let type = mapping.mediaType(forCategory: category) {
                fields.mediaType = type.rawValue
            } else {
                problems.append(
                    FieldProblem(
                        field: columnName(AssetFields.Name.mediaType), value: category,
                        reason: "no media type is mapped for this category; add it to a mapping file (--mapping)"))
            }
        }
        if let statusIndex, !cells[statusIndex].trimmed.isEmpty {
            let status = cells[statusIndex]
            if let state = mapping.state(forStatus: status) {
                fields.state = state.rawValue
            } else {
                problems.append(
                    FieldProblem(
                        field: columnName(AssetFields.Name.state), value: status,
                        reason:
                            "no lifecycle state is mapped for this status label; add it to a mapping file (--mapping)"))
            }
        }
        if fields.classification?.trimmed.isEmpty ?? true {
            fields.classification = mapping.defaultClassification.rawValue
        }
        if fields.encryption?.trimmed.isEmpty ?? true {
            fields.encryption = mapping.defaultEncryption.rawValue
        }
        return problems.isEmpty ? .success(fields) : .failure(FieldProblems(problems))
    }
}
