import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// Brief reads (a token, one asset, on every request) run on connections of the store's own: they
/// see every committed write and survive more readers than connections.
@Suite struct BriefReadTests {
    static let time = Date(timeIntervalSince1970: 1_795_338_000)

    static func asset(_ tag: String, notes: String? = nil) -> Asset {
        Asset(tag: tag, mediaType: .hdd, classification: .low, notes: notes, registeredAt: time)
    }

    @Test func aBriefReadSeesEveryCommittedWriteAndTheAttachedAssets() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("lethe.sqlite"))
        // Given a server and, later, a drive attached to it
        try await store.write { (tx) throws(LetheError) in try tx.insert(Self.asset("SRV-1")) }
        let first = try await store.briefRead { (tx) throws(LetheError) in
            (try tx.asset(tag: "SRV-1"), try tx.attachedAssets(to: "SRV-1").map(\.tag))
        }
        #expect(first.0?.tag == "SRV-1")
        #expect(first.1.isEmpty)
        try await store.write { (tx) throws(LetheError) in
            var drive = Self.asset("HDD-1", notes: "bay 2")
            drive.parentTag = "SRV-1"
            try tx.insert(drive)
        }
        // When it is read again on the same connection
        let second = try await store.briefRead { (tx) throws(LetheError) in
            (try tx.asset(tag: "HDD-1"), try tx.attachedAssets(to: "SRV-1"))
        }
        // Then the new row is there, every field as written
        #expect(second.0 == Self.asset("HDD-1", notes: "bay 2").withParent("SRV-1"))
        #expect(second.1.map(\.tag) == ["HDD-1"])
        #expect(second.1.map(\.state) == [.inService])
    }

    @Test func moreReadersThanConnectionsAllGetTheirAnswer() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("lethe.sqlite"))
        try await store.write { (tx) throws(LetheError) in
            for index in 0..<20 { try tx.insert(Self.asset("A-\(index)")) }
        }
        // When 200 brief reads run at once (a connection per processor; the rest use the pool)
        let found = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await store.briefRead { (tx) throws(LetheError) in try tx.asset(tag: "A-\(index % 20)")?.tag }
                }
            }
            return try await group.reduce(into: [String]()) { if let tag = $1 { $0.append(tag) } }
        }
        // Then every one found its asset
        #expect(found.count == 200)
    }
}

extension Asset {
    fileprivate func withParent(_ tag: String) -> Asset {
        var asset = self
        asset.parentTag = tag
        return asset
    }
}
