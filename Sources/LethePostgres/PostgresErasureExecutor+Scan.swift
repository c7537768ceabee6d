import LetheCore
import LetheSanitize
import NIOCore
import PostgresNIO

extension PostgresErasureExecutor {
    /// How many identity values are read before they are hashed together.
    static let scanBatch = 8192

    /// Reads the identity column of `plan` (non-null values, in the table's physical order) and
    /// hands each value's keyed hash to `body` in that order, with the row's `ctid` (as PostgreSQL
    /// writes it: `(block,offset)`) when `rowIDs` is set. Run it inside a transaction: on
    /// PostgreSQL 14 and later it is ``hashChunks(_:rowIDs:sessions:values:_:)`` on `session`
    /// alone, several queries that must share one snapshot.
    ///
    /// Before 14 it streams `SELECT [ctid,] column::text`, a row per value: values are copied
    /// from postgres-nio's row buffers into one flat batch of up to 8,192 (no
    /// string per row; the `ctid` travels in binary, 6 bytes, and becomes text only for a row that
    /// matches); a child task hashes a batch while this task reads the next one, so hashing overlaps
    /// the server and the network. Memory stays bounded by two batches. Returns the values read.
    static func hashRows(
        _ plan: PostgresPlan, rowIDs: Bool, session: PostgresSession, values: SubjectHasher.ValueHasher,
        _ body: (SubjectHash, _ rowID: () -> String) -> Void
    ) async throws(LetheError) -> Int {
        if try await session.integer("SELECT current_setting('server_version_num')::int") >= 140_000 {
            return try await hashChunks(plan, rowIDs: rowIDs, sessions: [session], values: values, body)
        }
        let column = plan.identityColumn.quoted
        let table = plan.identityTable
        let sequence = try await session.rows(
            "SELECT \(rowIDs ? "ctid, " : "")\(column)::text FROM \(table.quoted) WHERE \(column) IS NOT NULL",
            table: table.name)
        var rows = sequence.makeAsyncIterator()
        var count = 0
        do {
            var current = try await ValueBatch.read(&rows, rowIDs: rowIDs)
            while !current.ends.isEmpty {
                let batch = current
                async let hashed = batch.hashes(values)
                let next = try await ValueBatch.read(&rows, rowIDs: rowIDs)
                let hashes = await hashed
                for index in hashes.indices {
                    body(hashes[index]) { batch.rowID(index) }
                }
                count += hashes.count
                current = next
            }
        } catch {
            throw PostgresErrors.translate(error, store: session.store, place: session.place, table: table.name)
        }
        return count
    }
}

extension PostgresErasureExecutor {
    /// How many heap pages the first query of a chunked scan covers.
    static let firstChunkPages = 64
    /// How many values a query of a chunked scan should bring: ranges grow until they do.
    static let chunkValues = 4_096

    /// Hands the keyed hash of every non-null identity value of `plan` to `body`, in the table's
    /// physical order, all read in one `REPEATABLE READ READ ONLY` snapshot; returns the values read.
    ///
    /// On PostgreSQL 14 and later the page ranges of ``hashChunks(_:rowIDs:sessions:values:_:)``
    /// are split over two connections that read the same snapshot: `session` opens its
    /// transaction and exports its snapshot (`pg_export_snapshot()`), a second connection to the
    /// same server opens its own read-only transaction and adopts it (`SET TRANSACTION SNAPSHOT`)
    /// before any query, so the server aggregates two ranges at once; both transactions end and
    /// the second connection closes after the scan. When the second connection cannot be opened
    /// (a connection limit of the role or the database, say), the ranges are all read on `session`. Before 14 it is the row stream of
    /// ``hashRows(_:rowIDs:session:values:_:)`` on `session` alone. `beforeAdopting` runs between
    /// the export and the second connection's adoption of the snapshot (tests change the table
    /// there, to show that the second connection still reads the exported snapshot).
    static func hashSnapshot(
        _ plan: PostgresPlan, session: PostgresSession, values: SubjectHasher.ValueHasher,
        beforeAdopting: () -> Void = {}, _ body: (SubjectHash) -> Void
    ) async throws(LetheError) -> Int {
        var count = 0
        var second: PostgresSession?
        do throws(LetheError) {
            try await readOnly(session) { () async throws(LetheError) in
                guard try await session.integer("SELECT current_setting('server_version_num')::int") >= 140_000 else {
                    count = try await hashRows(plan, rowIDs: false, session: session, values: values) { hash, _ in
                        body(hash)
                    }
                    return
                }
                let snapshot = try await exportSnapshot(session)
                beforeAdopting()
                let other: PostgresSession
                do {
                    other = try await session.openSibling()
                } catch {
                    // No second connection (a connection limit, say): the same ranges on this one.
                    count = try await hashChunks(plan, rowIDs: false, sessions: [session], values: values) { hash, _ in
                        body(hash)
                    }
                    return
                }
                second = other
                try await readOnly(other) { () async throws(LetheError) in
                    // The id is the server's own text, checked by exportSnapshot; the statement takes a literal.
                    try await other.execute("SET TRANSACTION SNAPSHOT '\(snapshot)'")
                    count = try await hashChunks(
                        plan, rowIDs: false, sessions: [session, other], values: values
                    ) { hash, _ in body(hash) }
                }
            }
        } catch {
            await second?.close()
            throw error
        }
        await second?.close()
        return count
    }

    /// The id of `session`'s transaction snapshot (`pg_export_snapshot()`), checked to be what
    /// PostgreSQL writes (hexadecimal digits and dashes) before it goes into a statement.
    static func exportSnapshot(_ session: PostgresSession) async throws(LetheError) -> String {
        let id = try await session.texts("SELECT pg_export_snapshot()").first ?? ""
        guard isSnapshotID(id) else {
            throw LetheError(
                .internal,
                "store '\(session.store)': the PostgreSQL server at \(session.place) exported a snapshot id Lethe does not recognise, so the scan cannot share it. Nothing was changed"
            )
        }
        return id
    }

    /// Whether `id` looks like a snapshot id PostgreSQL exports: only `0-9`, `A-F` and `-`, at
    /// most 64 characters.
    static func isSnapshotID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || $0 == 0x2D }
    }

    /// ``hashRows(_:rowIDs:session:values:_:)`` on PostgreSQL 14 and later, in the callers'
    /// transactions (one or two sessions, which must read the same snapshot): the identity table
    /// read as ranges of heap pages (a TID range scan), each range one query whose one row holds its
    /// values aggregated into an array (`array_agg`, sent in binary: each value length-prefixed), so
    /// postgres-nio decodes one row per range instead of one per value. Each round queries one range
    /// per session at once; the hashes are handed to `body` in range order. The first ranges are 64
    /// pages; the span doubles while a range brings fewer than ``chunkValues`` values and halves
    /// when one brings more than eight times that; the last range is open-ended (pages added
    /// meanwhile hold nothing this snapshot sees). The previous round's values are hashed while the
    /// next round is queried.
    static func hashChunks(
        _ plan: PostgresPlan, rowIDs: Bool, sessions: [PostgresSession], values: SubjectHasher.ValueHasher,
        _ body: (SubjectHash, _ rowID: () -> String) -> Void
    ) async throws(LetheError) -> Int {
        let session = sessions[0]
        let column = plan.identityColumn.quoted
        let table = plan.identityTable
        var sizeBinds = PostgresBindings()
        sizeBinds.append(table.quoted)
        let pages = try await session.integer(
            "SELECT (pg_relation_size($1::text::regclass) / current_setting('block_size')::bigint)::bigint", sizeBinds,
            table: table.name)
        let select =
            "SELECT \(rowIDs ? "array_agg(ctid)" : "NULL::tid[]"), array_agg(\(column)::text) FROM \(table.quoted) WHERE \(column) IS NOT NULL AND ctid >= $1::text::tid"
        var start = 0
        var span = firstChunkPages
        var count = 0
        var pending: [ValueBatch] = []
        var done = false
        while !done || !pending.isEmpty {
            var ranges: [ChunkQuery] = []
            while !done && ranges.count < min(sessions.count, 2) {
                let last = start + span >= pages
                var binds = PostgresBindings()
                binds.append("(\(start),0)")
                if !last { binds.append("(\(start + span),0)") }
                ranges.append(ChunkQuery(sql: last ? select : select + " AND ctid < $2::text::tid", binds: binds))
                done = last
                start += span
            }
            let first = ranges.first
            let second = ranges.count > 1 ? ranges[1] : nil
            async let firstBatch = fetch(first, rowIDs: rowIDs, session: sessions[0], table: table.name)
            async let secondBatch = fetch(
                second, rowIDs: rowIDs, session: sessions[sessions.count - 1], table: table.name)
            for batch in pending {
                let hashes = batch.hashes(values)
                for index in hashes.indices { body(hashes[index]) { batch.rowID(index) } }
                count += hashes.count
            }
            let results = [await firstBatch, await secondBatch]
            pending = []
            for (range, result) in zip([first, second], results) where range != nil {
                pending.append(try result.get())
            }
            let read = pending.map(\.ends.count).max() ?? 0
            if read < chunkValues && span < 1 << 20 {
                span *= 2
            } else if read > 8 * chunkValues && span > 1 {
                span /= 2
            }
        }
        return count
    }

    /// One range query of a chunked scan: its statement and its bounds.
    struct ChunkQuery: Sendable {
        let sql: String
        let binds: PostgresBindings
    }

    /// ``chunk(_:_:rowIDs:session:table:)`` as a result (an empty batch when there is no query),
    /// so that two can run at once and both be awaited before either error is thrown.
    static func fetch(
        _ query: ChunkQuery?, rowIDs: Bool, session: PostgresSession, table: String
    ) async -> Result<ValueBatch, LetheError> {
        guard let query else { return .success(ValueBatch()) }
        do {
            return .success(try await chunk(query.sql, query.binds, rowIDs: rowIDs, session: session, table: table))
        } catch {
            return .failure(error)
        }
    }

    /// One range's arrays (`ctid`s, then values; NULL when the range holds no row) as a batch.
    static func chunk(
        _ sql: String, _ binds: PostgresBindings, rowIDs: Bool, session: PostgresSession, table: String
    ) async throws(LetheError) -> ValueBatch {
        let sequence = try await session.rows(sql, binds, table: table)
        var batch = ValueBatch()
        do {
            for try await row in sequence {
                var cells = row.makeIterator()
                let ids = cells.next()?.bytes
                guard let texts = cells.next()?.bytes else { continue }
                try batch.appendArray(texts, into: \.bytes, ends: true)
                if rowIDs, let ids { try batch.appendArray(ids, into: \.rowIDs, ends: false) }
            }
        } catch let error as LetheError {
            throw error
        } catch {
            throw PostgresErrors.translate(error, store: session.store, place: session.place, table: table)
        }
        guard !rowIDs || batch.rowIDs.count == batch.ends.count * 6 else {
            throw LetheError(
                .internal,
                "store '\(session.store)': the server sent \(batch.ends.count) values of table \(table) but \(batch.rowIDs.count / 6) row addresses. Nothing was changed"
            )
        }
        return batch
    }
}

/// Identity values read from the server: their bytes back to back, where each one ends, and each
/// row's `ctid` in PostgreSQL's binary form (block number, then offset: 6 bytes, big-endian).
struct ValueBatch: Sendable {
    var bytes: [UInt8] = []
    var ends: [Int] = []
    var rowIDs: [UInt8] = []

    init() {
        bytes.reserveCapacity(PostgresErasureExecutor.scanBatch * 32)
        ends.reserveCapacity(PostgresErasureExecutor.scanBatch)
    }

    /// Reads up to a batch of rows (`ctid` then the value when `rowIDs`, else the value alone).
    static func read(_ rows: inout PostgresRowSequence.AsyncIterator, rowIDs: Bool) async throws -> ValueBatch {
        var batch = ValueBatch()
        if rowIDs { batch.rowIDs.reserveCapacity(PostgresErasureExecutor.scanBatch * 6) }
        while batch.ends.count < PostgresErasureExecutor.scanBatch, let row = try await rows.next() {
            var cells = row.makeIterator()
            if rowIDs {
                guard let id = cells.next()?.bytes, id.readableBytes == 6 else { continue }
                guard let value = cells.next()?.bytes else { continue }
                id.withUnsafeReadableBytes { batch.rowIDs.append(contentsOf: $0) }
                value.withUnsafeReadableBytes { batch.bytes.append(contentsOf: $0) }
            } else {
                guard let value = cells.next()?.bytes else { continue }
                value.withUnsafeReadableBytes { batch.bytes.append(contentsOf: $0) }
            }
            batch.ends.append(batch.bytes.count)
        }
        return batch
    }

    /// Appends the elements of a one-dimensional array in PostgreSQL's binary form (dimensions,
    /// flags, element type, each dimension's length and lower bound, then each element as a
    /// 4-byte length and its bytes) to `field`; with `ends`, records where each element ends.
    /// NULL elements are skipped (the query reads non-null values only).
    mutating func appendArray(
        _ array: ByteBuffer, into field: WritableKeyPath<ValueBatch, [UInt8]>, ends recordEnds: Bool
    ) throws(LetheError) {
        var buffer = array
        guard let dimensions = buffer.readInteger(as: Int32.self), buffer.readInteger(as: Int32.self) != nil,
            buffer.readInteger(as: UInt32.self) != nil
        else { throw Self.malformed }
        guard dimensions <= 1 else { throw Self.malformed }
        var elements = 0
        if dimensions == 1 {
            guard let length = buffer.readInteger(as: Int32.self), buffer.readInteger(as: Int32.self) != nil,
                length >= 0
            else { throw Self.malformed }
            elements = Int(length)
        }
        let complete = buffer.withUnsafeReadableBytes { raw -> Bool in
            var offset = 0
            for _ in 0..<elements {
                guard offset + 4 <= raw.count else { return false }
                let length = Int(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                offset += 4
                if length < 0 { continue }
                guard offset + length <= raw.count else { return false }
                self[keyPath: field].append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length]))
                offset += length
                if recordEnds { self.ends.append(self.bytes.count) }
            }
            return true
        }
        guard complete else { throw Self.malformed }
    }

    static let malformed = LetheError(
        .internal, "the PostgreSQL server sent an array Lethe could not read (not one-dimensional, or cut short)")

    /// The keyed hash of every value, in order.
    func hashes(_ values: SubjectHasher.ValueHasher) -> [SubjectHash] {
        bytes.withUnsafeBytes { all in
            var start = 0
            return ends.map { end in
                defer { start = end }
                return values.hash(UnsafeRawBufferPointer(rebasing: all[start..<end]))
            }
        }
    }

    /// The `ctid` of value `index` as text, `(block,offset)`.
    func rowID(_ index: Int) -> String {
        let base = index * 6
        var block: UInt32 = 0
        for byte in rowIDs[base..<base + 4] { block = block << 8 | UInt32(byte) }
        let offset = UInt16(rowIDs[base + 4]) << 8 | UInt16(rowIDs[base + 5])
        return "(\(block),\(offset))"
    }
}
