import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

@Test func theSchemaRefusesWhatTheDomainRefuses() throws {
    // The database checks its own invariants even if application code were wrong.
    let root = TemporaryDirectory()
    let store = try SQLiteStore(path: root.file("db.sqlite"))
    let insert =
        "INSERT INTO asset (tag, media_type, classification, encryption, state, registered_at, updated_at) VALUES "
    #expect(throws: (any Error).self) {
        try store.unsafeExecute(insert + "('A', 'floppy', 'low', 'none', 'in-service', 't', 't')")
    }
    #expect(throws: (any Error).self) {
        try store.unsafeExecute(insert + "('A', 'hdd', 'secret', 'none', 'in-service', 't', 't')")
    }
    #expect(throws: (any Error).self) {
        try store.unsafeExecute(insert + "('A', 'hdd', 'low', 'none', 'shredded', 't', 't')")
    }
    // A disposed asset needs a destination, and only a disposed asset has one.
    #expect(throws: (any Error).self) {
        try store.unsafeExecute(insert + "('A', 'hdd', 'low', 'none', 'disposed', 't', 't')")
    }
    // A parent must exist when the transaction commits.
    #expect(throws: (any Error).self) {
        try store.unsafeExecute(
            "INSERT INTO asset (tag, media_type, classification, encryption, state, registered_at, updated_at, parent_tag) VALUES ('B', 'hdd', 'low', 'none', 'in-service', 't', 't', 'NOPE')"
        )
    }
    try store.unsafeExecute(insert + "('A', 'hdd', 'low', 'none', 'in-service', 't', 't')")
    #expect(try store.countRows("asset") == 1)
}

@Test func reopeningMigratesNothingTwiceAndKeepsData() throws {
    let root = TemporaryDirectory()
    let path = root.file("db.sqlite")
    let first = try SQLiteStore(path: path)
    let time = Date(timeIntervalSince1970: 1_795_338_000)
    try first.write { (tx) throws(LetheError) in
        try tx.insert(Asset(tag: "A", mediaType: .hdd, classification: .low, registeredAt: time))
        try tx.append(EventDraft(type: .assetRegistered, assetTag: "A"), actor: "t", at: time)
    }
    let second = try SQLiteStore(path: path)
    #expect(try second.read { (tx) throws(LetheError) in try tx.eventCount() } == 1)
    #expect(try second.read { (tx) throws(LetheError) in try tx.asset(tag: "A")?.mediaType } == .hdd)
}

@Test func aDryRunWriteRollsBack() throws {
    let root = TemporaryDirectory()
    let store = try SQLiteStore(path: root.file("db.sqlite"))
    let time = Date(timeIntervalSince1970: 1_795_338_000)
    let seen = try store.write(dryRun: true) { (tx) throws(LetheError) in
        try tx.insert(Asset(tag: "A", mediaType: .hdd, classification: .low, registeredAt: time))
        return try tx.countAssets(AssetQuery())
    }
    #expect(seen == 1)
    #expect(try store.countRows("asset") == 0)
}

@Test func aStateChangeAppliesOnlyFromTheStateItWasPreparedFrom() throws {
    // Given an in-service asset with notes
    let root = TemporaryDirectory()
    let store = try SQLiteStore(path: root.file("db.sqlite"))
    let time = Date(timeIntervalSince1970: 1_795_338_000)
    let later = time.addingTimeInterval(60)
    try store.write { (tx) throws(LetheError) in
        try tx.insert(Asset(tag: "A", mediaType: .hdd, classification: .low, notes: "keep", registeredAt: time))
    }
    // When a change prepared from a stale state arrives, it is refused and nothing changes
    let stale = #expect(throws: LetheError.self) {
        try store.write { (tx) throws(LetheError) in
            try tx.setState(tag: "A", from: .retired, to: .awaitingSanitization, destination: nil, at: later)
        }
    }
    #expect(stale?.code == .conflict)
    #expect(stale?.message.contains("in-service") == true)
    // And one from the current state changes the state and the time only
    try store.write { (tx) throws(LetheError) in
        try tx.setState(tag: "A", from: .inService, to: .retired, destination: nil, at: later)
    }
    let asset = try store.read { (tx) throws(LetheError) in try tx.asset(tag: "A") }
    #expect(asset?.state == .retired)
    #expect(asset?.updatedAt == later)
    #expect(asset?.notes == "keep")
    let missing = #expect(throws: LetheError.self) {
        try store.write { (tx) throws(LetheError) in
            try tx.setState(tag: "NOPE", from: .inService, to: .retired, destination: nil, at: later)
        }
    }
    #expect(missing?.code == .notFound)
}

@Test func aNewDatabaseHas16KiBPagesAndAnExistingOneKeepsItsOwn() throws {
    // Disposal records (about 2.3 KB of JSON and CMS each) pack several to a 16 KiB page; with
    // 4 KiB pages each one took a page of its own. The page size is in the file header (bytes 16–17).
    func pageSize(_ path: String) throws -> Int {
        let header = try #require(FileHandle(forReadingAtPath: path)).readData(ofLength: 18)
        return Int(header[16]) << 8 | Int(header[17])
    }
    let root = TemporaryDirectory()
    let path = root.file("db.sqlite")
    _ = try SQLiteStore(path: path)
    #expect(try pageSize(path) == 16384)

    let older = root.file("older.sqlite")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [older, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x);"]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
    _ = try SQLiteStore(path: older)
    #expect(try pageSize(older) == 4096)
}
