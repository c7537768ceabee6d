import Foundation
import Lethe
import LetheCore

#if canImport(Glibc)
    import Glibc
#endif

/// Printing for commands: JSON, aligned tables, standard error.
enum Output {
    /// Prints a JSON value, pretty and with sorted keys.
    static func printJSON(_ value: JSONValue) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(value) {
            fflush(nil)
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }

    /// Prints a use case's typed result as JSON: pretty, with sorted keys, the same encoder for
    /// every command (what `--json` prints).
    static func printResult(_ value: some Encodable) {
        // Lines printed before (buffered by stdio when standard output is a pipe) come first.
        fflush(nil)
        do {
            FileHandle.standardOutput.write(try ResultEncoding.encoder().encode(value))
            FileHandle.standardOutput.write(Data("\n".utf8))
        } catch {
            standardError("lethe: error: cannot encode the result as JSON: \(error)")
        }
    }

    /// Prints rows as left-aligned columns under a header.
    static func printTable(header: [String], rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }

    /// Writes a line to standard error.
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether standard error is a terminal (for progress lines).
    static var standardErrorIsTerminal: Bool { isatty(2) == 1 }
}

extension Output {
    /// Rewrites the progress line on standard error; nil clears it.
    static func progress(_ text: String?) {
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + (text ?? "")).utf8))
    }
}
