import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// Group commit: concurrent writes share transactions, yet each succeeds or fails on its own and
/// the evidence log stays whole.
@Suite struct GroupCommitTests {
    @Test func concurrentWritesSucceedOrFailEachOnItsOwn() async throws {
        // Given an installation
        let installation = try TestInstallation()
        let app = installation.app
        // When 60 registrations run at once, each of 30 tags twice
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for index in 0..<60 {
                tasks.addTask {
                    do {
                        _ = try await app.assets.register(
                            AssetFields(tag: "GC-\(index % 30)", mediaType: "laptop", classification: "low"),
                            by: .itStaff)
                        return true
                    } catch {
                        #expect((error as? LetheError)?.code == .conflict)
                        return false
                    }
                }
            }
            return try await tasks.reduce(into: [Bool]()) { $0.append($1) }
        }
        // Then exactly one of each pair is registered, the other refused, and nothing else changed
        #expect(outcomes.filter { $0 }.count == 30)
        let (assets, events) = try await app.store.read { (tx) throws(LetheError) in
            (try tx.countAssets(AssetQuery()), try tx.eventCount())
        }
        #expect(assets == 30)
        let registered = try await app.store.read { (tx) throws(LetheError) in
            try tx.events(fromSeq: 1, limit: 1000).filter { $0.type == .assetRegistered }.count
        }
        #expect(registered == 30)
        #expect(events >= 30)
        // And the log verifies
        #expect(try await app.evidence.verifyLog(by: .auditor).passed)
    }
}
