import Crypto
import Foundation
import GRDB
import GRDBSQLite
import LetheCore

extension SQLiteTransaction {
    // MARK: - The log's tree

    func storedLogNode(level: Int, index: Int64) throws(LetheError) -> [UInt8]? {
        try guarded {
            try Data.fetchOne(
                db.cachedStatement(sql: "SELECT hash FROM log_node WHERE level = ? AND idx = ?"),
                arguments: [level, index]
            ).map { [UInt8]($0) }
        }
    }

    func logLeafHashes(from index: Int64, count: Int) throws(LetheError) -> [[UInt8]] {
        let rows = try guarded {
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT seq, leaf_hash, CASE WHEN leaf_hash IS NULL THEN body END FROM event
                        WHERE seq > ? AND seq <= ? ORDER BY seq
                        """),
                arguments: [index, index + Int64(count)])
        }
        var hashes: [[UInt8]] = []
        hashes.reserveCapacity(rows.count)
        for (offset, row) in rows.enumerated() {
            let seq: Int64 = row[0]
            guard seq == index + 1 + Int64(offset) else {
                throw LetheError(
                    .internal, "the evidence log has no entry \(index + Int64(offset)); run 'lethe log verify'")
            }
            if let stored: Data = row[1] {
                hashes.append([UInt8](stored))
            } else if let hasher = logHasher, let body: Data = row[2] {
                hashes.append(hasher.leafHash([UInt8](body)))
            } else {
                throw LetheError(.internal, "log entry \(seq - 1) has no leaf hash and no hasher was given")
            }
        }
        return hashes
    }

    /// Adds the leaf of a just-inserted event to the tree, writing every completed subtree hash
    /// of a stored level.
    func appendToLog(leafHash: [UInt8], previousSize: Int64) throws(LetheError) {
        guard let hasher = logHasher else { return }
        var current: LogFrontier
        if let loaded = frontier.value, loaded.size == previousSize {
            current = loaded
        } else {
            current = try LogFrontier(size: previousSize, tree: MerkleTree(hasher: hasher, source: self))
        }
        try current.append(leafHash: leafHash, hasher: hasher) { (level, index, hash) throws(LetheError) in
            guard level >= MerkleTree.firstStoredLevel else { return }
            try insertLogNode(level: level, index: index, hash: hash, ignoringDuplicates: false)
        }
        frontier.value = current
    }

    private func insertLogNode(level: Int, index: Int64, hash: [UInt8], ignoringDuplicates: Bool) throws(LetheError) {
        try guarded {
            try db.cachedStatement(
                sql: "INSERT\(ignoringDuplicates ? " OR IGNORE" : "") INTO log_node (level, idx, hash) VALUES (?, ?, ?)"
            ).execute(arguments: [level, index, Data(hash)])
        }
    }

    /// Whether every completed subtree of the lowest stored level has its hash.
    func logIsComplete() throws(LetheError) -> Bool {
        let size = try eventCount()
        let expected = (size >> Int64(MerkleTree.firstStoredLevel)) - 1
        let newest = try guarded {
            try Int64.fetchOne(
                db, sql: "SELECT max(idx) FROM log_node WHERE level = ?", arguments: [MerkleTree.firstStoredLevel])
        }
        return (newest ?? -1) == expected
    }

    /// Writes the missing subtree hashes, computing them from the stored entries after the
    /// longest prefix of the log whose hashes are all stored (``storedPrefix(size:)``); with
    /// none, from the first entry.
    func rebuildLogNodes() throws(LetheError) {
        guard let hasher = logHasher else { return }
        let size = try eventCount()
        let start = try storedPrefix(size: size)
        var rebuilt =
            start == 0 ? LogFrontier() : try LogFrontier(size: start, tree: MerkleTree(hasher: hasher, source: self))
        while rebuilt.size < size {
            let hashes = try logLeafHashes(from: rebuilt.size, count: Int(min(10_000, size - rebuilt.size)))
            for hash in hashes {
                try rebuilt.append(leafHash: hash, hasher: hasher) { (level, index, hash) throws(LetheError) in
                    guard level >= MerkleTree.firstStoredLevel else { return }
                    try insertLogNode(level: level, index: index, hash: hash, ignoringDuplicates: true)
                }
            }
        }
        frontier.value = rebuilt
    }

    /// The longest prefix of the log, in whole subtrees of the lowest stored level, whose
    /// subtree hashes are all stored at every level: what entries appended without them (by
    /// `sqlite3`, or a store opened without a hasher) left. 0 when any hash below it is missing.
    private func storedPrefix(size: Int64) throws(LetheError) -> Int64 {
        let lowest = MerkleTree.firstStoredLevel
        let newest = try guarded {
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT max(idx) FROM log_node WHERE level = ?"), arguments: [lowest])
        }
        guard let newest else { return 0 }
        let prefix = min(newest + 1, size >> Int64(lowest)) << Int64(lowest)
        for level in lowest..<63 where prefix >> Int64(level) > 0 {
            let expected = prefix >> Int64(level)
            let stored = try guarded {
                try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT count(*) FROM log_node WHERE level = ? AND idx < ?"),
                    arguments: [level, expected])
            }
            guard stored == expected else { return 0 }
        }
        return prefix
    }

    // MARK: - Entries and checkpoints

    func logEntries(from index: Int64, limit: Int) throws(LetheError) -> [StoredLogEntry] {
        try guarded {
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT seq, body, leaf_hash FROM event WHERE seq > ? ORDER BY seq LIMIT ?"),
                arguments: [index, limit]
            ).map { row in
                let body: Data = row[1]
                let leaf: Data? = row[2]
                return StoredLogEntry(seq: row[0], body: [UInt8](body), leafHash: leaf.map { [UInt8]($0) })
            }
        }
    }

    func events(assetTag: String, type: EventType) throws(LetheError) -> [Event] {
        let bodies = try guarded {
            try Data.fetchAll(
                db.cachedStatement(sql: "SELECT body FROM event WHERE asset_tag = ? AND type = ? ORDER BY seq"),
                arguments: [assetTag, type.rawValue])
        }
        return try bodies.map { (body) throws(LetheError) in try Event(storedBytes: [UInt8](body)) }
    }

    func logEntry(index: Int64) throws(LetheError) -> [UInt8]? {
        try guarded {
            try Data.fetchOne(db.cachedStatement(sql: "SELECT body FROM event WHERE seq = ?"), arguments: [index + 1])
                .map { [UInt8]($0) }
        }
    }

    func checkpoints() throws(LetheError) -> [StoredCheckpoint] {
        try fetchCheckpoints("SELECT size, root, note, signed_at FROM log_checkpoint ORDER BY size")
    }

    func latestCheckpoint() throws(LetheError) -> StoredCheckpoint? {
        try fetchCheckpoints("SELECT size, root, note, signed_at FROM log_checkpoint ORDER BY size DESC LIMIT 1").first
    }

    private func fetchCheckpoints(_ sql: String) throws(LetheError) -> [StoredCheckpoint] {
        let rows = try guarded { try Row.fetchAll(db, sql: sql) }
        return try rows.map { (row) throws(LetheError) in
            let root: Data = row[1]
            return StoredCheckpoint(
                size: row[0], root: [UInt8](root), note: row[2], signedAt: try RFC3339.parse(row[3]))
        }
    }

    func insert(_ checkpoint: StoredCheckpoint) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: "INSERT INTO log_checkpoint (size, root, note, signed_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    checkpoint.size, Data(checkpoint.root), checkpoint.note, RFC3339.format(checkpoint.signedAt),
                ])
        }
    }

    // MARK: - Records

    /// A record's columns; a body over 64 KB (a report's), or stored in pieces (empty here),
    /// reads as NULL here and is read after, in pieces (``forEachBodyPiece(rowid:_:)``),
    /// so SQLite does not assemble it first in a buffer of its own. `length` of a BLOB reads no
    /// more than the row's header.
    private static let recordColumns = """
        serial, kind, job_id, asset_tag, issued_at, CASE WHEN length(body) BETWEEN 1 AND 65536 THEN body END,
        signature, event_seq, rowid
        """

    func record(serial: String) throws(LetheError) -> StoredRecord? {
        try fetchRecords("SELECT \(Self.recordColumns) FROM signed_record WHERE serial = ?", [serial]).first
    }

    func forEachRecordBodyPiece(
        serial: String, _ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void
    ) throws(LetheError) -> Bool {
        let rowid = try guarded {
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT rowid FROM signed_record WHERE serial = ?"), arguments: [serial])
        }
        guard let rowid else { return false }
        try forEachBodyPiece(rowid: rowid, body)
        return true
    }

    /// Calls `body` with the stored bytes of the record in row `rowid`, in order: its `body`
    /// column a megabyte at a time, or, when that is empty, its pieces
    /// (``Migrations/registerRecordPieces(_:)``) one by one, which must be numbered from 1
    /// without a gap.
    private func forEachBodyPiece(
        rowid: Int64, _ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void
    ) throws(LetheError) {
        // One statement steps through the pieces (64 KiB each, read as columns): a blob handle
        // a piece would compile a statement of SQLite's own for each of a year's 9,500.
        let statement: Statement
        do {
            statement = try db.makeStatement(
                sql: """
                    SELECT p.piece, p.bytes FROM signed_record r JOIN signed_record_piece p ON p.serial = r.serial
                    WHERE r.rowid = ? AND length(r.body) = 0 ORDER BY p.piece
                    """)
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        sqlite3_bind_int64(handle, 1, rowid)
        var expected: Int64 = 1
        while true {
            let result = sqlite3_step(handle)
            if result == SQLITE_DONE { break }
            guard result == SQLITE_ROW else { throw stepFailure() }
            guard sqlite3_column_int64(handle, 0) == expected else {
                throw LetheError(.io, "a signed record's stored pieces are not whole: piece \(expected) is missing")
            }
            // sqlite3_column_bytes after sqlite3_column_blob, as SQLite's documentation asks.
            let bytes = sqlite3_column_blob(handle, 1)
            try body(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, 1))))
            expected += 1
        }
        if expected == 1 { try forEachBlobPiece(table: "signed_record", column: "body", rowid: rowid, body) }
    }

    /// The size of the stored bytes of the record in row `rowid` (``forEachBodyPiece(rowid:_:)``).
    private func bodySize(rowid: Int64) throws(LetheError) -> Int {
        try guarded {
            try Int.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT length(body) + coalesce((SELECT sum(length(bytes)) FROM signed_record_piece p
                            WHERE p.serial = r.serial AND length(r.body) = 0), 0)
                        FROM signed_record r WHERE rowid = ?
                        """), arguments: [rowid]) ?? 0
        }
    }

    /// The stored bytes of the record in row `rowid` (`size` of them), copied into a file
    /// without a name in `directory` and hashed as they go (``SplicedBytes`` of that file alone,
    /// checked against that digest).
    private func spoolBody(rowid: Int64, size: Int, in directory: String) throws(LetheError) -> SplicedBytes {
        let file = SpoolFile(descriptor: try SpoolFile.createUnnamed(in: directory), count: size)
        var hasher = SHA256()
        var written = 0
        try forEachBodyPiece(rowid: rowid) { (piece) throws(LetheError) in
            hasher.update(bufferPointer: piece)
            try DescriptorIO.writeAll(piece, to: file.descriptor, name: "the record's spool file in \(directory)")
            written += piece.count
        }
        guard written == file.count else {
            throw LetheError(.io, "a signed record's stored bytes changed while they were read")
        }
        return SplicedBytes(head: [], file: file, tail: [], sha256: Array(hasher.finalize()))
    }

    /// The stored bytes of the record in row `rowid`, read into one array.
    private func readBody(rowid: Int64) throws(LetheError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(try bodySize(rowid: rowid))
        try forEachBodyPiece(rowid: rowid) { (piece) throws(LetheError) in bytes.append(contentsOf: piece) }
        return bytes
    }

    func record(
        serial: String, spoolingBodyOver threshold: Int, in directory: String
    ) throws(LetheError)
        -> StoredRecord?
    {
        try fetchRecords(
            "SELECT \(Self.recordColumns) FROM signed_record WHERE serial = ?", [serial],
            spool: (threshold, directory)
        ).first
    }

    func records(kind: String?, jobID: Int64?, limit: Int?) throws(LetheError) -> [StoredRecord] {
        var (whereSQL, arguments) = Self.recordFilter(kind: kind, jobID: jobID, text: nil)
        var sql = "SELECT \(Self.recordColumns) FROM signed_record r\(whereSQL) ORDER BY event_seq DESC"
        if let limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        return try fetchRecords(sql, arguments)
    }

    func recordListings(
        kind: String?, jobID: Int64?, text: String?, limit: Int?
    ) throws(LetheError)
        -> [RecordListing]
    {
        let (whereSQL, arguments) = Self.recordFilter(kind: kind, jobID: jobID, text: text)
        return try listings(whereSQL, arguments, limit: limit)
    }

    func recordListing(serial: String) throws(LetheError) -> RecordListing? {
        try listings(" WHERE r.serial = ?", [serial], limit: nil).first
    }

    /// The listings of the records `whereSQL` (with its leading space) picks, newest first.
    private func listings(
        _ whereSQL: String, _ filter: StatementArguments, limit: Int?
    ) throws(LetheError) -> [RecordListing] {
        var arguments = filter
        var sql = """
            SELECT r.serial, r.kind, r.job_id, r.asset_tag, r.issued_at, r.event_seq,
                   v.reason, v.revoked_at, v.event_seq
            FROM signed_record r LEFT JOIN record_revocation v ON v.serial = r.serial\(whereSQL)
            ORDER BY r.event_seq DESC
            """
        if let limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        let rows = try guarded { try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments) }
        return try rows.map { (row) throws(LetheError) in
            let serial: String = row[0]
            let revokedAt: String? = row[7]
            return RecordListing(
                serial: serial, kind: row[1], jobID: row[2], assetTag: row[3], issuedAt: try RFC3339.parse(row[4]),
                eventSeq: row[5],
                revocation: try revokedAt.map { (text) throws(LetheError) in
                    RecordRevocation(
                        serial: serial, reason: row[6], revokedAt: try RFC3339.parse(text), eventSeq: row[8])
                })
        }
    }

    /// The WHERE clause (with its leading space, or empty) and arguments of a record query; the
    /// columns are named `r.` so that a query joining the revocations can use it.
    private static func recordFilter(kind: String?, jobID: Int64?, text: String?) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let kind {
            clauses.append("r.kind = ?")
            arguments += [kind]
        }
        if let jobID {
            clauses.append("r.job_id = ?")
            arguments += [jobID]
        }
        if let text, !text.isEmpty {
            let pattern = "%" + likeEscaped(text) + "%"
            clauses.append("(r.serial LIKE ? ESCAPE '\\' OR r.asset_tag LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    /// The records `sql` selects (``recordColumns``); a body larger than `spool`'s threshold
    /// copied to a file without a name in its directory rather than read into memory.
    private func fetchRecords(
        _ sql: String, _ arguments: StatementArguments, spool: (threshold: Int, directory: String)? = nil
    ) throws(LetheError) -> [StoredRecord] {
        let rows = try guarded { try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments) }
        return try rows.map { (row) throws(LetheError) in
            let small: Data? = row[5]
            let signature: Data = row[6]
            var body: [UInt8] = []
            var spliced: SplicedBytes?
            if let small {
                body = [UInt8](small)
                if let spool, body.count > spool.threshold {
                    spliced = try SplicedBytes(spooling: body, in: spool.directory)
                    body = []
                }
            } else if let spool, case let size = try bodySize(rowid: row[8]), size > spool.threshold {
                spliced = try spoolBody(rowid: row[8], size: size, in: spool.directory)
            } else {
                body = try readBody(rowid: row[8])
            }
            return StoredRecord(
                serial: row[0], kind: row[1], jobID: row[2], assetTag: row[3], issuedAt: try RFC3339.parse(row[4]),
                body: body, splicedBody: spliced, signature: [UInt8](signature), eventSeq: row[7])
        }
    }

    func recordSerials(kind: String, field: String, equals value: Int64) throws(LetheError) -> [String] {
        guard !field.isEmpty, field.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw LetheError(.internal, "record field name '\(field)' is not a plain key")
        }
        // The body is canonical JSON stored as a BLOB; read as text for SQLite's JSON functions.
        let sql = """
            SELECT serial FROM signed_record
            WHERE kind = ? AND json_extract(CAST(body AS TEXT), ?) = ? ORDER BY event_seq DESC
            """
        return try guarded { try String.fetchAll(db, sql: sql, arguments: [kind, "$." + field, value]) }
    }

    func jobsWithValidRecords(kind: String) throws(LetheError) -> Set<Int64> {
        let sql = """
            SELECT job_id FROM signed_record r WHERE kind = ? AND job_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM record_revocation v WHERE v.serial = r.serial)
            """
        return try guarded { Set(try Int64.fetchAll(db, sql: sql, arguments: [kind])) }
    }

    func revocation(serial: String) throws(LetheError) -> RecordRevocation? {
        let row = try guarded {
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT serial, reason, revoked_at, event_seq FROM record_revocation WHERE serial = ?"),
                arguments: [serial])
        }
        guard let row else { return nil }
        return RecordRevocation(serial: row[0], reason: row[1], revokedAt: try RFC3339.parse(row[2]), eventSeq: row[3])
    }

    func countRecords(serialPrefix prefix: String) throws(LetheError) -> Int {
        try guarded {
            // A range of the primary key: serials are ASCII, and '\u{7F}' sorts after all of them.
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM signed_record WHERE serial >= ? AND serial < ?",
                arguments: [prefix, prefix + "\u{7F}"]) ?? 0
        }
    }

    func recordSize(serial: String) throws(LetheError) -> Int? {
        // SQLite takes a blob's length from its row's header, without reading its pages.
        let rowid = try guarded {
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT rowid FROM signed_record WHERE serial = ?"), arguments: [serial])
        }
        return try rowid.map { (rowid) throws(LetheError) in try bodySize(rowid: rowid) }
    }

    func insert(_ record: StoredRecord) throws(LetheError) {
        let issuedAt = formatted(record.issuedAt)
        // The body, the table's last column, written after the row without SQLite copying it (a
        // year's report: hundreds of MB).
        let sql = """
            INSERT INTO signed_record (serial, kind, job_id, asset_tag, issued_at, body, signature, event_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        let bind = { (handle: OpaquePointer) in
            Bind.text(handle, 1, record.serial)
            Bind.text(handle, 2, record.kind)
            Bind.integer(handle, 3, record.jobID)
            Bind.text(handle, 4, record.assetTag)
            Bind.text(handle, 5, issuedAt)
            Bind.blob(handle, 7, record.signature)
            Bind.integer(handle, 8, record.eventSeq)
        }
        if let spliced = record.splicedBody {
            // Too large to hold: its pieces, as read from the spool its content was computed
            // into (and checked against the digest signed, which rolls all back if it fails),
            // each inserted once; then the record, with an empty body.
            var number: Int64 = 0
            try spliced.forEachPiece { (piece) throws(LetheError) in
                var rest = piece
                while !rest.isEmpty {
                    let stored = UnsafeRawBufferPointer(rebasing: rest.prefix(Self.recordPieceSize))
                    rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(stored.count))
                    number += 1
                    try executeBound("INSERT INTO signed_record_piece (serial, piece, bytes) VALUES (?, ?, ?)") {
                        handle in
                        Bind.text(handle, 1, record.serial)
                        Bind.integer(handle, 2, number)
                        Bind.bytes(handle, 3, stored)
                    }
                }
            }
            try executeBound(sql) { handle in
                bind(handle)
                Bind.blob(handle, 6, [])
            }
        } else {
            try executeBound(insert: sql, table: "signed_record", blobColumn: "body", blob: record.body, at: 6, bind)
        }
    }

    /// The size of a large record's stored pieces: below the size from which `lethe` has each
    /// block mapped on its own (128 KiB), so that the buffers SQLite builds a piece's row in are
    /// used again rather than mapped, zeroed and unmapped for every piece.
    static let recordPieceSize = 64 << 10

    func insert(_ revocation: RecordRevocation) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: "INSERT INTO record_revocation (serial, reason, revoked_at, event_seq) VALUES (?, ?, ?, ?)",
                arguments: [
                    revocation.serial, revocation.reason, RFC3339.format(revocation.revokedAt), revocation.eventSeq,
                ])
        }
    }
}

extension SQLiteTransaction {
    func readLogEntries(
        from index: Int64, into batch: LogEntryBatch,
        handOff: (LogEntryBatch) throws(LetheError) -> LogEntryBatch?
    ) throws(LetheError) {
        // The reading half of `log verify`: SQLite's C API on GRDB's statement, copying each row
        // from SQLite's page buffers straight into the batch (no allocation per entry). The
        // primary key is the rowid, so `ORDER BY seq` walks the table without sorting.
        let statement: Statement
        do {
            statement = try db.makeStatement(sql: "SELECT seq, body, leaf_hash FROM event WHERE seq > ? ORDER BY seq")
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
        let handle = statement.sqliteStatement
        sqlite3_bind_int64(handle, 1, index)
        defer { sqlite3_reset(handle) }
        var current = batch
        current.removeAll()
        while true {
            let result = sqlite3_step(handle)
            if result == SQLITE_DONE { break }
            guard result == SQLITE_ROW else {
                throw stepFailure()
            }
            // sqlite3_column_bytes after sqlite3_column_blob, as SQLite's documentation asks.
            let body = sqlite3_column_blob(handle, 1)
            let bytes = UnsafeRawBufferPointer(start: body, count: Int(sqlite3_column_bytes(handle, 1)))
            let leaf: UnsafeRawBufferPointer?
            if sqlite3_column_type(handle, 2) == SQLITE_NULL {
                leaf = nil
            } else {
                let stored = sqlite3_column_blob(handle, 2)
                leaf = UnsafeRawBufferPointer(start: stored, count: Int(sqlite3_column_bytes(handle, 2)))
            }
            current.append(seq: sqlite3_column_int64(handle, 0), entry: bytes, leafHash: leaf)
            if current.isFull {
                guard let next = try handOff(current) else { return }
                current = next
                current.removeAll()
            }
        }
        if current.count > 0 { _ = try handOff(current) }
    }

    func storedLogNodeHashes(level: Int) throws(LetheError) -> [UInt8] {
        let statement: Statement
        do {
            statement = try db.cachedStatement(sql: "SELECT hash FROM log_node WHERE level = ? ORDER BY idx")
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
        let handle = statement.sqliteStatement
        sqlite3_bind_int64(handle, 1, Int64(level))
        defer { sqlite3_reset(handle) }
        var hashes: [UInt8] = []
        while true {
            let result = sqlite3_step(handle)
            if result == SQLITE_DONE { return hashes }
            guard result == SQLITE_ROW else {
                throw stepFailure()
            }
            let blob = sqlite3_column_blob(handle, 0)
            let hash = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(handle, 0)))
            // The schema keeps hashes at 32 bytes; a row that is not stops the list there, so
            // the comparison names it as the first stored hash that does not match.
            guard hash.count == 32 else { return hashes }
            hashes.append(contentsOf: hash)
        }
    }
}
