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
    /// The encodings every residue scan looks for, `erasure run`'s and `erasure scan-file`'s alike.
    public static let residueEncodings: [ResidueEncoding] = [.utf8, .utf16LE, .utf16BE]

    /// Whether a residue scan for a store with this normalisation matches `A`–`Z` and `a`–`z`
    /// alike: the store compares identifiers case-folded, so the data may be stored in any case.
    static func residueCaseInsensitive(_ normalization: IdentityNormalization) -> Bool {
        normalization == .lowercaseTrim
    }

    /// Scans files (an export, a log, a disk image) for any of the identifiers listed one per line
    /// in `identifiersFile`, streaming, with one multi-pattern automaton; a database's `-wal` and
    /// `-journal` are included when `database` is true. Nothing is stored: the identifiers stay in
    /// memory and the result names identifiers only by their line number in the file.
    ///
    /// By default it matches as `erasure run` does: UTF-8 and UTF-16 (LE and BE), and the case
    /// rule of the registered store `store` (case-insensitive for a `lowercase-trim` store); with
    /// no store, case-insensitively, which finds what any store's rule would. `caseInsensitive`
    /// and `encodings` override those rules (narrower scans miss what `erasure run` finds).
    public func scanFilesForResidue(
        files: [String], identifiersFile: String, store storeName: String? = nil,
        encodings: [ResidueEncoding] = LetheApp.residueEncodings, caseInsensitive: Bool? = nil, database: Bool = false
    ) throws(LetheError) -> FileResidueScan {
        guard let data = FileManager.default.contents(atPath: identifiersFile) else {
            throw LetheError(.notFound, "cannot read the identifiers file \(identifiersFile)")
        }
        // Lines as `erasure run` reads the subject: without the line break (CRLF included) or padding.
        let identifiers = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !identifiers.isEmpty else {
            throw LetheError(.invalidInput, "\(identifiersFile) lists no identifier (one per line)")
        }
        for file in files where !FileManager.default.fileExists(atPath: file) {
            throw LetheError(.notFound, "cannot scan \(file): no such file")
        }
        var folded = caseInsensitive ?? true
        if let storeName, caseInsensitive == nil {
            let declaration = try declaration(of: storeName, secrets: try secrets())
            folded = Self.residueCaseInsensitive(declaration.erasure?.normalization ?? .exact)
        }
        let scanner = try ResidueScanner(identifiers: identifiers, encodings: encodings, asciiCaseInsensitive: folded)
        let start = Date()
        let targets = database ? files.flatMap { [$0, $0 + "-wal", $0 + "-journal"] } : files
        let report = try scanner.scan(files: targets)
        return FileResidueScan(report: report, identifiers: identifiers.count, seconds: Date().timeIntervalSince(start))
    }
}
