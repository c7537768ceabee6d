import Foundation
import LetheCore
import LetheSanitize

/// What a residue scan of arbitrary files found: counts and offsets, never the identifiers.
public struct FileResidueScan: Sendable, Hashable {
    /// The report (files with sizes, up to 1,000 matches with offsets and identifier line numbers).
    public var report: ResidueReport
    /// How many identifiers were looked for.
    public var identifiers: Int
    /// The seconds the scan took.
    public var seconds: Double
}

extension LetheApp {
    /// Scans files (an export, a log, a disk image) for any of the identifiers listed one per line
    /// in `identifiersFile`, streaming, with one multi-pattern automaton; a database's `-wal` and
    /// `-journal` are included when `database` is true. Nothing is stored: the identifiers stay in
    /// memory and the result names identifiers only by their line number in the file.
    public func scanFilesForResidue(
        files: [String], identifiersFile: String, encodings: [ResidueEncoding] = [.utf8], caseInsensitive: Bool = false,
        database: Bool = false
    ) throws(LetheError) -> FileResidueScan {
        guard let data = FileManager.default.contents(atPath: identifiersFile) else {
            throw LetheError(.notFound, "cannot read the identifiers file \(identifiersFile)")
        }
        let identifiers = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.isEmpty }
        guard !identifiers.isEmpty else {
            throw LetheError(.invalidInput, "\(identifiersFile) lists no identifier (one per line)")
        }
        for file in files where !FileManager.default.fileExists(atPath: file) {
            throw LetheError(.notFound, "cannot scan \(file): no such file")
        }
        let scanner = try ResidueScanner(
            identifiers: identifiers, encodings: encodings, asciiCaseInsensitive: caseInsensitive)
        let start = Date()
        let targets = database ? files.flatMap { [$0, $0 + "-wal", $0 + "-journal"] } : files
        let report = try scanner.scan(files: targets)
        return FileResidueScan(report: report, identifiers: identifiers.count, seconds: Date().timeIntervalSince(start))
    }
}
