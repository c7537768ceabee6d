import Crypto
import Foundation
import LetheCore
import LetheStore

/// A text file a front end read for a use case: its plain name (for messages and evidence) and
/// its text.
public struct NamedText: Sendable, Hashable {
    /// The file's name, without a directory.
    public var name: String
    /// Its content.
    public var text: String

    /// Creates a named text.
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// What an asset import is asked to do.
public struct ImportRequest: Sendable {
    /// The file's plain name, as the front end received it: recorded in the import's event and
    /// used in messages.
    public var fileName: String
    /// Its column layout.
    public var format: ImportFormat
    /// The Snipe-IT mapping (only for `.snipeit`).
    public var mapping: SnipeITMapping
    /// A mapping file extending ``mapping`` (`--mapping`), parsed by the import.
    public var mappingFile: NamedText?
    /// Update assets that are already registered instead of refusing them.
    public var update: Bool
    /// Validate only: write nothing.
    public var dryRun: Bool
    /// How many bad rows an error lists (the rest are counted).
    public var maxListedProblems: Int

    /// Creates a request.
    public init(
        fileName: String, format: ImportFormat = .lethe, mapping: SnipeITMapping = .builtIn,
        mappingFile: NamedText? = nil, update: Bool = false, dryRun: Bool = false, maxListedProblems: Int = 50
    ) {
        self.fileName = fileName
        self.format = format
        self.mapping = mapping
        self.mappingFile = mappingFile
        self.update = update
        self.dryRun = dryRun
        self.maxListedProblems = maxListedProblems
    }
}

/// What an import did (or, for a dry run, would do).
public struct ImportSummary: Sendable, Hashable, Codable {
    /// Rows read (blank lines not counted).
    public var rows: Int
    /// Assets newly registered.
    public var registered: Int
    /// Existing assets changed (with `--update`).
    public var updated: Int
    /// Existing assets whose row changed nothing.
    public var unchanged: Int
    /// SHA-256 of the file, hex.
    public var sha256: String
    /// Whether this was a dry run (nothing written).
    public var dryRun: Bool
    /// The file's columns that fed no field (a Snipe-IT file's purchase cost, a second serial
    /// column …), in file order: nothing is dropped without being listed here.
    public var ignoredColumns: [IgnoredColumn] = []

    enum CodingKeys: String, CodingKey {
        case rows, registered, updated, unchanged, sha256
        case dryRun = "dry_run"
        case ignoredColumns = "ignored_columns"
    }
}

extension AssetService {
    /// Imports assets from the bytes of a CSV file, all or nothing.
    ///
    /// The bytes are streamed: parsing (and hashing) runs on its own thread while rows are
    /// validated and written in one transaction on the database's queue. New assets are recorded by
    /// one `import.completed` event holding the file's name and SHA-256 and the counts, to which
    /// each asset row links; updates and state changes made by the import get an event per asset.
    /// Every bad row is collected (line, column, value, reason); if there is any, the transaction
    /// is rolled back and the error lists the first ones and the count. A dry run always rolls back.
    ///
    /// - Parameter progress: called every few thousand rows with the number of rows read.
    public func importAssets(
        _ request: ImportRequest, from bytes: any ImportByteSource, by principal: Principal,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws(LetheError) -> ImportSummary {
        try app.authorize(.importAssets, principal)
        let actor = principal.name
        let time = app.now
        let fileName = request.fileName
        var mapping = request.mapping
        if let file = request.mappingFile {
            mapping = try SnipeITMapping.builtIn(extendedBy: file.text, file: file.name)
        }
        let source = CSVRowSource(bytes, name: fileName)
        defer { source.cancel() }
        let header = try await source.start()
        let columns = try ImportColumns(header: header, format: request.format, mapping: mapping, file: fileName)
        return try await app.store.write(dryRun: request.dryRun) { (tx) throws(LetheError) in
            try LetheApp.importRows(
                from: source, columns: columns, request: request, in: tx, actor: actor, at: time, progress: progress)
        }
    }
}

extension LetheApp {
    /// The rows of an import, written in the caller's transaction (on the database's queue, where
    /// waiting for the parsing thread blocks no Swift concurrency thread).
    static func importRows(
        from source: CSVRowSource, columns: ImportColumns, request: ImportRequest, in tx: any StoreWriting,
        actor: String, at time: Date, progress: (@Sendable (Int) -> Void)?
    ) throws(LetheError) -> ImportSummary {
        var problems: [String] = []
        var problemCount = 0
        func report(_ line: Int, _ column: String, _ value: String, _ reason: String) {
            problemCount += 1
            if problems.count < request.maxListedProblems {
                problems.append("line \(line), column \(column) \(Quoted(value)): \(reason)")
            }
        }
        var summary = ImportSummary(
            rows: 0, registered: 0, updated: 0, unchanged: 0, sha256: "", dryRun: request.dryRun,
            ignoredColumns: columns.ignored)
        let mark = try tx.registrationMark()
        let fileName = request.fileName
        // The digest is known once the last row is read; the import's row gets it at the end.
        let importID = try tx.beginImport(
            fileName: fileName, sha256: String(repeating: "0", count: 64), format: request.format.rawValue)
        while let batch = try source.nextBatch() {
            for record in batch {
                summary.rows += 1
                guard record.cells.count == columns.columnCount else {
                    report(
                        record.line, "*", record.cells.joined(separator: ","),
                        "the row has \(record.cells.count) fields but the header has \(columns.columnCount)")
                    continue
                }
                let fields: AssetFields
                switch columns.fields(record.cells) {
                case .success(let value): fields = value
                case .failure(let found):
                    for problem in found.problems {
                        report(record.line, problem.field, problem.value, problem.reason)
                    }
                    continue
                }
                let tag = fields.tag?.trimmed ?? ""
                if request.update, !tag.isEmpty, let existing = try tx.asset(tag: tag),
                    !(try tx.registeredSince(mark, tag: tag))
                {
                    let outcome = try Self.importUpdate(
                        existing, fields, line: record.line, columns: columns, tx: tx, actor: actor, at: time)
                    switch outcome {
                    case .failure(let found):
                        for problem in found.problems {
                            report(record.line, columns.columnName(problem.field), problem.value, problem.reason)
                        }
                    case .success(true): summary.updated += 1
                    case .success(false): summary.unchanged += 1
                    }
                    continue
                }
                let asset: Asset
                switch fields.newAsset(at: time) {
                case .success(let value): asset = value
                case .failure(let found):
                    for problem in found.problems {
                        report(record.line, columns.columnName(problem.field), problem.value, problem.reason)
                    }
                    continue
                }
                do throws(LetheError) {
                    try tx.insert(asset, importID: importID, line: record.line)
                } catch {
                    guard error.code == .conflict else { throw error }
                    let inFile = try tx.registeredSince(mark, tag: asset.tag)
                    report(
                        record.line, columns.columnName(AssetFields.Name.tag), asset.tag,
                        inFile
                            ? "the tag appears more than once in the file"
                            : "the tag is already registered (use --update to update registered assets)")
                    continue
                }
                if let parent = asset.parentTag, try tx.asset(tag: parent) == nil {
                    try tx.deferParentCheck(PendingParent(line: record.line, tag: asset.tag, parentTag: parent))
                }
                summary.registered += 1
            }
            progress?(summary.rows)
        }
        summary.sha256 = source.digest
        let unresolved = try tx.unresolvedParents(limit: request.maxListedProblems)
        for pending in unresolved.first {
            report(
                pending.line, columns.columnName(AssetFields.Name.parentTag), pending.parentTag,
                "the parent is neither registered nor in the file, or it is attached to this asset")
        }
        problemCount += max(0, unresolved.total - unresolved.first.count)
        guard problemCount == 0 else {
            throw LetheError(
                .invalidInput,
                "\(fileName): \(problemCount) problem\(problemCount == 1 ? "" : "s") in \(summary.rows) rows; nothing was imported",
                details: problems, totalProblems: problemCount)
        }
        // One event records the import: the file's digest pins every registered row, and each
        // asset row links to this import (and its line), so its history shows the event.
        let event = try tx.append(
            EventDraft(
                type: .importCompleted,
                payload: [
                    "import_id": .integer(importID),
                    "file": .string(fileName),
                    "sha256": .string(summary.sha256), "format": .string(request.format.rawValue),
                    "rows": .integer(Int64(summary.rows)), "registered": .integer(Int64(summary.registered)),
                    "updated": .integer(Int64(summary.updated)),
                    "ignored_columns": .array(summary.ignoredColumns.map { .string($0.name) }),
                ]),
            actor: actor, at: time)
        try tx.finishImport(id: importID, eventSeq: event.seq, sha256: summary.sha256)
        return summary
    }

    /// Updates a registered asset from an import row; a changed state goes through the lifecycle.
    /// An empty serial, capacity, media type, classification or encryption cell leaves its field
    /// as it is: a sheet exported with gaps must not wipe what the sanitization's serial and size
    /// checks compare. Those are cleared with `lethe asset update` or the API's PATCH; other empty
    /// cells clear their field (a Snipe-IT check-in empties the custodian).
    private static func importUpdate(
        _ existing: Asset, _ fields: AssetFields, line: Int, columns: ImportColumns, tx: any StoreWriting,
        actor: String, at time: Date
    ) throws(LetheError) -> Result<Bool, FieldProblems> {
        var descriptive = fields.identityKeptWhereEmpty
        descriptive.state = nil
        let updated: Asset
        switch descriptive.applied(to: existing, at: time) {
        case .success(let value): updated = value
        case .failure(let problems): return .failure(problems)
        }
        var target: LifecycleState?
        if let text = fields.state, !text.trimmed.isEmpty {
            do {
                let state = try LifecycleState.parse(text)
                if state != existing.state {
                    _ = try Lifecycle.transition(tag: existing.tag, from: existing.state, to: state)
                    target = state
                }
            } catch {
                return .failure(
                    FieldProblems([FieldProblem(field: AssetFields.Name.state, value: text, reason: error.message)]))
            }
        }
        let changes = existing.changes(to: updated)
        if !changes.isEmpty {
            if let parent = updated.parentTag, parent != existing.parentTag, try tx.asset(tag: parent) == nil {
                try tx.deferParentCheck(PendingParent(line: line, tag: existing.tag, parentTag: parent))
            }
            try tx.update(updated)
            try tx.append(
                EventDraft(
                    type: .assetUpdated, assetTag: existing.tag,
                    payload: ["changes": .object(changes), "source": "csv-import", "line": .integer(Int64(line))]),
                actor: actor, at: time)
        }
        if let target {
            _ = try move(updated, to: target, in: tx, actor: actor, at: time, details: ["source": "csv-import"])
        }
        return .success(!changes.isEmpty || target != nil)
    }
}
