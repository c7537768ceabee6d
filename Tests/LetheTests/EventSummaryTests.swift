import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

/// Policies with one rule for every medium (Clear by overwrite), for planning jobs.
private let overwriteEverything = LoadedPolicies(
    directory: "/none", files: [],
    set: PolicySet(sanitization: [
        SanitizationRule(
            mediaTypes: MediaType.allCases, classifications: Classification.allCases, method: .clear,
            techniques: [.overwrite], verification: VerificationRequirement(mode: .full), secondPerson: false,
            separationOfDuties: true, deadline: ISODuration(days: 30), issueRecord: false, source: "test.yaml:1:1")
    ]), version: String(repeating: "c", count: 64))

@Test func jobEventsReadAsSentencesInTheHistoryNotAsRawJSON() throws {
    let installation = try TestInstallation()
    let app = installation.app
    _ = try app.registerAsset(
        AssetFields(tag: "HDD-1", mediaType: "hdd", classification: "low", state: "retired"), actor: "it")
    _ = try app.runSchedule(policies: overwriteEverything, actor: "scheduler")
    let scheduled = try #require(try app.history(tag: "HDD-1").first { $0.type == .jobScheduled })
    #expect(!scheduled.summary.hasPrefix("{"), "\(scheduled.summary)")
    #expect(scheduled.summary.hasPrefix("job 1 scheduled: clear (overwrite), due "), "\(scheduled.summary)")
    #expect(scheduled.summary.contains("rule test.yaml:1:1"))
    for event in try app.history(tag: "HDD-1") {
        #expect(!event.summary.hasPrefix("{"), "\(event.type.rawValue): \(event.summary)")
    }
}
