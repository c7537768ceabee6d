import Foundation

/// What a column of a Snipe-IT CSV feeds, recognised from its header.
///
/// Snipe-IT's UI export and its importer name columns differently (`Serial` and `Serial Number`,
/// `Model` and `Model Name`, `Checked Out To` and `Full Name`), and its importer matches headers
/// ignoring case and through aliases. Both spellings are accepted here, ignoring case, surrounding
/// space and the difference between `_` and a space; every other column is reported as ignored.
public enum SnipeITColumn: Sendable, Hashable {
    /// One of Lethe's asset fields, by its canonical name (``AssetFields/Name``).
    case field(String)
    /// The model name (`Model`, `Model Name`).
    case modelName
    /// The model number (`Model No.`, `Model Number`); joined to the model name when both are given.
    case modelNumber
    /// Who has the asset; `rank` orders the alternatives (full name, username, email).
    case custodian(rank: Int)
    /// The custodian's first name (used with the last name when no other custodian column is filled).
    case firstName
    /// The custodian's last name.
    case lastName
    /// The category, mapped to a media type.
    case category
    /// The status label, mapped to a lifecycle state.
    case status

    /// Header spellings (normalised) and what they feed.
    public static let headers: [(names: [String], column: SnipeITColumn)] = [
        (["asset tag"], .field(AssetFields.Name.tag)),
        (["serial", "serial number", "serial no.", "serial no"], .field(AssetFields.Name.serial)),
        (["manufacturer"], .field(AssetFields.Name.make)),
        (["location"], .field(AssetFields.Name.location)),
        (["notes", "asset notes"], .field(AssetFields.Name.notes)),
        (["classification"], .field(AssetFields.Name.classification)),
        (["encryption"], .field(AssetFields.Name.encryption)),
        (["capacity"], .field(AssetFields.Name.capacity)),
        (["model", "model name", "asset model"], .modelName),
        (["model no.", "model no", "model number", "model num", "model num."], .modelNumber),
        (["checked out to", "full name", "fullname", "checked out to: full name"], .custodian(rank: 0)),
        (["username", "user name", "checked out to: username"], .custodian(rank: 1)),
        (["email", "e-mail", "checked out to: email"], .custodian(rank: 2)),
        (["first name", "checked out to: first name"], .firstName),
        (["last name", "lastname", "checked out to: last name"], .lastName),
        (["category"], .category),
        (["status", "status label"], .status),
    ]

    /// The column a header names, or nil for a column Lethe does not use.
    public static func match(_ header: String) -> SnipeITColumn? {
        let name = normalised(header)
        return headers.first { $0.names.contains(name) }?.column
    }

    /// A header lowercased, trimmed, with `_` read as a space and runs of spaces collapsed.
    public static func normalised(_ header: String) -> String {
        header.trimmed.lowercased().replacingOccurrences(of: "_", with: " ")
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// The model as Lethe records it from Snipe-IT's model name and number: the name, with the
    /// number in parentheses when it adds something.
    public static func model(name: String?, number: String?) -> String? {
        let name = name?.trimmed ?? ""
        let number = number?.trimmed ?? ""
        switch (name.isEmpty, number.isEmpty) {
        case (true, true): return nil
        case (false, true): return name
        case (true, false): return number
        case (false, false): return name.contains(number) ? name : "\(name) (\(number))"
        }
    }
}
