import LetheCore
import LetheSanitize
import NIOCore
import PostgresNIO

extension PostgresErasureExecutor {
    /// How many identity values are read before they are hashed together.
    static let scanBatch = 8192

    /// Streams the identity column of `plan` (`SELECT [ctid,] column::text`, non-null values, in
    /// the order the server sends them) and hands each value's keyed hash to `body` in that order,
    /// with the row's `ctid` (as PostgreSQL writes it: `(block,offset)`) when `rowIDs` is set.
    ///
    /// Values are copied from postgres-nio's row buffers into one flat batch of up to 8,192 (no
    /// string per row; the `ctid` travels in binary, 6 bytes, and becomes text only for a row that
    /// matches); a child task hashes a batch while this task reads the next one, so hashing overlaps
    /// the server and the network. Memory stays bounded by two batches. Returns the values read.
    static func hashRows(
        _ plan: PostgresPlan, rowIDs: Bool, session: PostgresSession, values: SubjectHasher.ValueHasher,
        _ body: (SubjectHash, _ rowID: () -> String) -> Void
    ) async throws(LetheError) -> Int {
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
