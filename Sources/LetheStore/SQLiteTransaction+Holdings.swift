import Foundation
import GRDB
import GRDBSQLite
import LetheCore

/// Holdings: sorted chunks of keyed hashes (`holding_chunk`), each holding subjects its store was
/// first recorded to hold by one scan or import, and marks of the erased ones (`holding_erased`).
/// See the `holding-chunks` migration.
extension SQLiteTransaction {
    /// Subjects per chunk at most: 128 KiB of hashes. A chunk also never spans two values of the
    /// first byte, so a lookup reads only the chunks of its key's 1/256 of the key space: for a
    /// large scan about one, however many small scans (a few new subjects each, spread over the
    /// whole key space) came after it.
    static let holdingChunkSize = 4096

    func holds(store: String, subject: String) throws(LetheError) -> Bool {
        guard let dates = try holdingDates(store: store, subject: subject) else { return false }
        return dates.erased == nil
    }

    func holdingCount(store: String) throws(LetheError) -> Int {
        try guarded {
            try Int.fetchOne(db, sql: Self.countHoldings, arguments: [store]) ?? 0
        }
    }

    /// How many subjects the store `?1` holds: those in its chunks less the erased ones.
    static let countHoldings = """
        SELECT coalesce((SELECT sum(subject_count) FROM holding_chunk WHERE store = ?1), 0)
            - (SELECT count(*) FROM holding_erased WHERE store = ?1)
        """

    /// When the store was first recorded to hold the subject (its chunk's `recorded_at`) and, if it
    /// is erased there, when; nil when the store never held it.
    func holdingDates(store: String, subject: String) throws(LetheError) -> (recorded: String, erased: String?)? {
        let key = Self.subjectKey(subject)
        guard key.count == 32 else { return nil }
        return try guarded {
            let candidates = try db.makeStatement(
                sql: """
                    SELECT recorded_at, subjects FROM holding_chunk
                    WHERE store = ?1 AND first_subject >= ?3 AND first_subject <= ?2 AND last_subject >= ?2
                    """)
            // The first key with the same first byte: no chunk that holds `key` starts before it.
            try candidates.setArguments([store, key, Data([key[key.startIndex]] + [UInt8](repeating: 0, count: 31))])
            let handle = candidates.sqliteStatement
            defer { sqlite3_reset(handle) }
            var recorded: String?
            while recorded == nil {
                let result = sqlite3_step(handle)
                if result == SQLITE_DONE { break }
                guard result == SQLITE_ROW else { throw stepFailure() }
                guard let chunk = sqlite3_column_blob(handle, 1), let text = sqlite3_column_text(handle, 0) else {
                    continue
                }
                let length = Int(sqlite3_column_bytes(handle, 1))
                let found = key.withUnsafeBytes { key in
                    Self.lowerBound(key.baseAddress!, in: chunk, count: length / 32).found
                }
                if found { recorded = String(cString: text) }
            }
            guard let recorded else { return nil }
            let erased = try String.fetchOne(
                db, sql: "SELECT erased_at FROM holding_erased WHERE store = ? AND subject = ?",
                arguments: [store, key])
            return (recorded, erased)
        }
    }

    func insertHoldings(store: String, subjects: [String], source: String, at time: Date) throws(LetheError) -> Int {
        var keys: [Data] = []
        keys.reserveCapacity(subjects.count)
        for subject in subjects {
            let key = Self.subjectKey(subject)
            guard key.count == 32 else { throw LetheError(.internal, "a holding's subject must be 64 hex digits") }
            keys.append(key)
        }
        keys.sort { $0.lexicographicallyPrecedes($1) }
        var digests: [UInt8] = []
        digests.reserveCapacity(keys.count * 32)
        var previous: Data?
        for key in keys where key != previous {
            digests.append(contentsOf: key)
            previous = key
        }
        return try insertHoldings(store: store, digests: digests, source: source, at: time)
    }

    func insertHoldings(
        store: String, digests: [UInt8], source: String, at time: Date
    ) throws(LetheError) -> Int {
        guard digests.count % 32 == 0 else {
            throw LetheError(.internal, "holdings must be whole 32-byte hashes")
        }
        let count = digests.count / 32
        guard count > 0 else { return 0 }
        let ascending = digests.withUnsafeBytes { buffer in
            (1..<count).allSatisfy {
                memcmp(buffer.baseAddress! + ($0 - 1) * 32, buffer.baseAddress! + $0 * 32, 32) < 0
            }
        }
        // A subject twice, or out of order, would land in two chunks and be counted twice.
        guard ascending else { throw LetheError(.internal, "holdings must be sorted and each given once") }
        return try guarded {
            try digests.withUnsafeBytes { buffer in
                let base = buffer.baseAddress!
                // Which of the hashes the store was recorded to hold before (in a chunk).
                var held = [Bool](repeating: false, count: count)
                let chunk = try db.makeStatement(sql: "SELECT subjects FROM holding_chunk WHERE id = ?")
                for (id, range) in try overlappingChunks(store: store, digests: base, count: count) {
                    try chunk.setArguments([id])
                    try markHeld(chunk: chunk, digests: base, range: range, held: &held)
                }
                // Held before but erased: held again (its chunk, and so its first date, stays).
                var revived = 0
                let marks = try Data.fetchAll(
                    db, sql: "SELECT subject FROM holding_erased WHERE store = ?", arguments: [store])
                for mark in marks where mark.count == 32 {
                    let found = mark.withUnsafeBytes { Self.lowerBound($0.baseAddress!, in: base, count: count).found }
                    guard found else { continue }
                    try db.cachedStatement(sql: "DELETE FROM holding_erased WHERE store = ? AND subject = ?")
                        .execute(arguments: [store, mark])
                    revived += 1
                }
                // Never held: new chunks, in key order.
                let fresh: [UInt8]
                if held.contains(true) {
                    var kept: [UInt8] = []
                    kept.reserveCapacity((count - held.count { $0 }) * 32)
                    for index in 0..<count where !held[index] {
                        kept.append(contentsOf: UnsafeRawBufferPointer(start: base + index * 32, count: 32))
                    }
                    fresh = kept
                } else {
                    fresh = digests
                }
                try insertChunks(store: store, digests: fresh, source: source, recordedAt: RFC3339.format(time))
                return revived + fresh.count / 32
            }
        }
    }

    func eraseHolding(store: String, subject: String, at time: Date) throws(LetheError) {
        guard let dates = try holdingDates(store: store, subject: subject), dates.erased == nil else { return }
        try guarded {
            try db.execute(
                sql: "INSERT INTO holding_erased (store, subject, erased_at) VALUES (?, ?, ?)",
                arguments: [store, Self.subjectKey(subject), RFC3339.format(time)])
        }
    }

    /// A subject's key in the holdings: the 32 bytes its 64 hex digits spell (invalid digits give
    /// an empty key, which no holding has: the hex form is checked where subjects enter).
    static func subjectKey(_ hex: String) -> Data {
        guard let bytes = Hex.decode(hex), bytes.count == 32 else { return Data() }
        return Data(bytes)
    }

    // MARK: - Chunks

    /// The store's chunks whose key range holds some of the sorted `digests`, with the range of
    /// digests (indices) that falls within it. Reads only the index, not the chunks.
    private func overlappingChunks(
        store: String, digests: UnsafeRawPointer, count: Int
    ) throws -> [(id: Int64, range: Range<Int>)] {
        let ranges = try db.makeStatement(
            sql: "SELECT id, first_subject, last_subject FROM holding_chunk WHERE store = ?")
        try ranges.setArguments([store])
        let handle = ranges.sqliteStatement
        defer { sqlite3_reset(handle) }
        var found: [(id: Int64, range: Range<Int>)] = []
        while true {
            let result = sqlite3_step(handle)
            if result == SQLITE_DONE { break }
            guard result == SQLITE_ROW else { throw stepFailure() }
            guard let first = sqlite3_column_blob(handle, 1), let last = sqlite3_column_blob(handle, 2),
                sqlite3_column_bytes(handle, 1) == 32, sqlite3_column_bytes(handle, 2) == 32
            else { continue }
            let lower = Self.lowerBound(first, in: digests, count: count).index
            let upper = Self.lowerBound(last, in: digests, count: count)
            let end = upper.found ? upper.index + 1 : upper.index
            if lower < end { found.append((sqlite3_column_int64(handle, 0), lower..<end)) }
        }
        return found
    }

    /// Marks `held` for every digest in `range` that the chunk (`statement` reads its `subjects`)
    /// holds: by binary search of the
    /// smaller side in the larger, or by a merge when both are about the same size.
    private func markHeld(
        chunk statement: Statement, digests: UnsafeRawPointer, range: Range<Int>, held: inout [Bool]
    )
        throws
    {
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        let result = sqlite3_step(handle)
        guard result == SQLITE_ROW else {
            if result == SQLITE_DONE { return }
            throw stepFailure()
        }
        guard let chunk = sqlite3_column_blob(handle, 0) else { return }
        let size = Int(sqlite3_column_bytes(handle, 0)) / 32
        let wanted = range.count
        func log2(_ value: Int) -> Int { Int.bitWidth - max(value, 1).leadingZeroBitCount }
        if wanted * log2(size) < size + wanted {
            for index in range where Self.lowerBound(digests + index * 32, in: chunk, count: size).found {
                held[index] = true
            }
        } else if size * log2(wanted) < size + wanted {
            let window = digests + range.lowerBound * 32
            for entry in 0..<size {
                let position = Self.lowerBound(chunk + entry * 32, in: window, count: wanted)
                if position.found { held[range.lowerBound + position.index] = true }
            }
        } else {
            var index = range.lowerBound
            var entry = 0
            while index < range.upperBound, entry < size {
                let order = memcmp(chunk + entry * 32, digests + index * 32, 32)
                if order < 0 {
                    entry += 1
                } else {
                    if order == 0 { held[index] = true }
                    index += 1
                }
            }
        }
    }

    /// Writes sorted, unique, new hashes as chunks of at most `holdingChunkSize`, cut where the
    /// first byte changes.
    private func insertChunks(store: String, digests: [UInt8], source: String, recordedAt: String) throws {
        guard !digests.isEmpty else { return }
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO holding_chunk (store, source, recorded_at, first_subject, last_subject, subject_count, subjects)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        try statement.setArguments([store, source, recordedAt, nil, nil, nil, nil])
        let handle = statement.sqliteStatement
        try digests.withUnsafeBytes { buffer in
            let base = buffer.baseAddress!
            let total = digests.count / 32
            var start = 0
            while start < total {
                let chunk = base + start * 32
                let firstByte = chunk.load(as: UInt8.self)
                var size = 1
                while size < Self.holdingChunkSize, start + size < total,
                    (chunk + size * 32).load(as: UInt8.self) == firstByte
                {
                    size += 1
                }
                // SQLITE_STATIC: the buffer outlives the step.
                sqlite3_bind_blob(handle, 4, chunk, 32, nil)
                sqlite3_bind_blob(handle, 5, chunk + (size - 1) * 32, 32, nil)
                sqlite3_bind_int64(handle, 6, Int64(size))
                sqlite3_bind_blob(handle, 7, chunk, Int32(size * 32), nil)
                let result = sqlite3_step(handle)
                sqlite3_reset(handle)
                guard result == SQLITE_DONE else { throw stepFailure() }
                start += size
            }
        }
    }

    /// The first position in the sorted 32-byte hashes at `base` whose hash is not below `key`,
    /// and whether it is `key`.
    static func lowerBound(
        _ key: UnsafeRawPointer, in base: UnsafeRawPointer, count: Int
    ) -> (index: Int, found: Bool) {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if memcmp(base + middle * 32, key, 32) < 0 {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return (low, low < count && memcmp(base + low * 32, key, 32) == 0)
    }
}
