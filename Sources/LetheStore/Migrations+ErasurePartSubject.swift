import GRDB

extension Migrations {
    /// An erasure part's subject (the keyed hash it concerns) is a column written with the part,
    /// so that queries for the subjects erased in a store read no JSON; parts recorded before get
    /// it from their outcome.
    static func registerErasurePartSubject(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("erasure-part-subject") { db in
            try db.execute(
                sql: """
                    ALTER TABLE erasure_part ADD COLUMN subject TEXT;
                    UPDATE erasure_part SET subject = json_extract(CAST(outcome AS TEXT), '$.subject');
                    CREATE INDEX erasure_part_subject_by_store ON erasure_part(store, subject);
                    """)
        }
    }
}
