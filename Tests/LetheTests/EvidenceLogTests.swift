import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheStore
import LetheTestSupport
import Testing

@Suite struct EvidenceLogTests {
    /// Given an installation with some events, the stored tree's root is RFC 9162's root of the
    /// stored event bodies, and checkpoints, inclusion and consistency proofs verify.
    @Test func everyEventIsALogEntryAndProofsVerify() async throws {
        let fixture = try EvidenceFixture()
        for number in 1...40 {
            try fixture.app.registerAsset(
                AssetFields(tag: "LAP-\(number)", mediaType: "laptop", classification: "low"), actor: "it")
        }
        let auditor = Principal.evidenceUser("audrey", .auditor)
        let first = try await fixture.evidence.checkpoint(by: auditor)
        #expect(first.size == 40)
        for number in 41...57 {
            try fixture.app.registerAsset(
                AssetFields(tag: "LAP-\(number)", mediaType: "laptop", classification: "low"), actor: "it")
        }
        let bodies = try await fixture.app.store.read { (tx) throws(LetheError) in
            try tx.logEntries(from: 0, limit: 1_000).map(\.body)
        }
        #expect(bodies.count == 57)
        let hasher = SHA256LogHasher()
        let key = try fixture.app.logSigningKey().verifier
        #expect(try await fixture.evidence.logKey(by: auditor).publicFile == key.publicFile)
        // A proof of entry 45 signs a new checkpoint of the whole log.
        let proof = try await fixture.evidence.inclusionProof(index: 45, by: auditor)
        let checkpoint = try Checkpoint.verify(signedNote: proof.checkpoint, key: key)
        #expect(checkpoint.size == 57)
        #expect(checkpoint.root == naiveRoot(bodies[...], hasher))
        #expect(
            MerkleProofs.verifyInclusion(
                leafHash: hasher.leafHash(bodies[45]), index: 45, size: 57, proof: proof.hashes.map(base64),
                root: checkpoint.root,
                hasher: hasher))
        // The proof's text reads back as itself.
        let parsed = try TlogProof(parsing: proof.text)
        #expect(parsed.index == 45 && parsed.hashes.map(StrictBase64.encode) == proof.hashes)
        #expect(parsed.signedCheckpoint == proof.checkpoint)
        // Consistency from the first checkpoint to the new one.
        let consistency = try await fixture.evidence.consistencyProof(from: 40, by: auditor)
        #expect(consistency.fromRoot == first.root && consistency.toSize == 57)
        #expect(
            MerkleProofs.verifyConsistency(
                oldSize: 40, newSize: 57, oldRoot: base64(first.root), newRoot: checkpoint.root,
                proof: consistency.hashes.map(base64), hasher: hasher))
        let report = try await fixture.evidence.verifyLog(by: auditor)
        #expect(report.passed)
        #expect(report.checkpoints == 2)
        // The offline check of the use case agrees.
        let check = try EvidenceService.checkConsistency(
            proof: consistency.text, kept: first.note, logKey: key.publicFile, logKeySource: "the kept key")
        #expect(check.keptSize == 40 && check.newSize == 57)
        // An auditor who kept the first checkpoint checks the proof offline; a changed root fails.
        let text = try ConsistencyProofText(parsing: consistency.text)
        let (kept, newer) = try text.check(kept: first.note, key: key)
        #expect(kept.size == 40 && newer.size == 57)
        var forged = text
        forged.fromRoot = Array(repeating: 0, count: 32)
        #expect(throws: LetheError.self) { try forged.check(kept: first.note, key: key) }
        var shortened = text
        shortened.hashes.removeLast()
        #expect(throws: LetheError.self) { try shortened.check(kept: first.note, key: key) }
    }

    private static func tampered(_ sql: String) async throws -> LogVerificationReport {
        let fixture = try EvidenceFixture()
        for number in 1...20 {
            try fixture.app.registerAsset(
                AssetFields(tag: "HDD-\(number)", mediaType: "hdd", classification: "low"), actor: "it")
        }
        let auditor = Principal.evidenceOperator("auditor")
        try await fixture.evidence.checkpoint(by: auditor)
        #expect(try await fixture.evidence.verifyLog(by: auditor).passed)
        try fixture.installation.rawSQL(
            "DROP TRIGGER event_is_append_only_update; DROP TRIGGER event_is_append_only_delete; " + sql)
        return try await fixture.evidence.verifyLog(by: auditor)
    }

    @Test func anEditedEventIsNamed() async throws {
        let report = try await Self.tampered(
            "UPDATE event SET body = CAST(replace(CAST(body AS TEXT), 'HDD-7', 'HDD-X') AS BLOB) WHERE seq = 7")
        #expect(!report.passed)
        #expect(report.firstBadEntry == 6)
        #expect(report.problem?.contains("entry 6 (event 7) was changed") == true)
    }

    @Test func anEditWithARecomputedLeafHashStillFailsAgainstTheCheckpoint() async throws {
        // The editor also clears the stored leaf hash: the checkpoint, signed before, catches it.
        let report = try await Self.tampered(
            "UPDATE event SET leaf_hash = NULL, body = CAST(replace(CAST(body AS TEXT), 'HDD-7', 'HDD-X') AS BLOB) WHERE seq = 7"
        )
        #expect(!report.passed)
        #expect(report.problem?.contains("checkpoint of size 20") == true)
    }

    @Test func aDeletedEventIsNamed() async throws {
        let report = try await Self.tampered("DELETE FROM event WHERE seq = 12")
        #expect(report.firstBadEntry == 11)
        #expect(report.problem?.contains("entry 11 (event 12) is missing") == true)
    }

    @Test func aDeletedTailIsNamed() async throws {
        let report = try await Self.tampered("DELETE FROM event WHERE seq >= 18")
        #expect(report.firstBadEntry == 17)
        #expect(report.problem?.contains("entries 17 ..< 20 were deleted") == true)
    }

    @Test func reorderedEventsAreNamed() async throws {
        let report = try await Self.tampered(
            """
            UPDATE event SET seq = 1000 WHERE seq = 5; UPDATE event SET seq = 5 WHERE seq = 6;
            UPDATE event SET seq = 6 WHERE seq = 1000;
            """)
        #expect(report.firstBadEntry == 4)
        #expect(report.problem?.contains("entry 4 (event 5)") == true)
    }

    /// Lethe refuses to sign a head inconsistent with a checkpoint it signed before.
    @Test func refusesToSignAnInconsistentHead() async throws {
        let fixture = try EvidenceFixture()
        for number in 1...20 {
            try fixture.app.registerAsset(
                AssetFields(tag: "HDD-\(number)", mediaType: "hdd", classification: "low"), actor: "it")
        }
        try await fixture.evidence.checkpoint(by: .evidenceOperator("auditor"))
        // Someone rewrites entry 3 with its leaf hash, and the subtree hash over entries 0..<16.
        try fixture.installation.rawSQL(
            """
            DROP TRIGGER event_is_append_only_update; DROP TRIGGER log_node_is_append_only_update;
            UPDATE event SET leaf_hash = zeroblob(32) WHERE seq = 3;
            UPDATE log_node SET hash = zeroblob(32) WHERE level = 4 AND idx = 0;
            """)
        try fixture.app.registerAsset(AssetFields(tag: "HDD-21", mediaType: "hdd", classification: "low"), actor: "it")
        let before = try fixture.counts()
        await #expect(throws: LetheError.self) {
            try await fixture.evidence.checkpoint(by: .evidenceOperator("auditor"))
        }
        #expect(try fixture.counts() == before)
    }

    /// A database whose events were written without a hasher gets its subtree hashes when an
    /// installation opens it.
    @Test func subtreeHashesAreCompletedForOlderDatabases() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("old.sqlite")
        let plain = try SQLiteStore(path: path)
        try plain.write { (tx) throws(LetheError) in
            for number in 0..<37 {
                try tx.append(
                    EventDraft(type: "test.event", payload: ["n": .integer(Int64(number))]), actor: "t",
                    at: Date(timeIntervalSince1970: 0))
            }
        }
        #expect(try plain.countRows("log_node") == 0)
        let reopened = try SQLiteStore(path: path, logHasher: SHA256LogHasher())
        #expect(try reopened.countRows("log_node") == 3)  // two 16-leaf subtrees and the 32-leaf one
        let (bodies, root) = try reopened.read { (tx) throws(LetheError) in
            (
                try tx.logEntries(from: 0, limit: 100).map(\.body),
                try MerkleTree(hasher: SHA256LogHasher(), source: tx).root(size: 37)
            )
        }
        #expect(root == naiveRoot(bodies[...], SHA256LogHasher()))
    }

    /// Entries appended without their subtree hashes after a log that has them all: reopening
    /// completes the tree from there, and every hash, old and new, is the one the entries give.
    /// A hash missing below that point (here, one subtree of 32 entries) is written too.
    ///
    /// Where no hash is missing, the first entry's stored leaf hash is spoiled first: the tree is
    /// completed from the stored subtrees, so the 128-entry subtree completed after the prefix
    /// is still right (folded again from the first entry, it would not be).
    @Test(arguments: [false, true])
    func subtreeHashesAreCompletedAfterEntriesAppendedWithoutThem(missingEarlierHash: Bool) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("lethe.sqlite")
        let hasher = SHA256LogHasher()
        func append(_ store: SQLiteStore, _ numbers: Range<Int>) throws {
            try store.write { (tx) throws(LetheError) in
                for number in numbers {
                    try tx.append(
                        EventDraft(type: "test.event", payload: ["n": .integer(Int64(number))]), actor: "t",
                        at: Date(timeIntervalSince1970: 0))
                }
            }
        }
        try append(try SQLiteStore(path: path, logHasher: hasher), 0..<100)
        try append(try SQLiteStore(path: path), 100..<177)
        if missingEarlierHash {
            try SQLiteStore(path: path).unsafeExecute(
                "DROP TRIGGER log_node_is_append_only_delete; DELETE FROM log_node WHERE level = 5 AND idx = 1;")
        } else {
            try SQLiteStore(path: path).unsafeExecute(
                "DROP TRIGGER event_is_append_only_update; UPDATE event SET leaf_hash = zeroblob(32) WHERE seq = 1;")
        }
        let reopened = try SQLiteStore(path: path, logHasher: hasher)
        let bodies = try reopened.read { (tx) throws(LetheError) in try tx.logEntries(from: 0, limit: 1000).map(\.body)
        }
        #expect(bodies.count == 177)
        var expected = 0
        for level in MerkleTree.firstStoredLevel...7 {
            for index in 0..<(177 >> level) {
                expected += 1
                let stored = try reopened.read { (tx) throws(LetheError) in
                    try tx.storedLogNode(level: level, index: Int64(index))
                }
                #expect(
                    stored == naiveRoot(bodies[(index << level)..<((index + 1) << level)], hasher), "\(level)/\(index)")
            }
        }
        #expect(try reopened.countRows("log_node") == expected)
    }
}

/// RFC 9162 §2.1.1's root, computed naively.
func naiveRoot(_ entries: ArraySlice<[UInt8]>, _ hasher: SHA256LogHasher) -> [UInt8] {
    if entries.isEmpty { return hasher.emptyRoot }
    if entries.count == 1 { return hasher.leafHash(entries.first!) }
    var split = 1
    while split * 2 < entries.count { split *= 2 }
    let start = entries.startIndex
    return hasher.nodeHash(
        naiveRoot(entries[start..<start + split], hasher), naiveRoot(entries[(start + split)...], hasher))
}

/// Base64 to bytes (the typed results carry hashes and roots as base64).
private func base64(_ text: String) -> [UInt8] { StrictBase64.decode(text) ?? [] }
