/// The longest text each free-text field accepts, in characters, the same for every front end
/// (flags, CSV and Snipe-IT rows, the API): they bound what a record, an event and a disposal
/// certificate carry. docs/guide-it-staff.md lists them.
public enum FieldLimits {
    /// Serial numbers, makes, models, custodians, manifest references: identifiers and names.
    public static let name = 128
    /// Locations (a site, a room, a rack).
    public static let location = 256
    /// One seal number.
    public static let seal = 64
    /// How many seal numbers one custody transfer records.
    public static let seals = 100
    /// Reasons (retire, lost, cancel, a skipped serial check).
    public static let reason = 1_000
    /// Notes.
    public static let notes = 4_000

    /// The limit of an asset field named as in ``AssetFields/Name``, if it is free text.
    public static func limit(assetField field: String) -> Int? {
        switch field {
        case AssetFields.Name.serial, AssetFields.Name.make, AssetFields.Name.model, AssetFields.Name.custodian:
            name
        case AssetFields.Name.location: location
        case AssetFields.Name.notes: notes
        default: nil
        }
    }

    /// Why `text` is too long for a field of `limit` characters, or nil when it fits.
    public static func problem(_ text: String, limit: Int) -> String? {
        let count = text.count
        guard count > limit else { return nil }
        return "is \(count) characters long; at most \(limit) are accepted — shorten it"
    }

    /// Checks a free-text input: returns it, or throws an error naming the field, the limit and
    /// the text (quoted short).
    @discardableResult
    public static func check(_ text: String?, field: String, limit: Int) throws(LetheError) -> String? {
        guard let text, let problem = problem(text, limit: limit) else { return text }
        throw LetheError(.invalidInput, "\(field) \(Quoted(text)) \(problem) (nothing was changed)")
    }
}
