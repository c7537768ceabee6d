import CSV
import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// A registered store as `store list` and `store show` present it.
public struct StoreSummary: Sendable {
    /// The declaration (a postgres connection string is never in it: it reads `<secret>`).
    public var declaration: DataStoreDeclaration
    /// The declaration as JSON, without secrets.
    public var json: JSONValue
    /// How many subjects the store holds.
    public var holdings: Int
    /// When the declaration was last applied.
    public var appliedAt: Date
}

extension ErasureService {
    /// Registers or updates every store a data map declares, in one transaction: idempotent
    /// (an unchanged declaration records nothing); each added or changed store is an event. Each
    /// `residue:` entry of a postgres store becomes a rolling backup of the store, kept in step
    /// with the map (see ``LetheApp/applyResidue(of:in:actor:at:)``).
    ///
    /// `yaml` is the data map's text; `fileName` names it in messages and in the events (no
    /// directory is recorded). Postgres connection strings are sealed under the installation key.
    /// A SQLite store whose database file exists, and a PostgreSQL store whose server answers, is
    /// checked against its schema first (a table, identity, key or reference column that does not
    /// exist fails with the store, table and column named; a refused login fails too).
    ///
    /// A relative path of a `sqlite` store is taken from `baseDirectory` (the map file's
    /// directory, as the front end knows it) and recorded absolute, so later runs from another
    /// directory find the same database.
    public func applyDataMap(
        yaml: String, fileName: String, baseDirectory: String? = nil, by principal: Principal
    ) async throws(LetheError) -> StoreApplyResult {
        try app.authorize(.applyDataMap, principal)
        var parsed = try DataMap.parse(yaml: yaml, file: fileName)
        if let baseDirectory {
            for index in parsed.stores.indices {
                if case .sqlite(let path) = parsed.stores[index].kind, !path.hasPrefix("/") {
                    parsed.stores[index].kind = .sqlite(
                        path: URL(
                            fileURLWithPath: path, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true)
                        )
                        .standardizedFileURL.path)
                }
            }
        }
        let map = parsed
        let secrets = try await app.loadedSecrets()
        let engines = app.executors
        // The customer's databases are opened on a thread of their own.
        try await OwnThread.run { () throws(LetheError) in
            for declaration in map.stores {
                guard let engine = engines.engine(for: declaration) else { continue }
                switch declaration.kind {
                case .sqlite(let database) where FileManager.default.fileExists(atPath: database):
                    _ = try engine.executor(hasher: secrets.hasher).verify(subjects: [], store: declaration)
                case .postgres:
                    // Checked against information_schema when the server answers; a server that
                    // cannot be reached now is checked again by every scan and run.
                    do throws(LetheError) {
                        _ = try engine.executor(hasher: secrets.hasher).verify(subjects: [], store: declaration)
                    } catch  where error.code == .io {
                        continue
                    }
                default: continue
                }
            }
        }
        let time = app.now
        let actor = principal.name
        let recordedName = (fileName as NSString).lastPathComponent
        let changes = try await app.store.write { (tx) throws(LetheError) in
            var changes: [StoreApplyChange] = []
            for declaration in map.stores {
                let existing = try tx.registeredStore(name: declaration.name)
                if let existing {
                    let old = try DataStoreCoding.declaration(
                        try CanonicalJSON.decode(existing.declaration), box: secrets.box)
                    if old == declaration {
                        // The rolling backups follow the declaration; checked all the same, so a
                        // store registered before they existed gets them.
                        let residue = try LetheApp.applyResidue(of: declaration, in: tx, actor: actor, at: time)
                        changes.append(
                            StoreApplyChange(name: declaration.name, change: .unchanged, residue: residue))
                        continue
                    }
                }
                var sealed: [UInt8]?
                if case .postgres(let connection) = declaration.kind {
                    sealed = try secrets.box.seal(connection.revealed, associatedData: declaration.name)
                }
                let json = DataStoreCoding.json(declaration, sealedConnection: sealed)
                try tx.save(
                    RegisteredStore(
                        name: declaration.name, kind: declaration.kind.word,
                        declaration: try CanonicalJSON.encode(json), appliedAt: time))
                let change: StoreChange = existing == nil ? .added : .changed
                try tx.append(
                    EventDraft(
                        type: .storeApplied,
                        payload: [
                            "store": .string(declaration.name), "change": .string(change.rawValue),
                            "file": .string(recordedName),
                            "declaration": DataStoreCoding.json(declaration, sealedConnection: nil),
                        ]), actor: actor, at: time)
                let residue = try LetheApp.applyResidue(of: declaration, in: tx, actor: actor, at: time)
                changes.append(StoreApplyChange(name: declaration.name, change: change, residue: residue))
            }
            return changes
        }
        return StoreApplyResult(stores: changes)
    }

    /// Every registered store, by name, without secrets.
    public func listStores(by principal: Principal) async throws(LetheError) -> StoreListResult {
        try app.authorize(.readStores, principal)
        return StoreListResult(
            stores: try await app.store.read { (tx) throws(LetheError) in try LetheApp.storeSummaries(in: tx) })
    }

    /// One registered store, without secrets; `not-found` when it is not registered.
    public func showStore(_ name: String, by principal: Principal) async throws(LetheError) -> StoreSummary {
        try app.authorize(.readStores, principal)
        return try await app.store.read { (tx) throws(LetheError) in
            let record = try LetheApp.requireStore(name, in: tx)
            return try LetheApp.summary(record, holdings: try tx.holdingCount(store: name))
        }
    }

    /// Reads the identity column of a registered database store (on a thread of its own), hashing
    /// as it goes, and records a holding for every subject found (one transaction, one event with
    /// the counts).
    public func scanStore(_ name: String, by principal: Principal) async throws(LetheError) -> StoreScanResult {
        try app.authorize(.scanStore, principal)
        let secrets = try await app.loadedSecrets()
        let declaration = try await declaration(of: name, secrets: secrets)
        let engine = try engine(
            for: declaration,
            refusal:
                "store \(name) is a \(declaration.kind.word) store; only sqlite and postgres stores can be scanned (import holdings with 'lethe holding import')"
        )
        let (read, digests) = try await OwnThread.run { () throws(LetheError) in
            var hashes = SortedHashCollector()
            let read = try engine.executor(hasher: secrets.hasher).scanIdentities(store: declaration) { hash in
                hashes.add(hash)
            }
            // Sorted and as flat bytes: the holdings B-tree is appended to, with no object per row.
            return (read, hashes.sortedUniqueBytes())
        }
        let time = app.now
        let actor = principal.name
        return try await app.store.write { (tx) throws(LetheError) in
            let added = try tx.insertHoldings(store: name, digests: digests, source: "scan", at: time)
            try tx.append(
                EventDraft(
                    type: .holdingsRecorded,
                    payload: [
                        "source": "scan", "store": .string(name), "identities_read": .integer(Int64(read)),
                        "added": .integer(Int64(added)),
                    ]), actor: actor, at: time)
            return StoreScanResult(store: name, identitiesRead: read, added: added)
        }
    }

    /// Imports holdings from CSV with the header `identifier,store` (`fileName` names it in
    /// messages and the event), streamed: every identifier is hashed at once with its store's
    /// normalisation and only the hash is kept. All or nothing: an unknown store, an empty
    /// identifier or a short row fails with its line and nothing is recorded. The parsing and
    /// hashing run on a thread of their own.
    public func importHoldings(
        csv: HoldingsSource, fileName: String, by principal: Principal
    ) async throws(LetheError) -> HoldingsImportResult {
        try app.authorize(.importHoldings, principal)
        let secrets = try await app.loadedSecrets()
        let stores = try await app.store.read { (tx) throws(LetheError) in try LetheApp.storeSummaries(in: tx) }
        var normalization: [String: IdentityNormalization] = [:]
        for summary in stores {
            normalization[summary.declaration.name] = summary.declaration.erasure?.normalization ?? .exact
        }
        let forms = normalization
        let (byStore, rows) = try await OwnThread.run { () throws(LetheError) in
            try Self.hashHoldings(csv: csv, name: fileName, normalization: forms, hasher: secrets.hasher)
        }
        let time = app.now
        let actor = principal.name
        let recordedName = (fileName as NSString).lastPathComponent
        return try await app.store.write { (tx) throws(LetheError) in
            var added: [String: Int] = [:]
            for (name, subjects) in byStore.sorted(by: { $0.key < $1.key }) {
                added[name] = try tx.insertHoldings(store: name, subjects: subjects, source: "import", at: time)
            }
            let total = added.values.reduce(0, +)
            try tx.append(
                EventDraft(
                    type: .holdingsRecorded,
                    payload: [
                        "source": "import", "file": .string(recordedName),
                        "rows": .integer(Int64(rows)), "added": .integer(Int64(total)),
                        "by_store": .object(added.mapValues { .integer(Int64($0)) }),
                    ]), actor: actor, at: time)
            return HoldingsImportResult(rows: rows, added: total, byStore: added)
        }
    }

    /// Parses holdings CSV and hashes each identifier: the hashes by store, and the rows read.
    static func hashHoldings(
        csv: HoldingsSource, name path: String, normalization: [String: IdentityNormalization],
        hasher: SubjectHasher
    ) throws(LetheError) -> ([String: [String]], Int) {
        guard let stream = csv.open() else { throw LetheError(.notFound, "cannot read \(path): no such readable file") }
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true, trimFields: false)
        } catch {
            throw LetheError(.invalidInput, "\(path): cannot read a CSV header row")
        }
        let header = (reader.headerRow ?? []).map { $0.trimmed.lowercased() }
        guard let identifierColumn = header.firstIndex(of: "identifier"),
            let storeColumn = header.firstIndex(of: "store")
        else {
            throw LetheError(.invalidInput, "\(path):1: the header must name the columns 'identifier' and 'store'")
        }
        var byStore: [String: [String]] = [:]
        var problems: [String] = []
        var line = 1
        var rows = 0
        while let cells = reader.next() {
            line += 1
            if cells.count == 1, cells[0].isEmpty { continue }
            guard cells.count > max(identifierColumn, storeColumn) else {
                problems.append("\(path):\(line): the row has \(cells.count) fields; expected identifier,store")
                continue
            }
            let storeName = cells[storeColumn].trimmed
            guard let form = normalization[storeName] else {
                problems.append("\(path):\(line): store '\(storeName)' is not registered; see 'lethe store list'")
                continue
            }
            let identifier = cells[identifierColumn]
            guard !identifier.trimmed.isEmpty else {
                problems.append("\(path):\(line): the identifier is empty")
                continue
            }
            byStore[storeName, default: []].append(hasher.hash(identifier, normalization: form).hex)
            rows += 1
        }
        switch reader.error {
        case nil, CSVError.cannotReadFile?:
            break  // the final empty read of the stream is reported as cannotReadFile: end of data
        case CSVError.unicodeDecoding?:
            problems.append("\(path):\(line + 1): the line is not valid UTF-8")
        case let error?:
            problems.append("\(path):\(line + 1): the file could not be read further (\(error))")
        }
        guard problems.isEmpty else {
            throw LetheError(
                .invalidInput, "\(path): \(problems.count) bad row(s); nothing was imported",
                details: Array(problems.prefix(20)), totalProblems: problems.count)
        }
        return (byStore, rows)
    }
}

extension LetheApp {
    /// Every registered store's summary with its holdings, as `tx` sees them.
    static func storeSummaries(in tx: any StoreReading) throws(LetheError) -> [StoreSummary] {
        try tx.registeredStores().map { (record) throws(LetheError) in
            try summary(record, holdings: try tx.holdingCount(store: record.name))
        }
    }

    static func summary(_ record: RegisteredStore, holdings: Int) throws(LetheError) -> StoreSummary {
        let declaration = try DataStoreCoding.declaration(try CanonicalJSON.decode(record.declaration), box: nil)
        return StoreSummary(
            declaration: declaration, json: DataStoreCoding.json(declaration, sealedConnection: nil),
            holdings: holdings, appliedAt: record.appliedAt)
    }

    static func requireStore(_ name: String, in tx: any StoreReading) throws(LetheError) -> RegisteredStore {
        guard let record = try tx.registeredStore(name: name) else {
            throw LetheError(
                .notFound, "store \(name) is not registered; see 'lethe store list' and 'lethe store apply'")
        }
        return record
    }

    /// The declaration of a registered store with its connection string opened (in memory only).
    func declaration(of name: String, secrets: InstallationSecrets) throws(LetheError) -> DataStoreDeclaration {
        let record = try store.read { (tx) throws(LetheError) in try Self.requireStore(name, in: tx) }
        return try DataStoreCoding.declaration(try CanonicalJSON.decode(record.declaration), box: secrets.box)
    }
}
