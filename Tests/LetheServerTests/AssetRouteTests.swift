import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lethe
import LetheCore
import LetheTestSupport
import Logging
import NIOCore
import Testing

@testable import LetheServer

/// The asset routes: the CLI's use cases over HTTP, with the CLI's JSON and errors.
@Suite struct AssetRouteTests {
    let server: TestServer

    init() async throws { server = try await TestServer() }

    @Test func anAssetGoesFromRegistrationThroughItsLifecycle() async throws {
        let it = server.token(.itStaff)
        try await server.application().test(.router) { client in
            // Given IT staff register a laptop
            let created = try await client.send(
                .post, "/api/v1/assets", token: it,
                json: [
                    "tag": "LAP-0042", "media_type": "laptop", "classification": "moderate", "serial": "5CG1234XYZ",
                    "capacity": "512GB", "custodian": "alice",
                ])
            #expect(created.status == .created)
            // Then the result has the CLI's --json keys
            #expect(created.object["tag"] as? String == "LAP-0042")
            #expect(created.object["media_type"] as? String == "laptop")
            #expect(created.object["capacity_bytes"] as? Int == 512_000_000_000)
            #expect(created.object["state"] as? String == "in-service")
            // And registering it again is a conflict with the CLI's message
            let again = try await client.send(
                .post, "/api/v1/assets", token: it,
                json: ["tag": "LAP-0042", "media_type": "laptop", "classification": "moderate"])
            #expect(again.status == .conflict)
            #expect(again.object["code"] as? String == "conflict")
            #expect((again.object["detail"] as? String)?.contains("LAP-0042") == true)
            // When it is updated, retired and moved
            let updated = try await client.send(
                .patch, "/api/v1/assets/LAP-0042", token: it, json: ["location": "HQ floor 3"])
            #expect(updated.status == .ok)
            #expect(updated.object["location"] as? String == "HQ floor 3")
            let retired = try await client.send(
                .post, "/api/v1/assets/LAP-0042/retire", token: it, json: ["reason": "end of lease"])
            #expect(retired.status == .ok, "\(retired.object)")
            let moved = try await client.send(
                .post, "/api/v1/assets/LAP-0042/move", token: it,
                json: ["to": "IT storage (bob)", "seals": ["SEAL-1"], "location": "Storage B"])
            #expect(moved.status == .ok, "\(moved.object)")
            #expect(moved.object["custodian"] as? String == "IT storage (bob)")
            // Then its history holds each step, by the authenticated user
            let history = try await client.send(.get, "/api/v1/assets/LAP-0042/history", token: it)
            let events = history.array
            #expect(events.count == 4, "\(events)")
            #expect(events.allSatisfy { $0["actor"] as? String == "it-staff" }, "\(events)")
            // And an asset that is not lost cannot be found
            let found = try await client.send(.post, "/api/v1/assets/LAP-0042/found", token: it)
            #expect(found.status == .conflict)
            let missing = try await client.send(.get, "/api/v1/assets/NOPE-1", token: it)
            #expect(missing.status == .notFound)
            #expect(missing.object["code"] as? String == "not-found")
        }
    }

    @Test func aMemberTheRouteDoesNotTakeIsRefusedAndNothingChanges() async throws {
        // (the walk-through's misspelt "custodain" was ignored, and the asset registered without one)
        let it = server.token(.itStaff)
        try await server.application().test(.router) { client in
            let created = try await client.send(
                .post, "/api/v1/assets", token: it,
                json: ["tag": "LAP-1", "media_type": "laptop", "classification": "high", "custodain": "alice"])
            #expect(created.status == .badRequest)
            #expect(created.object["code"] as? String == "usage")
            #expect((created.object["detail"] as? String)?.contains("'custodain'") == true, "\(created.object)")
            let listed = try await client.send(.get, "/api/v1/assets", token: it)
            #expect(listed.array.isEmpty && (listed.object["assets"] as? [Any])?.isEmpty != false, "\(listed.object)")
            // And a PATCH with a misspelt member changes nothing
            _ = try await client.send(
                .post, "/api/v1/assets", token: it,
                json: ["tag": "LAP-2", "media_type": "laptop", "classification": "high"])
            let patched = try await client.send(.patch, "/api/v1/assets/LAP-2", token: it, json: ["locaton": "HQ"])
            #expect(patched.status == .badRequest)
            let shown = try await client.send(.get, "/api/v1/assets/LAP-2", token: it)
            #expect(shown.object["location"] == nil || shown.object["location"] is NSNull)
        }
    }

    @Test func pathSegmentsArePercentDecoded() async throws {
        // (the walk-through could register LAP/9 and a user 'jo smith', then reach neither)
        let it = server.token(.itStaff)
        let admin = server.token(.admin)
        try await server.application().test(.router) { client in
            // Given an asset tagged with a slash and a user whose name has a space
            for tag in ["LAP/9", "LAP#1"] {
                let created = try await client.send(
                    .post, "/api/v1/assets", token: it,
                    json: ["tag": tag, "media_type": "laptop", "classification": "low"])
                #expect(created.status == .created)
            }
            let added = try await client.send(
                .post, "/api/v1/users", token: admin, json: ["name": "jo smith", "roles": ["auditor"]])
            #expect(added.status == .created, "\(added.object)")
            // Then their percent-encoded paths reach them
            let slash = try await client.send(.get, "/api/v1/assets/LAP%2F9", token: it)
            #expect(slash.status == .ok && slash.object["tag"] as? String == "LAP/9", "\(slash.object)")
            let hash = try await client.send(.get, "/api/v1/assets/LAP%231/history", token: it)
            #expect(hash.status == .ok, "\(hash.object)")
            let disabled = try await client.send(.post, "/api/v1/users/jo%20smith/disable", token: admin)
            #expect(disabled.status == .ok, "\(disabled.object)")
        }
    }

    @Test func theListPagesByTagAndSearchesText() async throws {
        let it = server.token(.itStaff)
        try await server.application().test(.router) { client in
            for (tag, make) in [("A-1", "Dell"), ("A-2", "HP"), ("A-3", "Dell"), ("B-1", "Lenovo")] {
                try await client.send(
                    .post, "/api/v1/assets", token: it,
                    json: ["tag": tag, "media_type": "laptop", "classification": "low", "make": make])
            }
            let first = try await client.send(.get, "/api/v1/assets?limit=2", token: server.token(.auditor))
            #expect(
                (first.object["assets"] as? [[String: Any]])?.compactMap { $0["tag"] as? String } == ["A-1", "A-2"])
            #expect(first.object["total"] as? Int == 4)
            let next = try #require(first.object["next_after"] as? String)
            let second = try await client.send(.get, "/api/v1/assets?limit=2&after=\(next)", token: it)
            #expect(
                (second.object["assets"] as? [[String: Any]])?.compactMap { $0["tag"] as? String } == ["A-3", "B-1"])
            let dell = try await client.send(.get, "/api/v1/assets?q=dELL", token: it)
            #expect((dell.object["assets"] as? [[String: Any]])?.compactMap { $0["tag"] as? String } == ["A-1", "A-3"])
            let bad = try await client.send(.get, "/api/v1/assets?state=gone", token: it)
            #expect(bad.status == .unprocessableContent || bad.status == .badRequest)
            #expect((bad.object["detail"] as? String)?.contains("gone") == true)
            let badLimit = try await client.send(.get, "/api/v1/assets?limit=0", token: it)
            #expect(badLimit.status == .badRequest)
        }
    }

    @Test func theListFiltersByClassificationAndMatchesSearchTextLiterally() async throws {
        let it = server.token(.itStaff)
        try await server.application().test(.router) { client in
            // Given assets whose models hold characters LIKE treats as wildcards
            for (tag, model, classification) in [
                ("W-1", "50% refurb", "high"), ("W-2", "500 series", "low"), ("W-3", "a_b", "high"),
                ("W-4", "axb", "moderate"), ("W-5", #"back\slash"#, "low"),
            ] {
                try await client.send(
                    .post, "/api/v1/assets", token: it,
                    json: ["tag": tag, "media_type": "ssd", "classification": classification, "model": model])
            }
            func tags(_ query: String) async throws -> [String] {
                let page = try await client.send(.get, "/api/v1/assets?\(query)", token: it)
                #expect(page.status == .ok, "\(query): \(page.object)")
                return (page.object["assets"] as? [[String: Any]])?.compactMap { $0["tag"] as? String } ?? []
            }
            // Then %, _ and \ in the search text match only themselves
            #expect(try await tags("q=50%25") == ["W-1"])
            #expect(try await tags("q=a_b") == ["W-3"])
            #expect(try await tags("q=k%5Cs") == ["W-5"])
            // And the classification filter combines with the others
            #expect(try await tags("classification=high") == ["W-1", "W-3"])
            #expect(try await tags("classification=low&q=SERIES") == ["W-2"])
            let bad = try await client.send(.get, "/api/v1/assets?classification=secret", token: it)
            #expect((bad.object["detail"] as? String)?.contains("secret") == true)
        }
    }

    @Test func anImportStreamsItsCSVAllOrNothing() async throws {
        let it = server.token(.itStaff)
        try await server.application().test(.router) { client in
            let csv = "asset_tag,media_type,classification\nC-1,ssd,high\nC-2,hdd,low\nC-3,laptop,moderate\n"
            let imported = try await client.send(
                .post, "/api/v1/assets/import?file_name=dir/assets.csv", token: it, body: ByteBuffer(string: csv),
                headers: [.contentType: "text/csv"])
            #expect(imported.status == .created, "\(imported.object)")
            #expect(imported.object["registered"] as? Int == 3)
            #expect((imported.object["sha256"] as? String)?.count == 64)
            // A bad row fails the whole file: 422 listing the row, nothing written
            let bad = "asset_tag,media_type,classification\nD-1,ssd,high\nD-2,floppy,low\n"
            let refused = try await client.send(
                .post, "/api/v1/assets/import", token: it, body: ByteBuffer(string: bad),
                headers: [.contentType: "text/csv"])
            #expect(refused.status == .unprocessableContent, "\(refused.object)")
            #expect((refused.object["errors"] as? [String])?.first?.contains("line 3") == true, "\(refused.object)")
            let d1 = try await client.send(.get, "/api/v1/assets/D-1", token: it)
            #expect(d1.status == .notFound)
        }
    }

    @Test func oversizedBodiesAre413Problems() async throws {
        let it = server.token(.itStaff)
        // A JSON body past Hummingbird's upload limit
        try await server.application().test(.router) { client in
            let huge = try await client.send(
                .post, "/api/v1/assets", token: it,
                json: [
                    "tag": "BIG-1", "media_type": "ssd", "classification": "low",
                    "notes": String(repeating: "x", count: 3 << 20),
                ])
            #expect(huge.status == .contentTooLarge)
            #expect(huge.object["code"] as? String == "too-large")
        }
        // An import past its own (here small) cap: streamed, refused, nothing written
        let router = Router(context: LetheRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        let api = router.group("api/v1").add(
            middleware: AuthenticationMiddleware(users: server.installation.app.users, limiter: .init(limit: 10)))
        AssetRoutes(app: server.installation.app, maxImportBytes: 64 << 10).add(to: api)
        let rows = (0..<5_000).map { "E-\($0),ssd,low" }.joined(separator: "\n")
        try await Application(router: router).test(.router) { client in
            let response = try await client.send(
                .post, "/api/v1/assets/import", token: it,
                body: ByteBuffer(string: "asset_tag,media_type,classification\n" + rows),
                headers: [.contentType: "text/csv"])
            #expect(response.status == .contentTooLarge, "\(response.object)")
            // with the import's own cap in the message, not a generic one
            #expect(
                (response.object["detail"] as? String)?.contains("an import body may be at most 65536 bytes") == true)
        }
        #expect(try await server.installation.app.assets.list(.init(text: "E-"), by: .auditor).total == 0)
    }
}

extension AssetRouteTests {
    /// `count` rows of Lethe's CSV format, tags `prefix-000000` on, each about 170 bytes long (its
    /// note padded: few rows make a large body, so the import stays quick on a loaded machine,
    /// well within the test client's fixed 20 s).
    static func csv(_ prefix: String, rows count: Int) -> ByteBuffer {
        var text = "asset_tag,media_type,classification,notes\n"
        let padding = String(repeating: ".", count: 110)
        for index in 0..<count {
            text +=
                "\(prefix)-\(String(format: "%06d", index)),ssd,low,row \(index) of a file that arrives in many reads\(padding)\n"
        }
        return ByteBuffer(string: text)
    }

    @Test func anImportOverASocketArrivesInPiecesAndIsWholeOrNothing() async throws {
        let it = server.token(.itStaff)
        // Given a 1.4 MB file sent over a real connection (the server reads it in many pieces)
        let big = Self.csv("S", rows: 8_000)
        #expect(big.readableBytes > 1 << 20)
        try await server.application().test(.live) { client in
            let imported = try await client.send(
                .post, "/api/v1/assets/import", token: it, body: big, headers: [.contentType: "text/csv"])
            #expect(imported.status == .created, "\(imported.object)")
            #expect(imported.object["registered"] as? Int == 8_000)
        }
        // And past the cap, cut off after the first pieces were already read and parsed: 413, nothing written
        let router = Router(context: LetheRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        let api = router.group("api/v1").add(
            middleware: AuthenticationMiddleware(users: server.app.users, limiter: .init(limit: 10)))
        AssetRoutes(app: server.app, maxImportBytes: 1 << 20).add(to: api)
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(
            .live
        ) { client in
            let refused = try await client.send(
                .post, "/api/v1/assets/import", token: it, body: Self.csv("T", rows: 8_000),
                headers: [.contentType: "text/csv"])
            #expect(refused.status == .contentTooLarge, "\(refused.object)")
        }
        #expect(try await server.app.assets.list(.init(text: "T-"), by: .auditor).total == 0)
        #expect(try await server.app.assets.list(.init(text: "S-"), by: .auditor).total == 8_000)
    }
}
