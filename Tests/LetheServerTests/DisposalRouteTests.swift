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

/// A disposal over HTTP, from registration to a downloaded evidence bundle, with separation of
/// duties between the authenticated users.
@Suite struct DisposalRouteTests {
    @Test func aDriveGoesFromRegistrationToADownloadedBundle() async throws {
        let server = try await TestServer()
        let users = server.installation.app.users
        let local = try Principal.localOperator("operator")
        // One person who both works and verifies, and a second compliance officer to approve
        let both = try await users.add(name: "tv", roles: [.technician, .verifier], by: local).token.secret
        let approver = try await users.add(name: "manager", roles: [.compliance], by: local).token.secret
        try await server.application().test(.router) { client in
            // Given a retired high-impact drive and its scheduled job
            let registered = try await client.send(
                .post, "/api/v1/assets", token: server.token(.itStaff),
                json: ["tag": "HDD-9", "media_type": "hdd", "classification": "high", "state": "retired"])
            #expect(registered.status == .created, "\(registered.object)")
            let scheduled = try await client.send(.post, "/api/v1/schedule", token: server.token(.compliance))
            #expect(scheduled.status == .ok, "\(scheduled.object)")
            let listing = try await client.send(.get, "/api/v1/jobs?asset=HDD-9", token: server.token(.auditor))
            let id = try #require(
                (listing.object["jobs"] as? [[String: Any]])?.first?["id"] as? Int, "\(listing.object)")
            // The requester cannot approve its own job; a second person does
            let selfApproval = try await client.send(
                .post, "/api/v1/jobs/\(id)/approve", token: server.token(.compliance))
            #expect(selfApproval.status == .forbidden, "\(selfApproval.object)")
            let approved = try await client.send(.post, "/api/v1/jobs/\(id)/approve", token: approver)
            #expect(approved.status == .ok, "\(approved.object)")
            #expect(try await client.send(.post, "/api/v1/jobs/\(id)/start", token: both).status == .ok)
            // When the work is recorded with its certificate uploaded as evidence
            let recorded = try await client.send(
                .post, "/api/v1/jobs/\(id)/evidence?name=cert-4411.pdf&technique=shred&tool=Acme&tool_version=form%203",
                token: both, body: ByteBuffer(string: "certificate of destruction 4411"),
                headers: [.contentType: "application/octet-stream"])
            #expect(recorded.status == .ok, "\(recorded.object)")
            #expect(recorded.object["state"] as? String == "executed")
            // Then the one who did it cannot attest it: 403, and the job is unchanged
            let certificate = ByteBuffer(string: "certificate of destruction 4411")
            let selfAttested = try await client.send(
                .post, "/api/v1/jobs/\(id)/attestations?name=cert-4411.pdf&notes=fine", token: both,
                body: certificate)
            #expect(selfAttested.status == .forbidden, "\(selfAttested.object)")
            #expect((selfAttested.object["detail"] as? String)?.contains("tv executed job \(id)") == true)
            let unchanged = try await client.send(.get, "/api/v1/jobs/\(id)", token: server.token(.auditor))
            #expect(unchanged.object["state"] as? String == "executed")
            #expect((unchanged.object["evidence"] as? [[String: Any]])?.count == 1)
            // And another verifier attests, a record is issued and its bundle downloads
            let attested = try await client.send(
                .post, "/api/v1/jobs/\(id)/attestations?name=cert-4411.pdf&notes=checked%20against%20the%20serial",
                token: server.token(.verifier), body: certificate)
            #expect(attested.status == .created, "\(attested.object)")
            let issued = try await client.send(
                .post, "/api/v1/certificates", token: server.token(.verifier), json: ["job": id])
            #expect(issued.status == .created, "\(issued.object)")
            let serial = try #require(issued.object["serial"] as? String)
            let tarball = try await client.send(
                .get, "/api/v1/certificates/\(serial)/bundle", token: server.token(.auditor))
            #expect(tarball.status == .ok)
            let gzip = Array(tarball.raw.readableBytesView)
            #expect(gzip.prefix(2) == [0x1f, 0x8b])
            #expect(String(decoding: gzip, as: UTF8.self).contains("\(serial)/VERIFY.txt"))
            let zip = try await client.send(
                .get, "/api/v1/certificates/\(serial)/bundle?format=zip", token: server.token(.auditor))
            #expect(Array(zip.raw.readableBytesView).prefix(4) == [0x50, 0x4b, 3, 4])
            // Every event names the authenticated user who acted
            let history = try await client.send(.get, "/api/v1/assets/HDD-9/history", token: server.token(.auditor))
            let actors = Set(
                history.array.compactMap { $0["actor"] as? String })
            #expect(actors.isSuperset(of: ["it-staff", "tv", "verifier"]), "\(actors)")
        }
    }

    @Test func aBundleArchiveUnpacksWithTheSystemTools() throws {
        let files: [(String, [UInt8])] = [
            ("a.txt", Array("hello\n".utf8)), ("b.bin", (0..<200_000).map { UInt8($0 % 251) }), ("c.txt", []),
        ]
        // Handed over in uneven pieces, and written out in chunks smaller than a gzip block
        let entries = files.map { (name, bytes) in
            RecordBundle.Entry(name: name, count: bytes.count) { (sink) throws(LetheError) in
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + 7_777)
                    try sink(Array(bytes[start..<end]))
                    start = end
                }
            }
        }
        let directory = TemporaryDirectory()
        for format in BundleArchive.Format.allCases {
            let archive = directory.file("bundle.\(format.rawValue)")
            var bytes: [UInt8] = []
            try BundleArchive.write(format, directory: "ADS-1", entries: entries, chunkBytes: 10_000) {
                (piece) throws(LetheError) in bytes += piece
            }
            try Data(bytes).write(to: URL(fileURLWithPath: archive))
            let tool = format == .zip ? "/usr/bin/unzip" : "/bin/tar"
            guard FileManager.default.isExecutableFile(atPath: tool) else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            let out = directory.file(format == .zip ? "zip" : "tar")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            process.arguments = format == .zip ? ["-q", archive, "-d", out] : ["-xzf", archive, "-C", out]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(tool)")
            for (name, bytes) in files {
                #expect(
                    FileManager.default.contents(atPath: "\(out)/ADS-1/\(name)") == Data(bytes), "\(format) \(name)")
            }
        }
    }

    @Test func theCRCIsIEEE8023sFedInPiecesOfAnyLength() {
        var crc = BundleArchive.CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
        // Fed in pieces of every length, the same as whole
        let bytes = (0..<1_000).map { UInt8(($0 * 7) % 256) }
        var whole = BundleArchive.CRC32()
        whole.update(bytes)
        var pieces = BundleArchive.CRC32()
        var start = 0
        for length in 1...44 where start < bytes.count {
            pieces.update(Array(bytes[start..<min(bytes.count, start + length)]))
            start += length
        }
        pieces.update(Array(bytes[min(start, bytes.count)...]))
        #expect(pieces.value == whole.value)
    }
}
