import Crypto
import Foundation
import GRDB
import GRDBSQLite
import LetheCore

extension SQLiteTransaction: IssuanceStoreReading {
    // The keys travel as one JSON array argument, expanded by json_each: one cached statement
    // whatever the chunk's size.

    // Rows are decoded from the cursors, which read SQLite's columns directly.

    func jobIDs(state: JobState) throws(LetheError) -> [Int64] {
        try guarded {
            try Int64.fetchAll(
                db.cachedStatement(sql: "SELECT id FROM job WHERE state = ? ORDER BY id"), arguments: [state.rawValue])
        }
    }

    func jobs(ids: [Int64]) throws(LetheError) -> [DisposalJob] {
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        let found = try jobGuarded {
            var jobs: [Int64: DisposalJob] = [:]
            jobs.reserveCapacity(ids.count)
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: "SELECT \(Self.jobColumns) FROM job WHERE id IN (SELECT value FROM json_each(?))"),
                arguments: [list])
            while let row = try rows.next() {
                let job = try Self.job(from: row)
                jobs[job.id] = job
            }
            return jobs
        }
        return ids.compactMap { found[$0] }
    }

    func assets(tags: [String]) throws(LetheError) -> [String: Asset] {
        let list = try Self.jsonArray(tags)
        return try guarded {
            let found = try fetchAssets(
                db.cachedStatement(
                    sql: "SELECT \(Self.assetColumns) FROM asset WHERE tag IN (SELECT value FROM json_each(?))"),
                [list])
            return Dictionary(found.map { ($0.tag, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    func eventBodies(type: EventType, assetTags: [String]) throws(LetheError) -> [String: [[UInt8]]] {
        let list = try Self.jsonArray(assetTags)
        return try guarded {
            var bodies: [String: [[UInt8]]] = [:]
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT asset_tag, body FROM event
                        WHERE type = ? AND asset_tag IN (SELECT value FROM json_each(?)) ORDER BY seq
                        """),
                arguments: [type.rawValue, list])
            while let row = try rows.next() {
                let tag: String = row[0]
                let body = try row.withUnsafeData(atIndex: 1) { data in data.map { [UInt8]($0) } ?? [] }
                bodies[tag, default: []].append(body)
            }
            return bodies
        }
    }

    func evidence(jobIDs: [Int64]) throws(LetheError) -> [Int64: [EvidenceDigest]] {
        let list = "[" + jobIDs.map(String.init).joined(separator: ",") + "]"
        return try jobGuarded {
            var evidence: [Int64: [EvidenceDigest]] = [:]
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT job_id, purpose, file_name, sha256, size_bytes, recorded_at FROM job_evidence
                        WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY id
                        """),
                arguments: [list])
            while let row = try rows.next() {
                let digest = EvidenceDigest(
                    jobID: row[0], purpose: try Self.word(row[1]), fileName: row[2], sha256: row[3], sizeBytes: row[4],
                    recordedAt: try RFC3339.parse(row[5]))
                evidence[digest.jobID, default: []].append(digest)
            }
            return evidence
        }
    }

    func prepareBulkIssuance(records: Int) throws(LetheError) {
        // About 4 KiB of pages per record (its row fills most of a page; its event, the indexes),
        // up to 128 MiB (a larger batch spills some pages early), never below SQLite's 2 MiB
        // default; back to the default when the connection is next opened.
        let kibibytes = min(131_072, max(2_000, records * 4))
        try guarded { try db.execute(sql: "PRAGMA cache_size = -\(kibibytes)") }
    }

    private static func jsonArray(_ texts: [String]) throws(LetheError) -> String {
        String(decoding: try CanonicalJSON.encode(.array(texts.map(JSONValue.string))), as: UTF8.self)
    }
}

extension SQLiteTransaction {
    /// Runs one write statement, bound through the C API of GRDB's cached statement: no
    /// `DatabaseValue` boxes and no `Data` copies of the blobs (the hot path of issuance).
    func executeBound(_ sql: String, _ bind: (OpaquePointer) -> Void) throws(LetheError) {
        let handle = try boundStatement(sql, bind)
        let result = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard result == SQLITE_DONE else { throw stepFailure() }
    }

    /// Runs one insert like ``executeBound(_:_:)`` whose large blob at `index`, the table's last
    /// column, is written after the row without SQLite ever copying it: the insert binds it as
    /// zeros of its length (a zero-blob in the row's last column is never materialised), then its
    /// bytes go into the new row through incremental blob I/O, in chunks, in the same transaction
    /// — no other connection sees the row before its bytes. Incremental I/O fires no trigger: it
    /// is used only here, on the row the statement has just inserted.
    func executeBound(
        insert sql: String, table: String, blobColumn column: String, blob: [UInt8], at index: Int32,
        _ bind: (OpaquePointer) -> Void
    ) throws(LetheError) {
        // A small blob (a disposal record: a few kilobytes) is bound as usual: opening a blob
        // handle costs more than the copy.
        guard blob.count > 65_536 else {
            try executeBound(sql) { handle in
                bind(handle)
                Bind.blob(handle, index, blob)
            }
            return
        }
        try executeBound(
            insert: sql, table: table, blobColumn: column, count: blob.count, at: index, bind
        ) { (write) throws(LetheError) in
            try SplicedBytes.withBytes(blob, write)
        }
    }

    /// Inserts the row with a zero-blob of `count` bytes, then has `pieces` write its bytes in
    /// order through the function it is given.
    private func executeBound(
        insert sql: String, table: String, blobColumn column: String, count: Int, at index: Int32,
        _ bind: (OpaquePointer) -> Void,
        pieces: ((UnsafeRawBufferPointer) throws(LetheError) -> Void) throws(LetheError) -> Void
    ) throws(LetheError) {
        let limit = Int(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_LENGTH, -1))
        guard count <= limit else {
            throw LetheError(
                .invalidInput, "a record of \(count) bytes is beyond the \(limit) bytes the store holds in one value")
        }
        try executeBound(sql) { handle in
            bind(handle)
            sqlite3_bind_zeroblob64(handle, index, sqlite3_uint64(count))
        }
        let handle = try openBlob(
            table: table, column: column, rowid: sqlite3_last_insert_rowid(db.sqliteConnection), writable: true)
        defer { sqlite3_blob_close(handle) }
        let chunk = Self.blobChunk
        var offset = 0
        try pieces { (bytes) throws(LetheError) in
            guard offset + bytes.count <= count else {
                throw LetheError(.internal, "a record's bytes ran beyond the \(count) bytes its row was made for")
            }
            var done = 0
            while done < bytes.count {
                let length = min(chunk, bytes.count - done)
                let result = sqlite3_blob_write(
                    handle, bytes.baseAddress! + done, Int32(length), Int32(offset + done))
                guard result == SQLITE_OK else { throw stepFailure() }
                done += length
            }
            offset += bytes.count
        }
        guard offset == count else {
            throw LetheError(.internal, "a record's bytes came to \(offset), not the \(count) its row was made for")
        }
    }

    /// Calls `body` with the bytes of `column` in row `rowid` of `table`, in order, 1 MB at a time.
    func forEachBlobPiece(
        table: String, column: String, rowid: Int64, _ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void
    ) throws(LetheError) {
        let handle = try openBlob(table: table, column: column, rowid: rowid, writable: false)
        defer { sqlite3_blob_close(handle) }
        try forEachPiece(of: handle, body)
    }

    /// Calls `body` with the bytes of the open blob `handle`, in order, 1 MB at a time.
    private func forEachPiece(
        of handle: OpaquePointer, _ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void
    ) throws(LetheError) {
        let count = Int(sqlite3_blob_bytes(handle))
        let chunk = Self.blobChunk
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(chunk, max(count, 1)), alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < count {
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(chunk, count - offset)])
            guard sqlite3_blob_read(handle, piece.baseAddress!, Int32(piece.count), Int32(offset)) == SQLITE_OK else {
                throw stepFailure()
            }
            try body(UnsafeRawBufferPointer(piece))
            offset += piece.count
        }
    }

    /// The size of the pieces a large blob is written and read in.
    private static let blobChunk = 1 << 20

    /// An incremental I/O handle on `column` of row `rowid` of `table`, in this transaction; the
    /// caller closes it.
    private func openBlob(
        table: String, column: String, rowid: Int64, writable: Bool
    ) throws(LetheError)
        -> OpaquePointer
    {
        var handle: OpaquePointer?
        guard
            sqlite3_blob_open(db.sqliteConnection, "main", table, column, rowid, writable ? 1 : 0, &handle)
                == SQLITE_OK, let handle
        else {
            let failure = stepFailure()
            sqlite3_blob_close(handle)
            throw failure
        }
        return handle
    }

    /// GRDB's cached statement for `sql`, reset, its old bindings cleared, and bound by `bind`.
    private func boundStatement(_ sql: String, _ bind: (OpaquePointer) -> Void) throws(LetheError) -> OpaquePointer {
        let statement: Statement
        do {
            statement = try db.cachedStatement(sql: sql)
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        bind(handle)
        return handle
    }
}

/// Binding helpers; SQLite copies text and blobs bound as transient before the call returns.
enum Bind {
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func text(_ handle: OpaquePointer, _ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        _ = value.withUTF8 { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), transient) }
    }

    static func blob(_ handle: OpaquePointer, _ index: Int32, _ value: [UInt8]?) {
        guard let value else {
            sqlite3_bind_null(handle, index)
            return
        }
        // A zero-length blob needs a non-null pointer to be a blob and not NULL.
        if value.isEmpty {
            sqlite3_bind_zeroblob(handle, index, 0)
            return
        }
        _ = value.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
    }

    /// Binds `bytes` as a blob (copied by SQLite; at least one byte, or the blob is NULL).
    static func bytes(_ handle: OpaquePointer, _ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        sqlite3_bind_blob64(handle, index, bytes.baseAddress, sqlite3_uint64(bytes.count), transient)
    }

    static func integer(_ handle: OpaquePointer, _ index: Int32, _ value: Int64?) {
        guard let value else {
            sqlite3_bind_null(handle, index)
            return
        }
        sqlite3_bind_int64(handle, index, value)
    }
}
