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

}

extension ErasureService {
    /// Scans files on the machine Lethe runs on (an export, a log, a restored database, a disk
    /// image) for any of `identifiers`, streaming, with one multi-pattern automaton, on a thread of
    /// its own; a database's `-wal` and `-journal` are included when `database` is true. Nothing is
    /// stored: the identifiers stay in memory and the result names them only by their position
    /// (line number) in the list.
    ///
    /// By default it matches as `erasure run` does: UTF-8 and UTF-16 (LE and BE), and the case
    /// rule of the registered store `store` (case-insensitive for a `lowercase-trim` store); with
    /// no store, case-insensitively, which finds what any store's rule would. `caseInsensitive`
    /// and `encodings` override those rules (narrower scans miss what `erasure run` finds).
    public func scanFiles(
        _ files: [String], identifiers: [String], store storeName: String? = nil,
        encodings: [ResidueEncoding] = LetheApp.residueEncodings, caseInsensitive: Bool? = nil, database: Bool = false,
        by principal: Principal
    ) async throws(LetheError) -> FileResidueScan {
        try app.authorize(.scanForResidue, principal)
        guard !identifiers.isEmpty else {
            throw LetheError(.invalidInput, "the identifiers list names no identifier (one per line)")
        }
        var folded = caseInsensitive ?? true
        if let storeName, caseInsensitive == nil {
            let declaration = try await declaration(of: storeName, secrets: try await app.loadedSecrets())
            folded = LetheApp.residueCaseInsensitive(declaration.erasure?.normalization ?? .exact)
        }
        let caseFolded = folded
        return try await OwnThread.run { () throws(LetheError) in
            for file in files where !FileManager.default.fileExists(atPath: file) {
                throw LetheError(.notFound, "cannot scan \(file): no such file")
            }
            let scanner = try ResidueScanner(
                identifiers: identifiers, encodings: encodings, asciiCaseInsensitive: caseFolded)
            let start = Date()
            let targets = database ? files.flatMap { [$0, $0 + "-wal", $0 + "-journal"] } : files
            let report = try scanner.scan(files: targets)
            return FileResidueScan(
                report: report, identifiers: identifiers.count, seconds: Date().timeIntervalSince(start))
        }
    }

    /// The identifiers of a list, one per line, as `erasure run` reads a subject: without the line
    /// break (CRLF included) or padding; blank lines skipped.
    public static func identifiers(fromList data: Data) -> [String] {
        String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
