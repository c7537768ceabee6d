import Foundation
import GRDB
import LetheCore

extension SQLiteStore {
    /// Copies the write-ahead log into the database and truncates it, so that content overwritten
    /// with `secure_delete` (a shredded backup key) survives in no log frame: on GRDB's writer
    /// queue, while the calling task is suspended. Called after a shred.
    public func checkpointAfterSecureDelete() async throws(LetheError) {
        do {
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        } catch {
            throw Self.map(error, path: path)
        }
    }
}
