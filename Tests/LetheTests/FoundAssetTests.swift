import Foundation
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@Test func aLostAssetThatTurnsUpAwaitsSanitizationAndScheduleGivesItAJob() throws {
    // Given a server and its drive, lost together
    let lethe = try TestInstallation()
    let app = lethe.app
    try app.registerAsset(AssetFields(tag: "SRV-1", mediaType: "server", classification: "high"), actor: "it")
    try app.registerAsset(
        AssetFields(tag: "SRV-1-D1", mediaType: "ssd", classification: "high", parentTag: "SRV-1"), actor: "it")
    try app.reportLost(tag: "SRV-1", reason: "missing after move", actor: "it")

    // When the server turns up
    let found = try app.reportFound(tag: "SRV-1", location: "IT storage", actor: "bob")

    // Then it and its drive await sanitization, at the new location, and history says it was found
    #expect(found.map(\.tag) == ["SRV-1", "SRV-1-D1"])
    #expect(try app.asset(tag: "SRV-1").state == .awaitingSanitization)
    #expect(try app.asset(tag: "SRV-1").location == "IT storage")
    #expect(try app.asset(tag: "SRV-1-D1").state == .awaitingSanitization)
    let last = try #require(try app.history(tag: "SRV-1").last)
    #expect(last.type == .assetStateChanged)
    #expect(last.payload["from"]?.stringValue == "lost")
    #expect(last.payload["found"] == .bool(true))
    #expect(last.summary.contains("lost → awaiting-sanitization (found at IT storage)"))

    // And schedule plans a job for each
    let result = try app.schedule(policies: try LetheApp.loadPolicies(source: .embeddedDefault), actor: "it")
    #expect(Set(result.created.map(\.assetTag)) == ["SRV-1", "SRV-1-D1"])
}

@Test func onlyALostAssetCanBeFoundAndARefusalChangesNothing() throws {
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "low"), actor: "it")
    let events = try lethe.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
    #expect {
        try lethe.app.reportFound(tag: "LAP-1", location: "desk", actor: "it")
    } throws: { error in
        let error = error as! LetheError
        return error.code == .illegalTransition && error.message.contains("LAP-1")
            && error.message.contains("in-service")
    }
    #expect(try lethe.app.asset(tag: "LAP-1").location == nil)
    #expect(try lethe.app.store.read { (tx) throws(LetheError) in try tx.eventCount() } == events)
}
