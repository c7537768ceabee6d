import Foundation
import LetheCore
import Testing

@testable import LetheSanitize

@Suite struct PatternStreamTests {
    @Test func parsesPatterns() throws {
        #expect(try OverwritePattern(parsing: "zero") == .zero)
        #expect(try OverwritePattern(parsing: "ONE") == .one)
        #expect(try OverwritePattern(parsing: "byte:0x5A") == .byte(0x5A))
        #expect(try OverwritePattern(parsing: "random") == .random)
        #expect(OverwritePattern.byte(0x0A).description == "byte:0x0a")
        #expect(throws: LetheError.self) { try OverwritePattern(parsing: "byte:0x5") }
        #expect(throws: LetheError.self) { try OverwritePattern(parsing: "gutmann") }
    }

    @Test func randomStreamIsTheSameAtAnyOffset() {
        // Given one seed, when the stream is read whole and in odd pieces, then the bytes agree.
        let seed = [UInt8](repeating: 7, count: 32)
        let stream = PatternStream(pattern: .random, seed: seed, pass: 1)
        let length = PatternStream.chunkSize * 2 + 1000
        var whole = [UInt8](repeating: 0, count: length)
        whole.withUnsafeMutableBytes { stream.fill($0, at: 0) }
        var piece = [UInt8](repeating: 0, count: 5000)
        let offset = PatternStream.chunkSize - 2000
        piece.withUnsafeMutableBytes { stream.fill($0, at: Int64(offset)) }
        #expect(piece == Array(whole[offset..<offset + 5000]))
        #expect(Set(whole.prefix(4096)).count > 200)
        // A different pass or seed gives a different stream.
        var other = [UInt8](repeating: 0, count: 64)
        other.withUnsafeMutableBytes { PatternStream(pattern: .random, seed: seed, pass: 2).fill($0, at: 0) }
        #expect(other != Array(whole.prefix(64)))
    }

    @Test func constantPatternsFill() {
        var bytes = [UInt8](repeating: 1, count: 100)
        bytes.withUnsafeMutableBytes { PatternStream(pattern: .one, seed: [], pass: 1).fill($0, at: 3) }
        #expect(bytes.allSatisfy { $0 == 0xFF })
    }
}
