/// User input quoted in an error message: in single quotes, at most ``limit`` characters, longer
/// text cut with an ellipsis and its total length, control characters shown as `?` (a line break
/// as `\n`), so that a 100 KB argument or a pasted file never floods a terminal, a log or a JSON
/// error. Every message that quotes what a user typed or a file held goes through it.
public struct Quoted: CustomStringConvertible, Sendable, Hashable {
    /// The most characters of the input shown.
    public static let limit = 80
    /// The input as given.
    public var text: String

    /// Quotes `text`.
    public init(_ text: String) { self.text = text }

    public var description: String {
        let count = text.count
        let shown = count > Self.limit ? text.prefix(Self.limit - 1) : Substring(text)
        var visible = ""
        for scalar in shown.unicodeScalars {
            switch scalar.value {
            case 0x0A: visible += "\\n"
            case 0..<0x20, 0x7F: visible += "?"
            default: visible.unicodeScalars.append(scalar)
            }
        }
        return count > Self.limit ? "'\(visible)…' (\(count) characters)" : "'\(visible)'"
    }
}
