import GRDB

extension Migrations {
    /// A large record's bytes (a report's, spooled while it was computed) are stored as pieces
    /// of a table of their own, each inserted once: written into its own column, a zero-blob
    /// the record's size went through the write-ahead log first, then its bytes over it — at a
    /// year's size, 600 MB written twice and read back once, the largest part of issuing the
    /// report.
    ///
    /// A pieced record's `body` is empty (no record is empty otherwise); its bytes are its pieces
    /// in order, numbered from 1. The pieces are inserted before their record, in the same
    /// transaction (their reference to it is checked at commit), and none may be inserted once
    /// the record exists: an issued record cannot gain bytes, nor lose or change a piece.
    static func registerRecordPieces(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("signed-record-pieces") { db in
            try db.execute(
                sql: """
                    CREATE TABLE signed_record_piece (
                        serial TEXT NOT NULL REFERENCES signed_record(serial) DEFERRABLE INITIALLY DEFERRED,
                        piece INTEGER NOT NULL CHECK (piece >= 1),
                        bytes BLOB NOT NULL CHECK (length(bytes) >= 1),
                        PRIMARY KEY (serial, piece)
                    );
                    CREATE TRIGGER signed_record_piece_before_its_record BEFORE INSERT ON signed_record_piece
                    WHEN EXISTS (SELECT 1 FROM signed_record WHERE serial = NEW.serial)
                    BEGIN
                        SELECT RAISE(ABORT, 'a signed record cannot be changed: revoke it and issue another');
                    END;
                    CREATE TRIGGER signed_record_piece_is_append_only_update BEFORE UPDATE ON signed_record_piece
                    BEGIN
                        SELECT RAISE(ABORT, 'a signed record cannot be changed: revoke it and issue another');
                    END;
                    CREATE TRIGGER signed_record_piece_is_append_only_delete BEFORE DELETE ON signed_record_piece
                    BEGIN
                        SELECT RAISE(ABORT, 'a signed record cannot be deleted: revoke it');
                    END;
                    """)
        }
    }
}
