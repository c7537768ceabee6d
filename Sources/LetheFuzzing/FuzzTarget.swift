import Foundation
import Lethe
import LetheCore
import LetheEvidence
@_spi(Fuzzing) import LetheSanitize

/// The parsers of outside input that the fuzzers drive: each takes arbitrary bytes, must never
/// crash, and checks a property of what it accepted (a violated property is a crash, which
/// libFuzzer reports with the input that caused it).
///
/// `scripts/fuzz.sh` builds `lethe-fuzz` with `-sanitize=fuzzer,address` and runs each target for a
/// bounded time; `LetheFuzzingTests` replays the seed corpus and every saved crash on each test run.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The canonical JSON parser (events, records, log entries, bundle files).
    case json
    /// Policy YAML (`policies/*.yaml`).
    case policy
    /// Data-map YAML (`lethe store apply`).
    case dataMap = "data-map"
    /// nwipe log files (`lethe evidence import-nwipe`).
    case nwipe
    /// A CSV asset import in Lethe's own columns (dry run, through the whole import use case).
    case csv
    /// A CSV asset import in Snipe-IT's columns (dry run).
    case csvSnipeIT = "csv-snipeit"
    /// Evidence-bundle verification: the input replaces one file of a valid bundle.
    case bundle
    /// The unused-space check that reads a customer's SQLite file through raw buffer pointers.
    case sqliteUnusedSpace = "sqlite-unused-space"

    /// Runs one input through the target; traps (a crash for libFuzzer) when a property fails.
    /// For libFuzzer's entry point and other callers outside Swift concurrency: an import target
    /// waits for its asynchronous use case.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .csv: FuzzImport.shared.runWaiting(bytes, format: .lethe)
        case .csvSnipeIT: FuzzImport.shared.runWaiting(bytes, format: .snipeit)
        default: runSynchronous(bytes)
        }
    }

    /// Runs one input through the target from a task: an import target awaits its use case.
    public func run(_ bytes: [UInt8]) async {
        switch self {
        case .csv: await FuzzImport.shared.run(bytes, format: .lethe)
        case .csvSnipeIT: await FuzzImport.shared.run(bytes, format: .snipeit)
        default: runSynchronous(bytes)
        }
    }

    private func runSynchronous(_ bytes: [UInt8]) {
        switch self {
        case .json: Self.json(bytes)
        case .policy: Self.policy(bytes)
        case .dataMap: _ = try? DataMap.parse(yaml: String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
        case .nwipe: _ = try? NwipeLog(bytes: bytes, fileName: "fuzz.log")
        case .csv, .csvSnipeIT: preconditionFailure("an import target runs through run(_:) async")
        case .bundle: FuzzBundle.run(bytes)
        case .sqliteUnusedSpace: _ = bytes.withUnsafeBytes { SQLiteUnusedSpace.check($0) }
        }
    }

    /// Accepted JSON re-encodes canonically, and the canonical form decodes to the same value and
    /// encodes to the same bytes (what Lethe signs must be stable).
    private static func json(_ bytes: [UInt8]) {
        let whole = try? CanonicalJSON.decode(bytes)
        deferredJSON(bytes, whole: whole)
        // The check made piece by piece (as a bundle's record is checked) answers as the whole
        // round trip does, whatever the size of its pieces.
        let roundTrip = whole.flatMap { try? CanonicalJSON.encode($0) } == bytes
        for pieceSize in [1, 5, 64, 1 << 20] {
            precondition(
                CanonicalJSON.isCanonical(bytes, pieceSize: pieceSize) == roundTrip,
                "the canonical check in pieces of \(pieceSize) bytes differs from the round trip")
        }
        guard let value = whole else { return }
        guard let canonical = try? CanonicalJSON.encode(value) else { return }  // an integer out of range
        guard let again = try? CanonicalJSON.decode(canonical) else {
            fatalError("canonical JSON the encoder wrote does not parse: \(canonical.count) bytes")
        }
        precondition(again == value, "canonical JSON does not decode to the value it encodes")
        precondition((try? CanonicalJSON.encode(again)) == canonical, "canonical JSON is not stable")
    }

    /// Read with every top-level member deferred (as the PDF reads a report's rows), JSON reads
    /// as the whole parse reads it: the same value when valid, and refused — when parsed or when
    /// its items are read — when not. Read held whole (``DeferredJSON``) and read in pieces of
    /// several sizes (``StreamedJSON``, as the PDF reads a year's record from its spool file).
    private static func deferredJSON(_ bytes: [UInt8], whole: JSONValue?) {
        let deferring: @Sendable ([String]) -> Bool = { $0.count == 1 }
        let held = read(try DeferredJSON(bytes, deferring: deferring)) { (document, key) throws(LetheError) in
            try document.items(at: [key]).map(\.jsonValue)
        }
        precondition(held == whole, "JSON read with deferred members differs from the whole parse")
        for pieceSize in [1, 7, 1 << 20] {
            let source = FuzzPieces(bytes, pieceSize: pieceSize)
            let streamed = read(try StreamedJSON(source, deferring: deferring)) { (document, key) throws(LetheError) in
                let items = document.items(at: [key], windowBytes: 16)
                return try (0..<items.count).map { (index) throws(LetheError) in try items.item(index).jsonValue }
            }
            precondition(streamed == whole, "JSON read in pieces of \(pieceSize) differs from the whole parse")
        }
    }

    /// The value a document with deferred top-level members reads as, its members' items read by
    /// `items`; nil when it is refused, parsed or read.
    private static func read<Document: DeferredDocument>(
        _ parse: @autoclosure () throws(LetheError) -> Document,
        items: (Document, String) throws(LetheError) -> [JSONValue]
    ) -> JSONValue? {
        guard let document = try? parse() else { return nil }
        guard case .object(var members) = document.value else { return document.value }
        for (key, stand) in members {
            guard let values = try? items(document, key) else { return nil }
            // A deferred array stands as an empty array, any other value as null.
            members[key] = stand == .array([]) ? .array(values) : values.first
        }
        return .object(members)
    }

    /// A policy file either yields a policy set with no problems, or problems that each point into
    /// the file.
    private static func policy(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let verdict = PolicyParser.parse(files: [(name: "fuzz.yaml", text: text)])
        precondition(verdict.isValid || !verdict.problems.isEmpty, "an invalid policy set names no problem")
        // YAML breaks lines at LF, CR, CR LF, NEL, LS and PS (a Character holds CR LF as one).
        // Counted in place: `filter` would build a String in which a CR and a later LF, once
        // adjacent, join into one Character and undercount the lines.
        let breaks: Set<Character> = ["\n", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}"]
        let lines = 1 + text.count(where: breaks.contains)
        for problem in verdict.problems where problem.file == "fuzz.yaml" {
            precondition(
                problem.line >= 1 && problem.line <= lines + 1,
                "a problem points outside the file: \(problem.line) of \(lines) lines")
        }
    }
}

/// A document read with values deferred: held whole, or read in pieces.
private protocol DeferredDocument {
    var value: JSONValue { get }
}

extension DeferredJSON: DeferredDocument {}
extension StreamedJSON: DeferredDocument {}

/// Bytes handed out in pieces of `pieceSize`, as a spool file's reader hands them.
private final class FuzzPieces: PiecewiseBytes {
    let whole: [UInt8]
    let pieceSize: Int

    init(_ bytes: [UInt8], pieceSize: Int) {
        whole = bytes
        self.pieceSize = pieceSize
    }

    var count: Int { whole.count }

    func forEachPiece(_ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void) throws(LetheError) {
        var offset = 0
        while offset < whole.count {
            let end = min(offset + pieceSize, whole.count)
            var failure: LetheError?
            whole[offset..<end].withUnsafeBytes { piece in
                do throws(LetheError) { try body(piece) } catch { failure = error }
            }
            if let failure { throw failure }
            offset = end
        }
    }

    func bytes(in range: Range<Int>) -> [UInt8] { Array(whole[range]) }
}
