import CSV
import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// What `store apply` did to one store.
public struct StoreApplyChange: Sendable, Hashable {
    /// The store's name.
    public var name: String
    /// `added`, `changed` or `unchanged`.
    public var change: String
}

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

/// What recording holdings did.
public struct HoldingsRecorded: Sendable, Hashable {
    /// Identities read (rows of the file, or non-null identities in the store).
    public var read: Int
    /// Holdings that were new.
    public var added: Int
    /// Per store, holdings that were new (import only).
    public var byStore: [String: Int]
}

extension LetheApp {
    /// Registers or updates every store a data map declares, in one transaction: idempotent
    /// (an unchanged declaration records nothing); each added or changed store is an event.
    ///
    /// Postgres connection strings are sealed under the installation key. A SQLite store whose
    /// database file exists is checked against its schema first (an identity column that does not
    /// exist fails with the store, table and column named).
    public func applyStores(file path: String, actor: String) throws(LetheError) -> [StoreApplyChange] {
        let actor = try ActorName.validate(actor)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LetheError(.notFound, "cannot read the data map \(path): no such readable file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LetheError(.invalidInput, "\(path): the data map is not UTF-8 text")
        }
        let map = try DataMap.parse(yaml: text, file: path)
        let secrets = try secrets()
        let executor = SQLiteErasureExecutor(hasher: secrets.hasher)
        for declaration in map.stores {
            if case .sqlite(let database) = declaration.kind, FileManager.default.fileExists(atPath: database) {
                _ = try executor.verify(subjects: [], store: declaration)
            }
        }
        let time = now
        return try store.write { (tx) throws(LetheError) in
            var changes: [StoreApplyChange] = []
            for declaration in map.stores {
                let existing = try tx.registeredStore(name: declaration.name)
                if let existing {
                    let old = try DataStoreCoding.declaration(
                        try CanonicalJSON.decode(existing.declaration), box: secrets.box)
                    if old == declaration {
                        changes.append(StoreApplyChange(name: declaration.name, change: "unchanged"))
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
                let change = existing == nil ? "added" : "changed"
                try tx.append(
                    EventDraft(
                        type: .storeApplied,
                        payload: [
                            "store": .string(declaration.name), "change": .string(change),
                            "file": .string((path as NSString).lastPathComponent),
                            "declaration": DataStoreCoding.json(declaration, sealedConnection: nil),
                        ]), actor: actor, at: time)
                changes.append(StoreApplyChange(name: declaration.name, change: change))
            }
            return changes
        }
    }

    /// Every registered store, by name, without secrets.
    public func listStores() throws(LetheError) -> [StoreSummary] {
        try store.read { (tx) throws(LetheError) in
            try tx.registeredStores().map { (record) throws(LetheError) in
                try Self.summary(record, holdings: try tx.holdingCount(store: record.name))
            }
        }
    }

    /// One registered store, without secrets; `not-found` when it is not registered.
    public func showStore(name: String) throws(LetheError) -> StoreSummary {
        try store.read { (tx) throws(LetheError) in
            let record = try Self.requireStore(name, in: tx)
            return try Self.summary(record, holdings: try tx.holdingCount(store: name))
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

    /// Reads the identity column of a registered SQLite store, hashing as it goes, and records a
    /// holding for every subject found (one transaction, one event with the counts).
    public func scanStore(name: String, actor: String) throws(LetheError) -> HoldingsRecorded {
        let actor = try ActorName.validate(actor)
        let secrets = try secrets()
        let declaration = try declaration(of: name, secrets: secrets)
        guard case .sqlite = declaration.kind, declaration.erasure != nil else {
            throw LetheError(
                .usage,
                "store \(name) is a \(declaration.kind.word) store; only sqlite stores can be scanned (import holdings with 'lethe holding import')"
            )
        }
        let executor = SQLiteErasureExecutor(hasher: secrets.hasher)
        var hashes = SortedHashCollector()
        let read = try executor.scanIdentities(store: declaration) { hash in hashes.add(hash) }
        // Sorted and as flat bytes: the holdings B-tree is appended to, with no object per row.
        let digests = hashes.sortedUniqueBytes()
        let time = now
        return try store.write { (tx) throws(LetheError) in
            let added = try tx.insertHoldings(store: name, digests: digests, source: "scan", at: time)
            try tx.append(
                EventDraft(
                    type: .holdingsRecorded,
                    payload: [
                        "source": "scan", "store": .string(name), "identities_read": .integer(Int64(read)),
                        "added": .integer(Int64(added)),
                    ]), actor: actor, at: time)
            return HoldingsRecorded(read: read, added: added, byStore: [name: added])
        }
    }

    /// Imports holdings from a CSV file with the header `identifier,store`: every identifier is
    /// hashed at once with its store's normalisation and only the hash is kept. All or nothing: an
    /// unknown store, an empty identifier or a short row fails with its line and nothing is recorded.
    public func importHoldings(file path: String, actor: String) throws(LetheError) -> HoldingsRecorded {
        let actor = try ActorName.validate(actor)
        let secrets = try secrets()
        guard let stream = InputStream(fileAtPath: path), FileManager.default.isReadableFile(atPath: path) else {
            throw LetheError(.notFound, "cannot read \(path): no such readable file")
        }
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
        let stores = try listStores()
        var normalization: [String: IdentityNormalization] = [:]
        for summary in stores {
            normalization[summary.declaration.name] = summary.declaration.erasure?.normalization ?? .exact
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
            byStore[storeName, default: []].append(secrets.hasher.hash(identifier, normalization: form).hex)
            rows += 1
        }
        switch reader.error {
        case nil, CSVError.cannotReadFile?:
            break  // on Linux the final empty read of the stream is reported as cannotReadFile: end of file
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
        let time = now
        return try store.write { (tx) throws(LetheError) in
            var added: [String: Int] = [:]
            for (name, subjects) in byStore.sorted(by: { $0.key < $1.key }) {
                added[name] = try tx.insertHoldings(store: name, subjects: subjects, source: "import", at: time)
            }
            let total = added.values.reduce(0, +)
            try tx.append(
                EventDraft(
                    type: .holdingsRecorded,
                    payload: [
                        "source": "import", "file": .string((path as NSString).lastPathComponent),
                        "rows": .integer(Int64(rows)), "added": .integer(Int64(total)),
                        "by_store": .object(added.mapValues { .integer(Int64($0)) }),
                    ]), actor: actor, at: time)
            return HoldingsRecorded(read: rows, added: total, byStore: added)
        }
    }
}
