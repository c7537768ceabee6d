import Dispatch
import GRDB
import LetheCore

#if canImport(GRDBSQLite)
    import GRDBSQLite  // GRDB's SQLite C module (Linux); Apple platforms use the system SQLite3 module.
#else
    import SQLite3
#endif

extension SQLiteErasureExecutor {
    /// How many identity values are read before they are hashed together.
    static let scanBatch = 8192

    /// Streams the keyed hash of every non-null identity value, read-only, with the store's
    /// normalisation, in one read transaction (one consistent snapshot).
    ///
    /// Values are read and hashed as ``hashRows(_:rowIDs:keyed:normalization:_:)`` does, and the
    /// hashes handed to `body` in table order. Memory stays bounded by two batches.
    public func scanIdentities(
        store: DataStoreDeclaration, _ body: (SubjectHash) throws(LetheError) -> Void
    ) throws(LetheError) -> Int {
        let (path, plan) = try Self.target(store)
        let queue = try open(path, store: store, readonly: true)
        let keyed = hasher.makeKeyed()
        let normalization = plan.normalization
        var bodyError: LetheError?
        let count = try Self.mapErrors(store: store, path: path) {
            try queue.read { db in
                let resolved = try ResolvedPlan(plan, store: store.name, db: db)
                let column = resolved.identityColumn.quoted
                let statement = try db.makeStatement(
                    sql: "SELECT \(column) FROM \(resolved.identityTable.quoted) WHERE \(column) IS NOT NULL")
                return try Self.hashRows(statement, rowIDs: false, keyed: keyed, normalization: normalization) {
                    hash, _ in
                    do { try body(hash) } catch {
                        bodyError = (error as? LetheError) ?? LetheError(.internal, "\(error)")
                        return false
                    }
                    return true
                }
            }
        }
        if let bodyError { throw bodyError }
        return count
    }

    /// The row ids of the identity rows whose value hashes to one of `subjects`, read by the same
    /// batched, overlapped hashing as ``scanIdentities(store:_:)``, in the caller's transaction;
    /// nil when the identity table has no row id (`WITHOUT ROWID`, or every alias is a column).
    static func matchingRowIDs(
        _ db: Database, plan resolved: ResolvedPlan, subjects: Set<SubjectHash>, keyed: SubjectHasher.Keyed,
        normalization: IdentityNormalization
    ) throws -> [Int64]? {
        guard let alias = try resolved.rowIDAlias(db) else { return nil }
        let column = resolved.identityColumn.quoted
        let statement = try db.makeStatement(
            sql: "SELECT \(alias), \(column) FROM \(resolved.identityTable.quoted) WHERE \(column) IS NOT NULL")
        var found: [Int64] = []
        _ = try hashRows(statement, rowIDs: true, keyed: keyed, normalization: normalization) { hash, rowID in
            if subjects.contains(hash) { found.append(rowID) }
            return true
        }
        return found
    }

    /// Steps `statement` — its columns: the value, or a row id then the value — and hands each
    /// non-null value's keyed hash (with its row id, 0 without) to `body` in row order, until
    /// `body` returns false. Values are read in batches of 8,192 straight from SQLite's row buffers
    /// into one flat byte buffer (no string per row); a worker thread hashes most of a batch while
    /// this thread reads the next (SQLite is used on this thread only). Returns the values handed over.
    static func hashRows(
        _ statement: Statement, rowIDs: Bool, keyed: SubjectHasher.Keyed, normalization: IdentityNormalization,
        _ body: (SubjectHash, Int64) throws -> Bool
    ) throws -> Int {
        let handle = statement.sqliteStatement
        let valueColumn: Int32 = rowIDs ? 1 : 0
        defer { sqlite3_reset(handle) }
        // Stepping a finished statement would start it again: remember the end. (Passed inout, not
        // captured: a captured variable would be boxed and access-checked on every row.)
        var finished = false
        func readBatch(_ finished: inout Bool) throws -> ValueBatch {
            var batch = ValueBatch()
            while !finished && batch.ends.count < Self.scanBatch {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE {
                    finished = true
                    break
                }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: code), message: "reading the identity column failed")
                }
                guard let text = sqlite3_column_text(handle, valueColumn) else { continue }
                let length = Int(sqlite3_column_bytes(handle, valueColumn))
                batch.bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: length))
                batch.ends.append(batch.bytes.count)
                if rowIDs { batch.rowIDs.append(sqlite3_column_int64(handle, 0)) }
            }
            return batch
        }
        var count = 0
        var hashes = [SubjectHash](repeating: SubjectHash(w0: 0, w1: 0, w2: 0, w3: 0), count: Self.scanBatch)
        var current = try readBatch(&finished)
        while !current.ends.isEmpty {
            let batch = current
            let values = batch.ends.count
            let split = values >= 1024 ? values * 5 / 8 : 0
            let next: ValueBatch = try hashes.withUnsafeMutableBufferPointer { output in
                let target = SendablePointer(output.baseAddress!)
                let group = DispatchGroup()
                if split > 0 {
                    DispatchQueue.global().async(group: group) {
                        batch.hash(0..<split, into: target, keyed: keyed, normalization: normalization)
                    }
                }
                defer { group.wait() }
                let next = try readBatch(&finished)
                batch.hash(split..<values, into: target, keyed: keyed, normalization: normalization)
                return next
            }
            for index in 0..<values {
                guard try body(hashes[index], rowIDs ? batch.rowIDs[index] : 0) else { return count }
                count += 1
            }
            current = next
        }
        return count
    }
}

/// Identity values read from SQLite: their bytes back to back, and where each one ends.
private struct ValueBatch: Sendable {
    var bytes: [UInt8] = []
    var ends: [Int] = []
    var rowIDs: [Int64] = []

    init() {
        bytes.reserveCapacity(SQLiteErasureExecutor.scanBatch * 32)
        ends.reserveCapacity(SQLiteErasureExecutor.scanBatch)
    }

    /// Hashes the values in `range` into the same indexes of `target`.
    func hash(
        _ range: Range<Int>, into target: SendablePointer, keyed: SubjectHasher.Keyed,
        normalization: IdentityNormalization
    ) {
        bytes.withUnsafeBytes { all in
            for index in range {
                let start = index == 0 ? 0 : ends[index - 1]
                target.pointer[index] = SubjectHasher.hash(
                    bytes: UnsafeRawBufferPointer(rebasing: all[start..<ends[index]]), keyed: keyed,
                    normalization: normalization)
            }
        }
    }
}

/// A pointer written by several threads at disjoint indexes.
private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<SubjectHash>
    init(_ pointer: UnsafeMutablePointer<SubjectHash>) { self.pointer = pointer }
}
