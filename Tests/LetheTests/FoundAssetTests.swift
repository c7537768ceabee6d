import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

@Test func aLostAssetThatTurnsUpAwaitsSanitizationAndScheduleGivesItAJob() async throws {
    // Given a server and its drive, lost together
    let lethe = try TestInstallation()
    let app = lethe.app
    try await app.assets.register(
        AssetFields(tag: "SRV-1", mediaType: "server", classification: "high"), by: .local("it"))
    try await app.assets.register(
        AssetFields(tag: "SRV-1-D1", mediaType: "ssd", classification: "high", parentTag: "SRV-1"), by: .local("it"))
    try await app.assets.reportLost("SRV-1", reason: "missing after move", by: .local("it"))

    // When the server turns up
    let found = try await app.assets.reportFound("SRV-1", location: "IT storage", by: .local("bob"))

    // Then it and its drive await sanitization, at the new location, and history says it was found
    #expect(found.tags == ["SRV-1", "SRV-1-D1"])
    #expect(try await app.assets.show("SRV-1", by: .auditor).asset.state == .awaitingSanitization)
    #expect(try await app.assets.show("SRV-1", by: .auditor).asset.location == "IT storage")
    #expect(try await app.assets.show("SRV-1-D1", by: .auditor).asset.state == .awaitingSanitization)
    let last = try #require(try await app.assets.history("SRV-1", by: .auditor).events.last)
    #expect(last.type == .assetStateChanged)
    #expect(last.payload["from"]?.stringValue == "lost")
    #expect(last.payload["found"] == .bool(true))
    #expect(last.summary.contains("lost → awaiting-sanitization (found at IT storage)"))

    // And schedule plans a job for each
    let result = try app.schedule(policies: try LetheApp.loadPolicies(source: .embeddedDefault), actor: "it")
    #expect(Set(result.created.map(\.assetTag)) == ["SRV-1", "SRV-1-D1"])
}

@Test func onlyALostAssetCanBeFoundAndARefusalChangesNothing() async throws {
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(
        AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "low"), by: .local("it"))
    let events = try await lethe.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
    await #expect {
        try await lethe.app.assets.reportFound("LAP-1", location: "desk", by: .local("it"))
    } throws: { error in
        let error = error as! LetheError
        return error.code == .illegalTransition && error.message.contains("LAP-1")
            && error.message.contains("in-service")
    }
    #expect(try await lethe.app.assets.show("LAP-1", by: .auditor).asset.location == nil)
    #expect(try await lethe.app.store.read { (tx) throws(LetheError) in try tx.eventCount() } == events)
}
