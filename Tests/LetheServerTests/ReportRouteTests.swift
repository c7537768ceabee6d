import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import NIOCore
import Testing

@testable import LetheServer

/// The report routes: `lethe report` over HTTP, signed like records, rendered for people.
@Suite struct ReportRouteTests {
    let server: TestServer

    init() async throws { server = try await TestServer() }

    @Test func complianceGeneratesASignedReportThatAnAuditorReadsRendersAndReproduces() async throws {
        let (it, compliance, auditor) = (server.token(.itStaff), server.token(.compliance), server.token(.auditor))
        try await server.application().test(.router) { client in
            // Given a registered laptop
            let created = try await client.send(
                .post, "/api/v1/assets", token: it,
                json: ["tag": "LAP-7", "media_type": "laptop", "classification": "moderate", "serial": "SN7"])
            #expect(created.status == .created)
            // When compliance generates the inventory report
            let report = try await client.send(
                .post, "/api/v1/reports", token: compliance, json: ["kind": "inventory"])
            #expect(report.status == .created, "\(String(buffer: report.raw))")
            let serial = try #require(report.object["serial"] as? String)
            // Then an auditor lists it, reads it, downloads its CSV and reproduces it byte for byte
            let listed = try await client.send(.get, "/api/v1/reports", token: auditor)
            #expect((listed.object["reports"] as? [[String: Any]])?.compactMap { $0["serial"] as? String } == [serial])
            let shown = try await client.send(.get, "/api/v1/reports/\(serial)", token: auditor)
            #expect(shown.status == .ok)
            let csv = try await client.send(.get, "/api/v1/reports/\(serial)/rendering?format=csv", token: auditor)
            #expect(csv.status == .ok)
            #expect(String(buffer: csv.raw).contains("LAP-7"))
            let reproduced = try await client.send(.get, "/api/v1/reports/\(serial)/reproduction", token: auditor)
            #expect(reproduced.object["identical"] as? Bool == true)
            // And an auditor may not generate one, nor may anyone name a kind that does not exist
            let refused = try await client.send(.post, "/api/v1/reports", token: auditor, json: ["kind": "inventory"])
            #expect(refused.status == .forbidden)
            let unknown = try await client.send(.post, "/api/v1/reports", token: compliance, json: ["kind": "weekly"])
            #expect(unknown.status == .unprocessableContent)
            let badFormat = try await client.send(
                .get, "/api/v1/reports/\(serial)/rendering?format=docx", token: auditor)
            #expect(badFormat.status == .badRequest)
            let again = try await client.send(.get, "/api/v1/reports", token: auditor)
            #expect((again.object["reports"] as? [[String: Any]])?.count == 1)
        }
    }
}
