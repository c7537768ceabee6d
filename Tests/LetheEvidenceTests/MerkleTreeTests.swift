import LetheCore
import LetheEvidence
import Testing

/// A log kept in memory the way the store keeps it: leaf hashes, and the subtree hashes of the
/// stored levels written as leaves are appended.
final class MemoryLog: LogTreeReading {
    let hasher = SHA256LogHasher()
    var leaves: [[UInt8]] = []
    var nodes: [String: [UInt8]] = [:]
    var frontier = LogFrontier()
    var nodeReads = 0
    var leafReads = 0

    init(entries: [[UInt8]] = []) throws {
        for entry in entries { try append(entry) }
    }

    func append(_ entry: [UInt8]) throws {
        let leaf = hasher.leafHash(entry)
        leaves.append(leaf)
        try frontier.append(leafHash: leaf, hasher: hasher) { (level, index, hash) throws(LetheError) in
            if level >= MerkleTree.firstStoredLevel { nodes["\(level)/\(index)"] = hash }
        }
    }

    var tree: MerkleTree { MerkleTree(hasher: hasher, source: self) }

    func storedLogNode(level: Int, index: Int64) throws(LetheError) -> [UInt8]? {
        nodeReads += 1
        return nodes["\(level)/\(index)"]
    }

    func logLeafHashes(from index: Int64, count: Int) throws(LetheError) -> [[UInt8]] {
        leafReads += 1
        return Array(leaves[Int(index)..<min(leaves.count, Int(index) + count)])
    }
}

/// RFC 9162 §2.1.1's definition, computed naively from the entries.
func naiveRoot(_ entries: ArraySlice<[UInt8]>, _ hasher: SHA256LogHasher) -> [UInt8] {
    if entries.isEmpty { return hasher.emptyRoot }
    if entries.count == 1 { return hasher.leafHash(entries.first!) }
    var split = 1
    while split * 2 < entries.count { split *= 2 }
    let start = entries.startIndex
    return hasher.nodeHash(
        naiveRoot(entries[start..<start + split], hasher), naiveRoot(entries[(start + split)...], hasher))
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

@Suite struct MerkleTreeTests {
    /// The leaves of RFC 6962's reference test vectors (certificate-transparency).
    static let vectorEntries: [[UInt8]] = [
        [], hex("00"), hex("10"), hex("2021"), hex("3031"), hex("40414243"), hex("5051525354555657"),
        hex("606162636465666768696a6b6c6d6e6f"),
    ]
    /// The published roots of the first 1 … 8 of those leaves.
    static let vectorRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    @Test func rootsMatchThePublishedVectors() throws {
        let log = try MemoryLog()
        #expect(
            Hex.encode(try log.tree.root(size: 0)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        for (size, expected) in Self.vectorRoots.enumerated() {
            try log.append(Self.vectorEntries[size])
            #expect(Hex.encode(try log.tree.root(size: Int64(size + 1))) == expected, "size \(size + 1)")
            #expect(Hex.encode(log.frontier.root(hasher: log.hasher)) == expected, "frontier at \(size + 1)")
        }
    }

    /// RFC 9162 §2.1.5 and C2SP merkle-tree: the worked 7-leaf tree of the RFC's figure, whose
    /// nodes are named a … l: a–f the leaves d0–d5, j the leaf d6, g = (a,b), h = (c,d), i = (e,f),
    /// k = (g,h), l = (i,j), root = (k,l).
    @Test func sevenLeafExamplesOfTheRFC() throws {
        let entries = (0..<7).map { [UInt8]("d\($0)".utf8) }
        let log = try MemoryLog(entries: entries)
        let hs = log.hasher
        let leaves = entries.map { hs.leafHash($0) }
        let (a, b, c, d, e, f, j) = (leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6])
        let (g, h, i) = (hs.nodeHash(a, b), hs.nodeHash(c, d), hs.nodeHash(e, f))
        let (k, l) = (hs.nodeHash(g, h), hs.nodeHash(i, j))
        #expect(try log.tree.root(size: 7) == hs.nodeHash(k, l))
        // The RFC's inclusion proofs: d0 → [b, h, l], d3 → [c, g, l], d4 → [f, j, k], d6 → [i, k].
        #expect(try log.tree.inclusionProof(index: 0, size: 7) == [b, h, l])
        #expect(try log.tree.inclusionProof(index: 3, size: 7) == [c, g, l])
        #expect(try log.tree.inclusionProof(index: 4, size: 7) == [f, j, k])
        #expect(try log.tree.inclusionProof(index: 6, size: 7) == [i, k])
        // The RFC's consistency proofs: 3 → 7 is [c, d, g, l], 4 → 7 is [l], 6 → 7 is [i, j, k].
        #expect(try log.tree.consistencyProof(from: 3, to: 7) == [c, d, g, l])
        #expect(try log.tree.consistencyProof(from: 4, to: 7) == [l])
        #expect(try log.tree.consistencyProof(from: 6, to: 7) == [i, j, k])
    }

    /// Every proof of every tree up to 70 entries (so stored and folded levels both occur) agrees
    /// with the naive definition and verifies; a wrong leaf, index or root does not.
    @Test func everyProofVerifiesAndWrongOnesDoNot() throws {
        let entries = (0..<70).map { [UInt8]("entry \($0)".utf8) }
        let log = try MemoryLog(entries: entries)
        let h = log.hasher
        for size in 1...Int64(entries.count) {
            let root = try log.tree.root(size: size)
            #expect(root == naiveRoot(entries[0..<Int(size)], h))
            for index in 0..<size {
                let proof = try log.tree.inclusionProof(index: index, size: size)
                let leaf = h.leafHash(entries[Int(index)])
                #expect(
                    MerkleProofs.verifyInclusion(
                        leafHash: leaf, index: index, size: size, proof: proof, root: root, hasher: h))
                #expect(
                    !MerkleProofs.verifyInclusion(
                        leafHash: h.leafHash([0xFF]), index: index, size: size, proof: proof, root: root, hasher: h))
                if size > 1 {
                    #expect(
                        !MerkleProofs.verifyInclusion(
                            leafHash: leaf, index: (index + 1) % size, size: size, proof: proof, root: root, hasher: h))
                }
            }
            for old in 0...size {
                let proof = try log.tree.consistencyProof(from: old, to: size)
                let oldRoot = try log.tree.root(size: old)
                #expect(
                    MerkleProofs.verifyConsistency(
                        oldSize: old, newSize: size, oldRoot: oldRoot, newRoot: root, proof: proof, hasher: h))
                if old > 0, old < size {
                    #expect(
                        !MerkleProofs.verifyConsistency(
                            oldSize: old, newSize: size, oldRoot: h.leafHash([1]), newRoot: root, proof: proof,
                            hasher: h))
                }
            }
        }
    }

    /// A proof reads O(log n) hashes: at most a few per level, never the whole tree.
    @Test func proofsReadLogarithmicallyManyHashes() throws {
        let log = try MemoryLog(entries: (0..<5_000).map { [UInt8]("e\($0)".utf8) })
        log.nodeReads = 0
        log.leafReads = 0
        _ = try log.tree.inclusionProof(index: 1_234, size: 4_999)
        #expect(log.nodeReads + log.leafReads < 40)
        log.nodeReads = 0
        log.leafReads = 0
        _ = try log.tree.consistencyProof(from: 3_001, to: 4_999)
        #expect(log.nodeReads + log.leafReads < 60)
    }
}
