import Foundation
import GRDB
import GRDBSQLite
import LetheCore

/// The descriptive fields of one asset as the register holds them, as a report reads them.
public struct AssetDescription: Sendable, Hashable {
    /// The asset's tag.
    public var tag: String
    /// Its serial, if recorded.
    public var serial: String?
    /// Its make, if recorded.
    public var make: String?
    /// Its model, if recorded.
    public var model: String?
    /// Its media type, as stored (`hdd`).
    public var mediaType: String
    /// Its classification, as stored (`moderate`).
    public var classification: String

    /// Creates a description.
    public init(
        tag: String, serial: String?, make: String?, model: String?, mediaType: String, classification: String
    ) {
        self.tag = tag
        self.serial = serial
        self.make = make
        self.model = model
        self.mediaType = mediaType
        self.classification = classification
    }
}

/// The stored bytes of a batch of log entries, one after another in one buffer (a buffer a batch
/// rather than an array an entry: a report reads ten million entries).
public struct EventBodies: Sendable {
    /// The entries' bytes, back to back.
    public var bytes: [UInt8] = []
    /// Where each entry's bytes end in ``bytes`` (each starts where the one before ends).
    public var ends: [Int] = []
    /// The log entry (sequence number) of the batch's last.
    public var through: Int64 = 0

    /// An empty batch.
    public init() {}

    /// The entries in the batch.
    public var count: Int { ends.count }

    /// Where entry `index`'s bytes are in ``bytes``.
    public func range(_ index: Int) -> Range<Int> {
        let start: Int = index == 0 ? 0 : ends[index - 1]
        return start..<ends[index]
    }

    /// Empties the batch, keeping its buffers (a batch is reused: the buffers of a batch are
    /// larger than the blocks the allocator keeps, and a fresh one costs the kernel's zeroing
    /// of every page).
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        through = 0
    }

    /// Appends an entry's bytes.
    public mutating func append(_ body: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: body)
        ends.append(bytes.count)
    }
}

/// The bulk reads of reports: the log's entries of the kinds a report folds, and the register's
/// descriptive fields, streamed in order instead of fetched row by row.
public protocol ReportScanReading {
    /// Hands over, in log order and in batches of at most `batch`, the stored bytes of the
    /// events after entry `start` (0: from the first) through `size` whose type is one of `types` or that are about
    /// `asset` (when given). `handOff` returns the batch to fill next (a batch it was handed
    /// before, once done with it, or a new one).
    func scanEventBodies(
        after start: Int64, through size: Int64, types: [EventType], orAsset asset: String?, batch: Int,
        _ handOff: (_ bodies: EventBodies) throws(LetheError) -> EventBodies
    ) throws(LetheError)

    /// The descriptive fields of every registered asset, in the table's order (a caller that
    /// needs them by tag keys them so: read through the tag's index, a million assets cost a
    /// lookup in the table each).
    func scanAssetDescriptions(_ body: (AssetDescription) throws(LetheError) -> Void) throws(LetheError)
}

extension SQLiteTransaction: ReportScanReading {
    func scanEventBodies(
        after start: Int64, through size: Int64, types: [EventType], orAsset asset: String?, batch: Int,
        _ handOff: (_ bodies: EventBodies) throws(LetheError) -> EventBodies
    ) throws(LetheError) {
        // The primary key is the rowid: the scan walks the table in order without sorting, and
        // SQLite reads the body (the large column) only of the rows the `type` test keeps.
        let placeholders = types.indices.map { "?\($0 + 4)" }.joined(separator: ", ")
        let statement: Statement
        do {
            statement = try db.makeStatement(
                sql: """
                    SELECT body, seq FROM event
                    WHERE seq > ?3 AND seq <= ?1 AND (type IN (\(placeholders.isEmpty ? "NULL" : placeholders)) OR asset_tag = ?2)
                    ORDER BY seq
                    """)
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
        let handle = statement.sqliteStatement
        sqlite3_bind_int64(handle, 1, size)
        Bind.text(handle, 2, asset)
        sqlite3_bind_int64(handle, 3, start)
        for (index, type) in types.enumerated() { Bind.text(handle, Int32(index + 4), type.rawValue) }
        defer { sqlite3_reset(handle) }
        let limit = max(1, batch)
        var bodies = EventBodies()
        while true {
            let result = sqlite3_step(handle)
            if result == SQLITE_DONE { break }
            guard result == SQLITE_ROW else { throw stepFailure() }
            // sqlite3_column_bytes after sqlite3_column_blob, as SQLite's documentation asks.
            let body = sqlite3_column_blob(handle, 0)
            bodies.append(UnsafeRawBufferPointer(start: body, count: Int(sqlite3_column_bytes(handle, 0))))
            bodies.through = sqlite3_column_int64(handle, 1)
            if bodies.count == limit {
                // Another batch to fill: the one handed over is read on other threads meanwhile.
                bodies = try handOff(bodies)
                bodies.removeAll()
            }
        }
        if bodies.count > 0 { _ = try handOff(bodies) }
    }

    func scanAssetDescriptions(_ body: (AssetDescription) throws(LetheError) -> Void) throws(LetheError) {
        let statement: Statement
        do {
            statement = try db.makeStatement(
                sql: "SELECT tag, serial, make, model, media_type, classification FROM asset")
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        func text(_ column: Int32) -> String? {
            guard let bytes = sqlite3_column_text(handle, column) else { return nil }
            let count = Int(sqlite3_column_bytes(handle, column))
            return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        }
        while true {
            let result = sqlite3_step(handle)
            if result == SQLITE_DONE { break }
            guard result == SQLITE_ROW else { throw stepFailure() }
            try body(
                AssetDescription(
                    tag: text(0) ?? "", serial: text(1), make: text(2), model: text(3), mediaType: text(4) ?? "",
                    classification: text(5) ?? ""))
        }
    }
}
