import GRDB

extension Migrations {
    /// When an asset last moved to `retired`, in a column written with the state change: a job's
    /// deadline runs from it, and the rule no longer reads JSON out of event bodies (a second
    /// backend need not parse SQLite's JSON). Filled from each asset's last `asset.state-changed`
    /// event to `retired`; an asset imported as retired has none, as before.
    static func registerAssetRetiredAt(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("asset-retired-at") { db in
            try db.execute(
                sql: """
                    ALTER TABLE asset ADD COLUMN retired_at TEXT;
                    UPDATE asset SET retired_at = (
                        SELECT e.recorded_at FROM event e
                        WHERE e.asset_tag = asset.tag AND e.type = 'asset.state-changed'
                            AND json_extract(CAST(e.body AS TEXT), '$.payload.to') = 'retired'
                        ORDER BY e.seq DESC LIMIT 1);
                    """)
        }
    }
}
