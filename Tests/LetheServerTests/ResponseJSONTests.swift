import Foundation
import Lethe
import LetheCore
import Testing

@testable import LetheServer

/// The service's own JSON writer gives the same bytes as the CLI's `--json` encoder, for every
/// kind of value a result holds, and leaves to Foundation what it does not write itself.
@Suite struct ResponseJSONTests {
    /// Both encodings of `value`, as text.
    func both<T: Encodable>(_ value: T) throws -> (fast: String, foundation: String) {
        (
            String(decoding: try ResponseJSON.encode(value), as: UTF8.self),
            String(decoding: try ResultEncoding.encoder().encode(value), as: UTF8.self)
        )
    }

    struct Shapes: Encodable {
        var text = "quote \" backslash \\ slash / newline \n tab \t bell \u{07} unit \u{1F} del \u{7F} é 😀 \u{2028}"
        var flags = [true, false]
        var numbers: [Int64] = [0, -1, .max, .min]
        var small: [UInt8] = [0, 255]
        var missing: Int? = nil
        var holes: [Int?] = [nil, 1, nil]
        var emptyObject: [String: Int] = [:]
        var emptyArray: [String] = []
        var nested: [String: [String: [Int]]] = ["b": ["y": [], "x": [1, 2]], "a": [:]]
        var arrays: [[String]] = [[], ["one"], []]
        var date = Date(timeIntervalSince1970: 1_796_000_000)
        var byNumber: [Int: String] = [10: "ten", 2: "two"]
    }

    @Test func everyKindOfValueIsWrittenAsFoundationWritesIt() throws {
        // Given values of every kind a result is made of, at the top level and nested
        let values: [any Encodable] = [
            Shapes(), "top", 42, true, [String](), [String: Int](), Int?.none, [Shapes(), Shapes()],
        ]
        for value in values {
            // When both encoders write it
            let (fast, foundation) = try both(value)
            // Then the bytes are the same
            #expect(fast == foundation)
        }
    }

    @Test func keysAreSortedByTheirBytesAsFoundationSortsThem() throws {
        // Given keys that a numeric or case-insensitive sort would order differently
        let keys = [
            "a_b", "ab", "a1", "a10", "a2", "B", "b", "A", "_a", "a-b", "a.b", "Z", "é", "aB", "Ab", "a b", "a~",
        ]
        let value = Dictionary(uniqueKeysWithValues: keys.map { ($0, 1) })
        // When both encoders write them
        let (fast, foundation) = try both(value)
        // Then the order is the same
        #expect(fast == foundation)
    }

    @Test func anAssetAndAProblemAreWrittenAsFoundationWritesThem() throws {
        // Given an asset with every optional field absent, and one with all of them, and a problem
        let time = Date(timeIntervalSince1970: 1_796_000_000)
        let bare = AssetDetails(Asset(tag: "T-1", mediaType: .laptop, classification: .low, registeredAt: time))
        let full = AssetDetails(
            Asset(
                tag: "T-2/ä", serial: "S\"1", make: "Dell", model: "Latitude", mediaType: .ssd,
                capacityBytes: 512_000_000_000, location: "Room 1", custodian: "IT", classification: .high,
                encryption: .selfEncrypting, parentTag: "T-1", notes: "line\nline", state: .retired,
                destination: .recycling, registeredAt: time, updatedAt: time.addingTimeInterval(60)),
            attached: [.init(tag: "T-3"), .init(tag: "T-4")])
        let empty = AssetDetails(bare.asset, attached: [])
        let problem = Problem(LetheError(.notFound, "asset 'T-9' is not registered"))
        for (fast, foundation) in [try both(bare), try both(full), try both(empty), try both(problem)] {
            // Then the bytes are the same
            #expect(fast == foundation)
        }
    }

    struct Measured: Encodable {
        var share = 0.25
        var whole = 1.0
    }

    struct Raw: Encodable {
        var bytes = Data([1, 2, 3])
        var link = URL(string: "https://example.com/a?b=c")!
    }

    struct Silent: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    @Test func whatItDoesNotWriteItselfIsLeftToFoundation() throws {
        // Given floating-point numbers, data, a URL and a value that encodes nothing
        let values: [any Encodable] = [Measured(), Raw(), ["x": Silent()], 1e20]
        for value in values {
            // When both encoders write it
            let (fast, foundation) = try both(value)
            // Then the bytes are Foundation's
            #expect(fast == foundation)
        }
    }
}

/// The bearer token is read from the header as the HTTP spec writes it: the scheme in any case,
/// blanks around the token ignored, anything else refused.
@Suite struct BearerHeaderTests {
    @Test func theTokenIsReadWhateverTheSchemesCaseAndTheBlanksAroundIt() {
        #expect(AuthenticationMiddleware.bearerToken("Bearer lethe_1_abc") == "lethe_1_abc")
        #expect(AuthenticationMiddleware.bearerToken("bEARER \t lethe_1_abc \t") == "lethe_1_abc")
        #expect(AuthenticationMiddleware.bearerToken("Bearer ") == "")
        #expect(AuthenticationMiddleware.bearerToken("Bearer    ") == "")
    }

    @Test func anotherSchemeOrAMangledOneIsNotABearerToken() {
        #expect(AuthenticationMiddleware.bearerToken("Basic dXNlcjpwYXNz") == nil)
        #expect(AuthenticationMiddleware.bearerToken("Bearer") == nil)
        #expect(AuthenticationMiddleware.bearerToken("Bearer\u{0}lethe_1_abc") == nil)
        #expect(AuthenticationMiddleware.bearerToken("Bearerx lethe_1_abc") == nil)
        #expect(AuthenticationMiddleware.bearerToken("Beärer lethe_1_abc") == nil)
    }
}

/// A key encoded twice in one object keeps only its last value, in both encoders.
@Suite struct ResponseJSONRepeatedKeyTests {
    struct Twice: Encodable {
        enum Keys: String, CodingKey { case b, a }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode("first", forKey: .b)
            try container.encode(1, forKey: .a)
            try container.encode("second", forKey: .b)
        }
    }

    @Test func theLastValueOfARepeatedKeyIsWritten() throws {
        let fast = String(decoding: try ResponseJSON.encode(Twice()), as: UTF8.self)
        let foundation = String(decoding: try ResultEncoding.encoder().encode(Twice()), as: UTF8.self)
        #expect(fast == foundation)
        #expect(fast.contains("second") && !fast.contains("first"))
    }
}
