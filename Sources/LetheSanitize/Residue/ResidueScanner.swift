import Foundation
import LetheCore

/// How an identifier's text is encoded in the bytes searched.
public enum ResidueEncoding: String, Sendable, Hashable, CaseIterable {
    /// UTF-8 (SQLite's default text encoding).
    case utf8
    /// UTF-16 little-endian (SQLite databases created with `PRAGMA encoding = 'UTF-16le'`, Windows files).
    case utf16LE = "utf16le"
    /// UTF-16 big-endian.
    case utf16BE = "utf16be"

    func encode(_ text: String) -> [UInt8] {
        switch self {
        case .utf8: return Array(text.utf8)
        case .utf16LE:
            return text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        case .utf16BE:
            return text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)] }
        }
    }
}

/// One place where an identifier's bytes were found. It names the identifier only by its index
/// in the list given to the scanner, never by its text.
public struct ResidueMatch: Sendable, Hashable {
    /// The file.
    public var file: String
    /// The byte offset of the match's first byte in the file.
    public var offset: Int64
    /// The index of the identifier in the list given to ``ResidueScanner/init(identifiers:encodings:asciiCaseInsensitive:)``.
    public var patternIndex: Int
    /// The encoding in which it was found.
    public var encoding: ResidueEncoding
}

/// The result of a residue scan.
public struct ResidueReport: Sendable, Hashable {
    /// The files scanned with their sizes in bytes (files that did not exist are not listed).
    public var files: [ScannedFile]
    /// The first matches found (at most the scan's `matchLimit`), in file order.
    public var matches: [ResidueMatch]
    /// How many matches there were in all.
    public var totalMatches: Int
    /// Whether nothing was found.
    public var clean: Bool { totalMatches == 0 }

    /// Creates a report; empty by default (no file scanned: a store whose files Lethe cannot reach).
    public init(files: [ScannedFile] = [], matches: [ResidueMatch] = [], totalMatches: Int = 0) {
        self.files = files
        self.matches = matches
        self.totalMatches = totalMatches
    }

    /// A scanned file.
    public struct ScannedFile: Sendable, Hashable {
        /// Its path.
        public var path: String
        /// Bytes read.
        public var bytes: Int64
    }
}

/// Searches raw files for the bytes of identifiers given at erasure time: the residue check of an
/// erasure (free pages, write-ahead log, rollback journal) and of any other file.
///
/// Multi-pattern (Aho-Corasick compiled to a flat DFA behind a two-byte prefix filter), streaming
/// in fixed chunks with the automaton's state carried across chunk boundaries, so memory stays
/// flat and matches that straddle a boundary are found. Reports offsets and identifier indexes
/// only; the identifiers themselves live only in this value's memory.
///
/// ```swift
/// let scanner = try ResidueScanner(identifiers: [request.email], encodings: [.utf8, .utf16LE, .utf16BE])
/// let report = try scanner.scanDatabase(at: "/var/lib/crm/crm.sqlite")   // file, -wal, -journal
/// if !report.clean { … verification fails: report.matches[0].file, .offset, .patternIndex }
/// ```
public struct ResidueScanner: Sendable {
    let automaton: ResidueAutomaton
    /// How many identifiers were given.
    public let identifierCount: Int

    /// Compiles the identifiers.
    ///
    /// - Parameters:
    ///   - identifiers: the texts to look for (each non-empty).
    ///   - encodings: the encodings to look for each one in; UTF-8 by default.
    ///   - asciiCaseInsensitive: whether `A`–`Z` match `a`–`z` (e-mail addresses stored in another case).
    /// - Throws: `invalidInput` for an empty list or an empty identifier.
    public init(
        identifiers: [String], encodings: [ResidueEncoding] = [.utf8], asciiCaseInsensitive: Bool = false
    ) throws(LetheError) {
        guard !identifiers.isEmpty, !encodings.isEmpty else {
            throw LetheError(.invalidInput, "a residue scan needs at least one identifier and one encoding")
        }
        var patterns: [ResidueAutomaton.Pattern] = []
        for (index, identifier) in identifiers.enumerated() {
            guard !identifier.isEmpty else {
                throw LetheError(.invalidInput, "identifier \(index) of the residue scan is empty")
            }
            for encoding in Set(encodings).sorted(by: { $0.rawValue < $1.rawValue }) {
                patterns.append(.init(bytes: encoding.encode(identifier), identifierIndex: index, encoding: encoding))
            }
        }
        automaton = ResidueAutomaton(patterns: patterns, asciiCaseInsensitive: asciiCaseInsensitive)
        identifierCount = identifiers.count
    }

    /// Scans a SQLite database file and its `-wal` and `-journal` files (those that exist).
    public func scanDatabase(at path: String, matchLimit: Int = 1000) throws(LetheError) -> ResidueReport {
        try scan(files: [path, path + "-wal", path + "-journal"], matchLimit: matchLimit)
    }

    /// Scans files in order; a file that does not exist is skipped (and not listed in the report).
    public func scan(
        files: [String], matchLimit: Int = 1000, chunkSize: Int = 1 << 20
    ) throws(LetheError) -> ResidueReport {
        var report = ResidueReport(files: [], matches: [], totalMatches: 0)
        for file in files where FileManager.default.fileExists(atPath: file) {
            let bytes = try scan(file: file, chunkSize: chunkSize) { match in
                if report.matches.count < matchLimit { report.matches.append(match) }
                report.totalMatches += 1
            }
            report.files.append(.init(path: file, bytes: bytes))
        }
        return report
    }

    /// Scans one file, calling `found` for each match in file order. Returns the bytes read.
    public func scan(
        file: String, chunkSize: Int = 1 << 20, found: (ResidueMatch) -> Void
    ) throws(LetheError) -> Int64 {
        let descriptor = Foundation.open(file, O_RDONLY)
        guard descriptor >= 0 else {
            throw LetheError(.io, "cannot open \(file) for the residue scan: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 4096), alignment: 64)
        defer { buffer.deallocate() }
        var state: Int32 = 0
        var consumed: Int64 = 0
        let patterns = automaton.patterns
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw LetheError(
                    .io, "reading \(file) at offset \(consumed) failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            let chunkStart = consumed
            state = automaton.run(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), state: state) { end, index in
                let pattern = patterns[index]
                found(
                    ResidueMatch(
                        file: file, offset: chunkStart + Int64(end) - Int64(pattern.bytes.count) + 1,
                        patternIndex: pattern.identifierIndex, encoding: pattern.encoding))
            }
            consumed += Int64(count)
        }
        return consumed
    }

    /// Counts matches in bytes held in memory (for tests and small buffers).
    public func countMatches(in bytes: [UInt8]) -> Int {
        var total = 0
        _ = bytes.withUnsafeBytes { automaton.run($0, state: 0) { _, _ in total += 1 } }
        return total
    }
}
