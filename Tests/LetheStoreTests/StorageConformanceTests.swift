import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// What every `LetheStorage` backend must do, whatever database is behind it: the application
/// layer relies on these guarantees and nothing else. Each test runs on every backend in
/// ``StorageConformanceTests/backends``; a second backend (PostgreSQL) is added to that list and
/// must pass the same tests.
@Suite struct StorageConformanceTests {
    /// A named way to make a fresh, empty, migrated store (kept alive with its directory).
    struct Backend: Sendable, CustomTestStringConvertible {
        var name: String
        var make: @Sendable (TemporaryDirectory) throws -> any LetheStorage
        var testDescription: String { name }
    }

    static let backends: [Backend] = [
        Backend(name: "sqlite") { directory in try SQLiteStore(path: directory.file("lethe.sqlite")) }
    ]

    static let time = Date(timeIntervalSince1970: 1_795_338_000)

    static func asset(_ tag: String, _ type: MediaType = .hdd, state: LifecycleState = .inService) -> Asset {
        Asset(tag: tag, mediaType: type, classification: .low, state: state, registeredAt: time)
    }

    static func registered(_ tag: String) -> EventDraft {
        EventDraft(type: .assetRegistered, assetTag: tag, payload: ["tag": .string(tag)])
    }

    @Test(arguments: backends)
    func aWriteCommitsWhenItReturnsAndLeavesNothingWhenItThrows(_ backend: Backend) async throws {
        let directory = TemporaryDirectory()
        let store = try backend.make(directory)
        // Given one committed write
        try await store.write { (tx) throws(LetheError) in
            try tx.insert(Self.asset("A-1"))
            _ = try tx.append(Self.registered("A-1"), actor: "alice", at: Self.time)
        }
        // When a write changes two things and then fails
        await #expect(throws: LetheError.self) {
            try await store.write { (tx) throws(LetheError) in
                try tx.insert(Self.asset("A-2"))
                _ = try tx.append(Self.registered("A-2"), actor: "alice", at: Self.time)
                throw LetheError(.invalidInput, "row 2 is bad")
            }
        }
        // Then neither of them is there, and the first write is
        let state = try await store.read { (tx) throws(LetheError) in
            (try tx.asset(tag: "A-1") != nil, try tx.asset(tag: "A-2") != nil, try tx.eventCount())
        }
        #expect(state == (true, false, 1))
    }

    @Test(arguments: backends)
    func aDryRunIsAlwaysRolledBack(_ backend: Backend) async throws {
        let store = try backend.make(TemporaryDirectory())
        let seen = try await store.write(dryRun: true) { (tx) throws(LetheError) in
            try tx.insert(Self.asset("A-1"))
            return try tx.asset(tag: "A-1") != nil
        }
        #expect(seen, "a dry run sees its own changes")
        #expect(try await store.read { (tx) throws(LetheError) in try tx.countAssets(AssetQuery()) } == 0)
    }

    @Test(arguments: backends)
    func eventsAreNumberedWithoutGapsAndKeepTheirBytes(_ backend: Backend) async throws {
        let store = try backend.make(TemporaryDirectory())
        let appended = try await store.write { (tx) throws(LetheError) in
            try (1...5).map { (number) throws(LetheError) in
                try tx.insert(Self.asset("A-\(number)"))
                return try tx.append(Self.registered("A-\(number)"), actor: "alice", at: Self.time)
            }
        }
        #expect(appended.map(\.seq) == [1, 2, 3, 4, 5])
        let read = try await store.read { (tx) throws(LetheError) in try tx.events(fromSeq: 1, limit: 10) }
        #expect(read.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(read.map(\.bytes) == appended.map(\.bytes), "stored bytes come back verbatim")
        let history = try await store.read { (tx) throws(LetheError) in try tx.events(assetTag: "A-3") }
        #expect(history.map(\.seq) == [3])
        #expect(try await store.read { (tx) throws(LetheError) in try tx.lastEvent()?.seq } == 5)
    }

    @Test(arguments: backends)
    func assetsAreQueriedByStateAndTypeAndPagedByTag(_ backend: Backend) async throws {
        let store = try backend.make(TemporaryDirectory())
        try await store.write { (tx) throws(LetheError) in
            for number in 1...9 {
                try tx.insert(
                    Self.asset(
                        "T-\(number)", number % 3 == 0 ? .ssd : .hdd, state: number % 2 == 0 ? .retired : .inService))
            }
        }
        let result = try await store.read { (tx) throws(LetheError) in
            (
                retired: try tx.assets(AssetQuery(state: .retired)).map(\.tag),
                ssd: try tx.countAssets(AssetQuery(mediaType: .ssd)),
                page: try tx.assets(AssetQuery(afterTag: "T-3", limit: 3)).map(\.tag),
                all: try tx.countAssets(AssetQuery())
            )
        }
        #expect(result.retired == ["T-2", "T-4", "T-6", "T-8"])
        #expect(result.ssd == 3)
        #expect(result.page == ["T-4", "T-5", "T-6"])
        #expect(result.all == 9)
    }

    @Test(arguments: backends)
    func aDuplicateTagAndAStaleStateAreConflictsThatChangeNothing(_ backend: Backend) async throws {
        let store = try backend.make(TemporaryDirectory())
        try await store.write { (tx) throws(LetheError) in try tx.insert(Self.asset("A-1")) }
        do {
            try await store.write { (tx) throws(LetheError) in try tx.insert(Self.asset("A-1", .ssd)) }
            Issue.record("a second asset with the same tag was stored")
        } catch {
            #expect(error.code == .conflict)
        }
        do {
            try await store.write { (tx) throws(LetheError) in
                try tx.setState(tag: "A-1", from: .retired, to: .awaitingSanitization, destination: nil, at: Self.time)
            }
            Issue.record("a state change from a state the asset is not in was stored")
        } catch {
            #expect(error.code == .conflict)
        }
        let stored = try await store.read { (tx) throws(LetheError) in try tx.asset(tag: "A-1") }
        #expect(stored?.mediaType == .hdd)
        #expect(stored?.state == .inService)
    }

    @Test(arguments: backends)
    func concurrentWritesAreSerialisedAndEachGetsItsOwnSequenceNumber(_ backend: Backend) async throws {
        let store = try backend.make(TemporaryDirectory())
        // When 16 tasks write at once
        let seqs = try await withThrowingTaskGroup(of: Int64.self) { group in
            for number in 1...16 {
                group.addTask {
                    try await store.write { (tx) throws(LetheError) in
                        try tx.insert(Self.asset("C-\(number)"))
                        return try tx.append(Self.registered("C-\(number)"), actor: "task", at: Self.time).seq
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Then every write landed, in some order, with the numbers 1...16 once each
        #expect(seqs.sorted() == Array(1...16))
        #expect(try await store.read { (tx) throws(LetheError) in try tx.countAssets(AssetQuery()) } == 16)
    }

    @Test(arguments: backends)
    func theBlockingAndAsyncFormsSeeTheSameData(_ backend: Backend) async throws {
        let store = try backend.make(TemporaryDirectory())
        try Self.blockingInsert("S-1", into: store)
        #expect(try await store.read { (tx) throws(LetheError) in try tx.asset(tag: "S-1")?.tag } == "S-1")
        try await store.write { (tx) throws(LetheError) in try tx.insert(Self.asset("S-2")) }
        #expect(try Self.blockingCount(store) == 2)
    }

    /// The blocking forms, as an engine on its own thread calls them.
    static func blockingInsert(_ tag: String, into store: any LetheStorage) throws {
        try store.write { (tx) throws(LetheError) in try tx.insert(Self.asset(tag)) }
    }

    static func blockingCount(_ store: any LetheStorage) throws -> Int {
        try store.read { (tx) throws(LetheError) in try tx.countAssets(AssetQuery()) }
    }
}
