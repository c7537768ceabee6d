import Foundation
import GRDB
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheStore

/// `count` distinct 32-byte hashes (SplitMix64, fixed seed), sorted, as the scan hands them over.
private func sortedHashes(_ count: Int, seed: UInt64) -> [[UInt8]] {
    var state = seed
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    var hashes: [[UInt8]] = []
    for _ in 0..<count {
        var hash: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: next().bigEndian) { hash.append(contentsOf: $0) } }
        hashes.append(hash)
    }
    return hashes.sorted { $0.lexicographicallyPrecedes($1) }
}

private func hex(_ hash: [UInt8]) -> String { Hex.encode(hash) }

private func flat(_ hashes: [[UInt8]]) -> [UInt8] {
    hashes.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 }
}

private let first = Date(timeIntervalSince1970: 1_795_338_000)
private let later = first.addingTimeInterval(86_400)
private let latest = first.addingTimeInterval(2 * 86_400)

/// The holding's dates in `crm`, read through the SQLite transaction.
private func dates(_ tx: any StoreReading, _ hash: [UInt8]) throws(LetheError) -> (recorded: String, erased: String?)? {
    guard let tx = tx as? SQLiteTransaction else { throw LetheError(.internal, "not a SQLite transaction") }
    return try tx.holdingDates(store: "crm", subject: hex(hash))
}

private func storeWithCRM(_ root: TemporaryDirectory) throws -> SQLiteStore {
    let store = try SQLiteStore(path: root.file("db.sqlite"))
    try store.write { (tx) throws(LetheError) in
        for name in ["crm", "mailer"] {
            try tx.save(RegisteredStore(name: name, kind: "sqlite", declaration: Array("{}".utf8), appliedAt: first))
        }
    }
    return store
}

@Test func aScanIsKeptAsSortedChunksAndEverySubjectIsFoundAcrossTheirBoundaries() throws {
    let root = TemporaryDirectory()
    let store = try storeWithCRM(root)
    // 10,000 spread over the key space, and 5,000 more whose first byte is 0x42: more than one
    // chunk's worth within one first byte.
    let crowded = sortedHashes(5_000, seed: 7).map { [0x42] + $0.dropFirst() }
    let hashes = (sortedHashes(10_000, seed: 1) + crowded).sorted { $0.lexicographicallyPrecedes($1) }
    let added = try store.write { (tx) throws(LetheError) in
        try tx.insertHoldings(store: "crm", digests: flat(hashes), source: "scan", at: first)
    }
    #expect(added == 15_000)
    let perFirstByte = Dictionary(grouping: hashes, by: { $0[0] }).values.map(\.count)
    #expect(perFirstByte.contains { $0 > 4_096 })
    #expect(
        try store.countRows("holding_chunk") == perFirstByte.map { ($0 + 4_095) / 4_096 }.reduce(0, +),
        "a chunk per first byte, two for 0x42")
    let outsider = sortedHashes(1, seed: 99)[0]
    let found = try store.read { (tx) throws(LetheError) in
        (
            count: try tx.holdingCount(store: "crm"),
            boundaries: try [0, 4095, 4096, 8191, 8192, 14_999].map { (index) throws(LetheError) in
                try tx.holds(store: "crm", subject: hex(hashes[index]))
            },
            outsider: try tx.holds(store: "crm", subject: hex(outsider)),
            otherStore: try tx.holds(store: "mailer", subject: hex(hashes[0])),
            held: try hashes.map { (hash) throws(LetheError) in try tx.holds(store: "crm", subject: hex(hash)) }
        )
    }
    #expect(found.count == 15_000)
    #expect(found.boundaries == [true, true, true, true, true, true])
    #expect(found.held.allSatisfy { $0 }, "every subject of the scan")
    #expect(!found.outsider)
    #expect(!found.otherStore)
}

@Test func aRepeatedScanWritesOnlyNewSubjectsAndRevivesErasedOnesWithTheirFirstDate() throws {
    let root = TemporaryDirectory()
    let store = try storeWithCRM(root)
    let old = sortedHashes(6_000, seed: 2)
    let new = sortedHashes(3_000, seed: 3)
    let erased = [old[10], old[5_000]]
    let backup = try store.write { (tx) throws(LetheError) in
        _ = try tx.insertHoldings(store: "crm", digests: flat(old), source: "scan", at: first)
        let backup = try tx.insert(
            BackupRecord(store: "crm", file: "b", createdAt: first, expiresAt: nil, registeredAt: first))
        for hash in erased { try tx.eraseHolding(store: "crm", subject: hex(hash), at: later) }
        return backup
    }
    #expect(backup.subjectCount == 6_000)
    #expect(try store.read { (tx) throws(LetheError) in try tx.holdingCount(store: "crm") } == 5_998)
    // A restore brought the two erased subjects back; the scan sees 5,000 old subjects (both
    // erased ones among them) and 3,000 new ones.
    let seen = Array(old[0..<5_001]) + new
    let added = try store.write { (tx) throws(LetheError) in
        try tx.insertHoldings(store: "crm", digests: flat(seen), source: "scan", at: latest)
    }
    #expect(added == 3_002, "3,000 new and 2 held again")
    let found = try store.read { (tx) throws(LetheError) in
        (
            count: try tx.holdingCount(store: "crm"),
            revived: try erased.map { (hash) throws(LetheError) in
                try dates(tx, hash)
            },
            inBackup: try tx.backups(store: "crm", holding: hex(erased[0])).map(\.id),
            newInBackup: try tx.backups(store: "crm", holding: hex(new[0])).map(\.id),
            newDate: try dates(tx, new[2_999])?.recorded
        )
    }
    #expect(found.count == 9_000)
    #expect(found.revived.map { $0?.recorded } == [RFC3339.format(first), RFC3339.format(first)])
    #expect(found.revived.map { $0?.erased } == [nil, nil])
    #expect(found.inBackup == [backup.id], "held since its first recording, before the backup")
    #expect(found.newInBackup.isEmpty, "recorded after the backup was made")
    #expect(found.newDate == RFC3339.format(latest))
    let again = try store.write { (tx) throws(LetheError) in
        try tx.insertHoldings(store: "crm", digests: flat(seen), source: "scan", at: latest)
    }
    #expect(again == 0)
}

@Test func smallAndLargeRecordingsFindWhatIsHeldWhicheverSideIsSmaller() throws {
    let root = TemporaryDirectory()
    let store = try storeWithCRM(root)
    let many = sortedHashes(9_000, seed: 4)
    // Ten subjects first: a later big scan meets a chunk far smaller than its hashes.
    let few = stride(from: 0, to: 9_000, by: 900).map { many[$0] }
    let counts = try store.write { (tx) throws(LetheError) in
        (
            few: try tx.insertHoldings(store: "crm", subjects: few.map(hex), source: "import", at: first),
            many: try tx.insertHoldings(store: "crm", digests: flat(many), source: "scan", at: later),
            // Then an import of three into the big store: hashes far fewer than a chunk's.
            three: try tx.insertHoldings(
                store: "crm", subjects: [hex(many[4_500]), hex(many[8_999]), hex(sortedHashes(1, seed: 5)[0])],
                source: "import", at: latest)
        )
    }
    #expect(counts.few == 10)
    #expect(counts.many == 8_990)
    #expect(counts.three == 1)
    #expect(try store.read { (tx) throws(LetheError) in try tx.holdingCount(store: "crm") } == 9_001)
    let recorded = try store.read { (tx) throws(LetheError) in
        try [many[900], many[901]].map { (hash) throws(LetheError) in
            try dates(tx, hash)?.recorded
        }
    }
    #expect(recorded == [RFC3339.format(first), RFC3339.format(later)])
}

@Test func aHoldingsSubjectMustBeAHash() throws {
    let root = TemporaryDirectory()
    let store = try storeWithCRM(root)
    #expect(throws: LetheError.self) {
        try store.write { (tx) throws(LetheError) in
            try tx.insertHoldings(store: "crm", subjects: ["not-a-hash"], source: "import", at: first)
        }
    }
    #expect(try store.countRows("holding_chunk") == 0)
}

@Test func theChunkMigrationKeepsEveryHoldingItsDateAndItsErasure() throws {
    let root = TemporaryDirectory()
    let path = root.file("db.sqlite")
    let hashes = sortedHashes(5_000, seed: 6)
    // A database as the backups-by-query migration left it: a row per holding.
    do {
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "backup-media")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO data_store (name, kind, declaration, applied_at) VALUES
                        ('crm', 'sqlite', x'7b7d', '2026-01-01T00:00:00Z'),
                        ('mailer', 'processor', x'7b7d', '2026-01-01T00:00:00Z')
                    """)
            for (index, hash) in hashes.enumerated() {
                try db.execute(
                    sql: "INSERT INTO holding (store, subject, source, recorded_at, erased_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        "crm", Data(hash), index % 10 == 0 ? "import" : "scan",
                        index < 4_500 ? "2026-01-01T00:00:00Z" : "2026-02-01T00:00:00Z",
                        index == 7 ? "2026-03-01T00:00:00Z" : nil,
                    ])
            }
            try db.execute(
                sql: "INSERT INTO holding (store, subject, source, recorded_at) VALUES ('mailer', ?, 'import', ?)",
                arguments: [Data(hashes[0]), "2026-01-05T00:00:00Z"])
        }
    }
    let store = try SQLiteStore(path: path)
    #expect(throws: (any Error).self) { try store.countRows("holding") }
    // crm: scan of January (4,050), import of January (450), scan of February (450), import of
    // February (50), each cut where the first byte changes; mailer: one.
    let groups = Dictionary(grouping: hashes.indices) { index in
        "\(index % 10 == 0)-\(index < 4_500)-\(hashes[index][0])"
    }
    #expect(try store.countRows("holding_chunk") == groups.count + 1)
    let found = try store.read { (tx) throws(LetheError) in
        (
            crm: try tx.holdingCount(store: "crm"),
            mailer: try tx.holdingCount(store: "mailer"),
            erased: try dates(tx, hashes[7]),
            february: try dates(tx, hashes[4_999]),
            held: try stride(from: 0, to: hashes.count, by: 11).map { (index) throws(LetheError) in
                try tx.holds(store: "crm", subject: hex(hashes[index]))
            }
        )
    }
    #expect(found.crm == 4_999)
    #expect(found.mailer == 1)
    #expect(found.erased?.recorded == "2026-01-01T00:00:00Z")
    #expect(found.erased?.erased == "2026-03-01T00:00:00Z")
    #expect(found.february?.recorded == "2026-02-01T00:00:00Z")
    #expect(found.held.allSatisfy { $0 }, "index 7 is not among every 11th")
}

@Test func holdingsMustComeSortedAndOnce() throws {
    let root = TemporaryDirectory()
    let store = try storeWithCRM(root)
    let hashes = sortedHashes(3, seed: 8)
    for wrong in [[hashes[1], hashes[0], hashes[2]], [hashes[0], hashes[1], hashes[1]]] {
        #expect(throws: LetheError.self) {
            try store.write { (tx) throws(LetheError) in
                try tx.insertHoldings(store: "crm", digests: wrong.flatMap { $0 }, source: "scan", at: first)
            }
        }
    }
    #expect(try store.countRows("holding_chunk") == 0)
}
