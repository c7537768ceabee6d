import LetheCore

/// The human-readable `record.html` of a bundle: the record's fields in a table, filled into a
/// template (a copy of which is `certificates/record.html.template`; a test keeps them equal).
/// The HTML is for people; the signed bytes are `record.json`.
public enum RecordHTML {
    /// The template: `{{title}}`, `{{serial}}`, `{{status}}` and `{{rows}}` are replaced (HTML-escaped).
    public static let template = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>{{title}}</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #111; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.6rem; border-bottom: 1px solid #ddd; }
        th { width: 35%; font-weight: 600; }
        .status { padding: 0.6rem; border: 2px solid #333; margin: 1rem 0; }
        .note { color: #555; font-size: 0.9rem; }
        </style>
        </head>
        <body>
        <h1>{{title}}</h1>
        <p>Serial number <strong>{{serial}}</strong></p>
        <p class="status">{{status}}</p>
        <table>
        {{rows}}
        </table>
        <p class="note">This page is a rendering for people. The signed record is record.json; check it with
        the commands in VERIFY.txt or with <code>lethe certificate verify</code>.</p>
        </body>
        </html>

        """

    /// Renders a record.
    static func render(record: JSONValue, status: String) -> String {
        var rows: [String] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let members):
                for key in members.keys.sorted() { walk(members[key]!, path.isEmpty ? key : path + " › " + key) }
            case .array(let items):
                if items.isEmpty { rows.append(row(path, "(none)")) }
                for (index, item) in items.enumerated() { walk(item, "\(path) \(index + 1)") }
            case .null: rows.append(row(path, "(not recorded)"))
            case .bool(let flag): rows.append(row(path, flag ? "yes" : "no"))
            case .integer(let number): rows.append(row(path, String(number)))
            case .string(let text): rows.append(row(path, text))
            }
        }
        func row(_ name: String, _ value: String) -> String {
            "<tr><th>\(escape(name.replacingOccurrences(of: "_", with: " ")))</th><td>\(escape(value))</td></tr>"
        }
        walk(record, "")
        let kind =
            switch record["record_type"]?.stringValue {
            case "disposal": "Certificate of Sanitization"
            case "erasure": "Erasure record"
            default: "Signed record"
            }
        return
            template
            .replacingOccurrences(of: "{{title}}", with: escape(kind))
            .replacingOccurrences(of: "{{serial}}", with: escape(record["serial"]?.stringValue ?? "?"))
            .replacingOccurrences(of: "{{status}}", with: escape(status))
            .replacingOccurrences(of: "{{rows}}", with: rows.joined(separator: "\n"))
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
