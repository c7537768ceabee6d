import Foundation
import LetheSanitize
import Testing

@testable import Lethe

/// What a scan hands to the store: the collected hashes' bytes, sorted, each hash once.
private func sortedUniqueBytes(_ hashes: [SubjectHash]) -> [UInt8] {
    var collector = SortedHashCollector()
    for hash in hashes { collector.add(hash) }
    #expect(collector.count == hashes.count)
    let bytes = collector.sortedUniqueBytes()
    #expect(collector.count == 0)
    return bytes
}

@Test func theScansDigestBytesAreTheHashesBytesWithoutDuplicates() throws {
    let hasher = try SubjectHasher(secret: [UInt8](repeating: 3, count: 32))
    let hashes = ["a@example.com", "  B@Example.com ", "a@example.com", "jürgen@example.de"].map {
        hasher.hash($0, normalization: .lowercaseTrim)
    }.sorted()
    #expect(sortedUniqueBytes(hashes.reversed()) == Array(Set(hashes)).sorted().flatMap(\.bytes))
    #expect(
        hasher.hash("  B@Example.com ", normalization: .lowercaseTrim)
            == hasher.hash("b@example.com", normalization: .exact))
    let long = String(repeating: "x", count: 300) + "@EXAMPLE.COM "
    #expect(
        hasher.hash(long, normalization: .lowercaseTrim)
            == hasher.hash(long.lowercased().trimmingCharacters(in: .whitespaces), normalization: .exact))
}

@Test func theScansDigestBytesAreSortedForManyHashesWithSharedPrefixesAndDuplicates() throws {
    let hasher = try SubjectHasher(secret: [UInt8](repeating: 5, count: 32))
    var hashes = (0..<5000).map { hasher.hash("customer\($0)@example.com", normalization: .exact) }
    hashes += hashes.prefix(700)  // duplicates, out of order
    // Hashes sharing their first 16 bits (one bucket) and more, differing only late.
    let prefix: [UInt8] = [0xAB, 0xCD]
    for last in [UInt8(9), 3, 200, 3, 0, 255, 17] {
        hashes.append(SubjectHash(bytes: prefix + [UInt8](repeating: 1, count: 29) + [last]))
        hashes.append(SubjectHash(bytes: prefix + [last] + [UInt8](repeating: 0, count: 29)))
    }
    hashes.append(SubjectHash(bytes: [UInt8](repeating: 0, count: 32)))
    hashes.append(SubjectHash(bytes: [UInt8](repeating: 0xFF, count: 32)))
    #expect(sortedUniqueBytes(hashes) == Array(Set(hashes)).sorted().flatMap(\.bytes))
    #expect(sortedUniqueBytes([]).isEmpty)
    // Two values repeated thousands of times, interleaved, in one bucket (a placeholder identifier
    // on many rows): sorted, once each.
    let placeholderA = SubjectHash(bytes: prefix + [UInt8](repeating: 7, count: 30))
    let placeholderB = SubjectHash(bytes: prefix + [UInt8](repeating: 3, count: 30))
    let placeholders = (0..<20_000).map { $0 % 2 == 0 ? placeholderA : placeholderB }
    #expect(sortedUniqueBytes(placeholders) == [placeholderB, placeholderA].flatMap(\.bytes))
    // More than one chunk of 65,536 hashes, each added twice.
    let many = (0..<70_000).map { hasher.hash("c\($0)", normalization: .exact) }
    #expect(sortedUniqueBytes(many + many.reversed()) == many.sorted().flatMap(\.bytes))
}
