import Foundation
import LetheSanitize
import Testing

@testable import Lethe

@Test func theScansDigestBytesAreTheHashesBytesWithoutDuplicates() throws {
    let hasher = try SubjectHasher(secret: [UInt8](repeating: 3, count: 32))
    let hashes = ["a@example.com", "  B@Example.com ", "a@example.com", "jürgen@example.de"].map {
        hasher.hash($0, normalization: .lowercaseTrim)
    }.sorted()
    #expect(LetheApp.digestBytes(hashes) == Array(Set(hashes)).sorted().flatMap(\.bytes))
    #expect(
        hasher.hash("  B@Example.com ", normalization: .lowercaseTrim)
            == hasher.hash("b@example.com", normalization: .exact))
    let long = String(repeating: "x", count: 300) + "@EXAMPLE.COM "
    #expect(
        hasher.hash(long, normalization: .lowercaseTrim)
            == hasher.hash(long.lowercased().trimmingCharacters(in: .whitespaces), normalization: .exact))
}
