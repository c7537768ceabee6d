/// Text escaped for HTML (element content and quoted attribute values).
///
/// Escapes the UTF-8 bytes `&`, `<`, `>`, `"` and `'`, one by one. Escaping `Character`s instead
/// misses a quote or a bracket that a combining mark joins into one character (`"` followed by
/// U+0301 is one `Character`, not `"`), and a browser, which reads code points, would still end
/// the attribute at that quote. Every byte of a multi-byte UTF-8 sequence is 0x80 or above, so
/// the other text passes unchanged.
public enum HTMLText {
    /// `text` escaped.
    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        write(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` escaped to `out`.
    public static func write(_ text: String, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += "&amp;".utf8
            case UInt8(ascii: "<"): out += "&lt;".utf8
            case UInt8(ascii: ">"): out += "&gt;".utf8
            case UInt8(ascii: "\""): out += "&quot;".utf8
            case UInt8(ascii: "'"): out += "&#39;".utf8
            default: out.append(byte)
            }
        }
    }
}
