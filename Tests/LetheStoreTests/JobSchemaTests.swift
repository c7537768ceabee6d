import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// The job schema enforces its rules itself, whatever the application does.
@Suite struct JobSchemaTests {
    private let version = String(repeating: "a", count: 64)

    private func insertJob(
        _ installation: TestInstallation, state: String = "scheduled", reason: String = "NULL"
    )
        throws
    {
        try installation.rawSQL(
            """
            INSERT INTO job (asset_tag, state, method, techniques, verification_mode, second_person,
                separation_of_duties, due_at, policy_version, requested_by, reason, created_at, updated_at)
            VALUES ('D-1', '\(state)', 'purge', 'crypto-erase', 'full', 0, 1, '2026-12-22T09:00:00Z', '\(version)',
                'p', \(reason), '2026-11-22T09:00:00Z', '2026-11-22T09:00:00Z')
            """)
    }

    @Test func anAssetHasAtMostOneOpenJob() throws {
        // Given a registered drive with a scheduled job
        let installation = try TestInstallation()
        try installation.app.registerAsset(
            AssetFields(tag: "D-1", mediaType: "ssd", classification: "low"), actor: "it")
        try insertJob(installation)

        // Then a second open job is refused, but a finished one may sit beside it
        #expect(throws: (any Error).self) { try insertJob(installation) }
        try insertJob(installation, state: "cancelled", reason: "'duplicate'")
        #expect(try installation.count("job") == 2)
    }

    @Test func aCancelledJobNeedsAReasonAndAJobNeedsAnAsset() throws {
        let installation = try TestInstallation()
        try installation.app.registerAsset(
            AssetFields(tag: "D-1", mediaType: "ssd", classification: "low"), actor: "it")
        #expect(throws: (any Error).self) { try insertJob(installation, state: "cancelled") }
        try installation.rawSQL("PRAGMA foreign_keys = ON")
        #expect(throws: (any Error).self) {
            try installation.rawSQL(
                """
                INSERT INTO job (asset_tag, state, method, techniques, verification_mode, second_person,
                    separation_of_duties, due_at, policy_version, requested_by, created_at, updated_at)
                VALUES ('NOPE', 'scheduled', 'purge', 'crypto-erase', 'full', 0, 1, 'x', '\(version)', 'p', 'x', 'x')
                """)
        }
        #expect(try installation.count("job") == 0)
    }
}
