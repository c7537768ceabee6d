import GRDB

extension Migrations {
    /// A partial index of the verification-run events, so that `lethe status` and the console's
    /// dashboard find the last run without walking the whole log backwards (which they did when
    /// no run had been recorded for a while: every event, millions on a large installation). It
    /// holds only those events, so other inserts do not maintain it.
    static func registerVerificationRunIndex(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("event-verification-run-index") { db in
            try db.execute(
                sql: "CREATE INDEX event_verification_run ON event(seq) WHERE type = 'verification.run';")
        }
    }
}
