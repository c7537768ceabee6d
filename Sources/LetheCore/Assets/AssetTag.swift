/// Rules for asset tags.
public enum AssetTag {
    /// The longest tag accepted.
    public static let maxLength = 64

    /// Checks a tag: 1–64 visible ASCII characters without spaces, so that it can stand in file
    /// names, URLs and certificate serials unquoted.
    public static func validate(_ tag: String, field: String = "asset tag") throws(LetheError) -> String {
        guard !tag.isEmpty else {
            throw LetheError(.invalidInput, "\(field) is empty; every asset needs a unique tag")
        }
        guard tag.utf8.count <= maxLength else {
            throw LetheError(.invalidInput, "\(field) \(Quoted(tag)) is longer than \(maxLength) characters")
        }
        guard tag.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw LetheError(
                .invalidInput,
                "\(field) \(Quoted(tag)) may hold only visible ASCII characters (letters, digits, punctuation), no spaces"
            )
        }
        return tag
    }
}
