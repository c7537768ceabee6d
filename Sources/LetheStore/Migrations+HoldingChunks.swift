import Foundation
import GRDB

extension Migrations {
    /// Holdings are kept as sorted chunks of keyed hashes, one row per 4,096 subjects, instead of a
    /// row per subject.
    ///
    /// A chunk never spans two values of the first byte (a lookup reads only its key's 1/256 of the
    /// key space, however many small scans added sparse chunks). The chunk size is spelled out
    /// here rather than taken from the application, as every migration's SQL is.
    ///
    /// A store's first scan recorded a million holdings as a million B-tree rows (81 MB, 25× the
    /// time `sqlite3` takes to read the column); as chunks it writes the 32 MB of hashes and little
    /// else. A chunk holds subjects its store was first recorded to hold by one scan or import, so a
    /// subject is in at most one chunk of a store and the chunk's `recorded_at` dates it (what
    /// backups hold is judged from it). Erasures are few: `holding_erased` marks an erased subject
    /// of a store with its date; a subject recorded again loses its mark and keeps its chunk.
    ///
    /// The rows of the old table move over as they were: grouped by store, source and date, in key
    /// order; erased rows become marks.
    static func registerHoldingChunks(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("holding-chunks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE holding_chunk (
                        id INTEGER PRIMARY KEY,
                        store TEXT NOT NULL REFERENCES data_store(name),
                        source TEXT NOT NULL CHECK (source = 'import' OR source = 'scan' OR source = 'backup'),
                        recorded_at TEXT NOT NULL,
                        first_subject BLOB NOT NULL CHECK (typeof(first_subject) = 'blob' AND length(first_subject) = 32),
                        last_subject BLOB NOT NULL CHECK (
                            typeof(last_subject) = 'blob' AND length(last_subject) = 32
                            AND substr(last_subject, 1, 1) = substr(first_subject, 1, 1)),
                        subject_count INTEGER NOT NULL CHECK (subject_count >= 1),
                        subjects BLOB NOT NULL CHECK (
                            typeof(subjects) = 'blob' AND length(subjects) = 32 * subject_count
                            AND substr(subjects, 1, 32) = first_subject
                            AND substr(subjects, length(subjects) - 31, 32) = last_subject)
                    );
                    CREATE INDEX holding_chunk_by_store ON holding_chunk(store, first_subject, last_subject);
                    CREATE TABLE holding_erased (
                        store TEXT NOT NULL REFERENCES data_store(name),
                        subject BLOB NOT NULL CHECK (typeof(subject) = 'blob' AND length(subject) = 32),
                        erased_at TEXT NOT NULL,
                        PRIMARY KEY (store, subject)
                    ) WITHOUT ROWID;
                    """)
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO holding_chunk (store, source, recorded_at, first_subject, last_subject, subject_count, subjects)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            var group: [String] = []
            var chunk = Data()
            func flush() throws {
                guard !chunk.isEmpty else { return }
                try insert.execute(
                    arguments: [
                        group[0], group[1], group[2], chunk.prefix(32), chunk.suffix(32), chunk.count / 32, chunk,
                    ])
                chunk.removeAll(keepingCapacity: true)
            }
            let rows = try Row.fetchCursor(
                db,
                sql:
                    "SELECT store, source, recorded_at, subject FROM holding ORDER BY store, source, recorded_at, subject"
            )
            while let row = try rows.next() {
                let key: [String] = [row[0], row[1], row[2]]
                let subject: Data = row[3]
                if key != group || chunk.count == 32 * 4096 || chunk.first != subject.first {
                    try flush()
                    group = key
                }
                chunk.append(subject)
            }
            try flush()
            try db.execute(
                sql: """
                    INSERT INTO holding_erased (store, subject, erased_at)
                        SELECT store, subject, erased_at FROM holding WHERE erased_at IS NOT NULL ORDER BY store, subject;
                    DROP TABLE holding;
                    """)
        }
    }
}
