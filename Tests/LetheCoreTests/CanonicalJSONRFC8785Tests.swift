import Foundation
import LetheCore
import Testing

/// Whether `python3` can import the `rfc8785` package (the reference implementation on PyPI).
private let referenceImplementationIsInstalled: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import rfc8785"]
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    } catch {
        return false
    }
}()

@Suite struct CanonicalJSONRFC8785Tests {
    /// RFC 8785 §3.2.3's sorting example: keys ordered by their UTF-16 code units, so the emoji
    /// (a surrogate pair starting 0xD83D) sorts before U+FB33.
    @Test func sortsKeysByUTF16CodeUnitsAsTheRFCExample() throws {
        let input =
            #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#
        let encoded = try CanonicalJSON.string(try CanonicalJSON.decode(Array(input.utf8)))
        let keys = ["\\r", "1", "\u{80}", "ö", "€", "😀", "\u{FB33}"]
        var position = encoded.startIndex
        for key in keys {
            let range = try #require(encoded.range(of: "\"\(key)\":", range: position..<encoded.endIndex), "\(key)")
            position = range.upperBound
        }
    }

    /// RFC 8785 §3.2.2's example without its numbers (floats are outside Lethe's subset).
    @Test func encodesTheRFCExampleStringsAndLiterals() throws {
        let input = #"{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}"#
        let encoded = try CanonicalJSON.string(try CanonicalJSON.decode(Array(input.utf8)))
        #expect(encoded == #"{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}"#)
    }

    @Test func refusesFloatsAndUnsafeIntegers() throws {
        #expect(throws: LetheError.self) { try CanonicalJSON.decode(Array("[4.5]".utf8)) }
        #expect(throws: LetheError.self) { try CanonicalJSON.decode(Array("[1e30]".utf8)) }
        #expect(throws: LetheError.self) { try CanonicalJSON.encode(.integer(JSONValue.maxSafeInteger + 1)) }
        #expect(try CanonicalJSON.string(.integer(-JSONValue.maxSafeInteger)) == "-9007199254740991")
    }

    @Test func theParserReadsBackEveryGeneratedRecord() throws {
        var generator = SplitMix64(seed: 9)
        for _ in 0..<500 {
            let value = Self.record(&generator, depth: 0)
            #expect(try CanonicalJSON.decode(try CanonicalJSON.encode(value)) == value)
        }
    }

    @Test func theParserAcceptsJSONAndRefusesWhatIsNotOfTheSubset() throws {
        #expect(
            try CanonicalJSON.decode(Array(#" { "a" : [ 1 , -2 , "\ud83d\ude00\u00e9\/" ] } "#.utf8)) == [
                "a": [1, -2, "😀é/"]
            ])
        #expect(try CanonicalJSON.decode(Array("0".utf8)) == 0)
        let refused = [
            "[01]", "[1.0]", "[1e3]", "[-]", #"{"a":1,"a":2}"#, "[1] x", "[1,]", #"["\ud83d"]"#, "\"a\u{1}\"",
            #"["\q"]"#,
            "[9007199254740992]", "{\"a\" 1}", "", "[",
        ]
        for bad in refused {
            #expect(throws: LetheError.self, "\(bad)") { try CanonicalJSON.decode(Array(bad.utf8)) }
        }
    }

    /// Generated records, compared byte for byte with the `rfc8785` Python package.
    @Test(
        .enabled(if: referenceImplementationIsInstalled, "needs python3 with the rfc8785 package (pip install rfc8785)")
    )
    func matchesTheReferenceImplementationOnGeneratedRecords() throws {
        var generator = SplitMix64(seed: 8785)
        let values = (0..<300).map { _ in Self.record(&generator, depth: 0) }
        let ours = try values.map { try CanonicalJSON.string($0) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfc8785-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("values.jsonl")
        try Data(ours.joined(separator: "\n").utf8).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import json, sys, rfc8785\nfor line in open(sys.argv[1], encoding='utf-8'):\n    sys.stdout.write(rfc8785.dumps(json.loads(line)).hex() + '\\n')",
            input.path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let theirs = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(theirs.count == ours.count)
        for (index, (mine, reference)) in zip(ours, theirs).enumerated() {
            let hex = mine.utf8.map { String(format: "%02x", $0) }.joined()
            #expect(hex == reference, "value \(index): \(mine)")
        }
    }

    /// Characters that stress escaping and UTF-16 ordering: controls, quotes, backslash, slash,
    /// Latin-1, BMP beyond U+E000, and astral-plane characters.
    private static let alphabet: [Character] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{8}", "\t", "\n", "\u{C}", "\r", "\u{1F}", "\u{7F}", "\u{80}",
        "ö", "€", "\u{FB33}", "\u{FFFD}", "😀", "𝄞", "\u{E000}",
    ]

    private static func text(_ generator: inout SplitMix64) -> String {
        String((0..<Int(generator.next() % 8)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    private static func record(_ generator: inout SplitMix64, depth: Int) -> JSONValue {
        switch generator.next() % (depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(generator.next() % 2 == 0)
        case 2:
            let magnitude = Int64(generator.next() % UInt64(JSONValue.maxSafeInteger))
            return .integer(generator.next() % 2 == 0 ? magnitude : -magnitude)
        case 3: return .string(text(&generator))
        case 4: return .array((0..<Int(generator.next() % 4)).map { _ in record(&generator, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int(generator.next() % 6) { members[text(&generator)] = record(&generator, depth: depth + 1) }
            return .object(members)
        }
    }
}

/// A small deterministic generator (SplitMix64), so the generated records are the same every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
