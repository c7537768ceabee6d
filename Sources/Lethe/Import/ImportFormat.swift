import LetheCore

/// The column layouts `lethe asset import` reads.
public enum ImportFormat: String, Sendable, CaseIterable {
    /// Lethe's own columns (`asset_tag, serial, make, model, media_type, capacity, location,
    /// custodian, classification, encryption, parent_tag, notes, state`).
    case lethe
    /// A Snipe-IT asset export (Asset Tag, Serial, Model, Manufacturer, Category, Status, Location,
    /// Checked Out To, …), mapped through a ``SnipeITMapping``.
    case snipeit
}

/// Turns the cells of one CSV row into an asset's fields, following the header.
struct ImportColumns {
    /// Which cell feeds which field.
    private var index: [WritableKeyPath<AssetFields, String?>: Int] = [:]
    /// The column name as written in the file, by field, for error messages.
    private var names: [String: String] = [:]
    private var categoryIndex: Int?
    private var statusIndex: Int?
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

    private static let snipeColumns:
        [(name: String, field: WritableKeyPath<AssetFields, String?> & Sendable, canonical: String)] = [
            ("asset tag", \.tag, AssetFields.Name.tag),
            ("serial", \.serial, AssetFields.Name.serial),
            ("manufacturer", \.make, AssetFields.Name.make),
            ("model", \.model, AssetFields.Name.model),
            ("location", \.location, AssetFields.Name.location),
            ("checked out to", \.custodian, AssetFields.Name.custodian),
            ("notes", \.notes, AssetFields.Name.notes),
            ("classification", \.classification, AssetFields.Name.classification),
            ("encryption", \.encryption, AssetFields.Name.encryption),
            ("capacity", \.capacity, AssetFields.Name.capacity),
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
                if let column = Self.snipeColumns.first(where: { $0.name == name }) {
                    if index[column.field] == nil {
                        index[column.field] = position
                        names[column.canonical] = raw
                    }
                } else if name == "category" {
                    categoryIndex = position
                    names[AssetFields.Name.mediaType] = raw
                } else if name == "status" {
                    statusIndex = position
                    names[AssetFields.Name.state] = raw
                }
            // Snipe-IT exports carry many other columns (purchase cost, warranty…): they are ignored.
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

    /// The column name the file uses for a field, for error messages.
    func columnName(_ field: String) -> String { names[field] ?? field }

    /// The fields of one row, or the problems with its mapped columns.
    func fields(_ cells: [String]) -> Result<AssetFields, FieldProblems> {
        var fields = AssetFields()
        for (field, position) in index { fields[keyPath: field] = cells[position] }
        guard format == .snipeit else { return .success(fields) }
        var problems: [FieldProblem] = []
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
