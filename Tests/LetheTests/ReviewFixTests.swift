import Foundation
import LetheCore
import LetheSanitize
import LetheTestSupport
import Testing

@testable import Lethe

/// Defects a review of the whole change found.
@Suite struct ReviewFixTests {
    /// A plan made before its job was cancelled must not overwrite the disk when it is run.
    @Test func aPlanWhoseJobWasCancelledSinceOverwritesNothing() async throws {
        let installation = try TestInstallation()
        let app = installation.app
        let local = try Principal.localOperator("operator")
        let image = installation.root.file("stick.img")
        try Data(repeating: 0xA5, count: 1 << 20).write(to: URL(fileURLWithPath: image))
        _ = try await app.assets.register(
            AssetFields(tag: "USB-1", mediaType: "usb-flash", capacity: "1MiB", classification: "low"), by: local)
        _ = try await app.assets.retire("USB-1", by: local)
        let job = try #require(
            try await app.jobs.schedule(policies: try LetheApp.loadPolicies(.embeddedDefault), by: local).jobs.created
                .first)
        let plan = try await app.sanitization.plan(
            assetTag: "USB-1", SanitizeRequest(target: image, toolVersion: "test"), by: local)
        // When the job is cancelled between the plan and the run
        _ = try await app.jobs.cancel(job.id, reason: "asset sold as is", by: local)
        // Then the run is refused and the image is untouched
        let refusal = await #expect(throws: LetheError.self) {
            _ = try await app.sanitization.run(plan, by: local, stop: StopSignal())
        }
        #expect(refusal?.code == .illegalTransition)
        #expect(try Data(contentsOf: URL(fileURLWithPath: image)).allSatisfy { $0 == 0xA5 })
    }
}
