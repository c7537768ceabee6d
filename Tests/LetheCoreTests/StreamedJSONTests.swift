import LetheCore
import Testing

/// Bytes held in memory, handed out in pieces of `pieceSize`: a spool file's stand-in, which
/// notes every range read again.
private final class PiecedBytes: PiecewiseBytes {
    let whole: [UInt8]
    let pieceSize: Int
    private(set) var rangesRead: [Range<Int>] = []

    init(_ text: String, pieceSize: Int) {
        whole = Array(text.utf8)
        self.pieceSize = pieceSize
    }

    var count: Int { whole.count }

    func forEachPiece(_ body: (UnsafeRawBufferPointer) throws(LetheError) -> Void) throws(LetheError) {
        var failure: LetheError?
        whole.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, failure == nil {
                let end = min(offset + pieceSize, buffer.count)
                do throws(LetheError) {
                    try body(UnsafeRawBufferPointer(rebasing: buffer[offset..<end]))
                } catch {
                    failure = error
                }
                offset = end
            }
        }
        if let failure { throw failure }
    }

    func bytes(in range: Range<Int>) -> [UInt8] {
        rangesRead.append(range)
        return Array(whole[range])
    }
}

@Suite struct StreamedJSONTests {
    /// Documents and the paths each defers: every shape a deferred value takes, escapes in names
    /// and strings, brackets inside strings, white space everywhere.
    static let documents: [(text: String, deferring: @Sendable ([String]) -> Bool)] = [
        (
            #"{"content":{"assets":[{"tag":"SSD-1","job":7},{"tag":"SSD-2","performer":"José \"Pepe\" ]},["}],"count":2},"serial":"R-1"}"#,
            { $0 == ["content", "assets"] }
        ),
        (#" { "a" : [ {"x": 1} , 2 , "three" , [ ] , null ] , "b" : [ ] } "#, { $0 == ["a"] || $0 == ["b"] }),
        (#"{"a":{"x":1},"b":[{"y":2}],"c":[],"d":[[1]],"e":"s,]}","f":-12,"g":true,"h":null}"#, { $0.count == 1 }),
        (#"{"a":[{"b":[1,2]}],"c":{"b":[3]}}"#, { $0.last == "b" }),
        (#"{"a":["q\"]",{"b":"\\"},"\"[",7],"b":{"c":"\"}"}}"#, { $0 == ["a"] || $0 == ["b"] }),
        (#"{"cont\u0065nt":{"as\"sets":[1,"\\",{"k":"\u005d"}],"n":[2]}}"#, { $0 == ["content", "as\"sets"] }),
        (#"{"a":{"b":{"c":[1,[2,[3]],{"d":{"e":[4]}}]}},"z":0}"#, { $0 == ["a", "b", "c"] || $0 == ["a"] }),
        (#"{"a":{"b":{"c":[1,[2,[3]],{"d":{"e":[4]}}]}},"z":[]}"#, { $0 == ["a", "b", "c"] || $0 == ["z"] }),
        (#"[{"a":[1]},{"a":[2]}]"#, { $0 == ["a"] }),
        (#""a top-level string""#, { _ in true }),
        (#"{"a":"x\"y\\","b":["\"",{"c":"]"}]}"#, { $0 == ["a"] || $0 == ["b"] }),
        ("{}", { _ in true }),
        (#"{"a":[1]}"#, { _ in false }),
    ]

    static let pieceSizes = [1, 2, 3, 7, 64, 1 << 20]

    @Test(arguments: 0..<documents.count)
    func aDocumentReadInPiecesReadsAsOneHeldWhole(_ number: Int) throws {
        let (text, deferring) = Self.documents[number]
        let held = try DeferredJSON(Array(text.utf8), deferring: deferring)
        var paths: [[String]] = []
        func collect(_ value: JSONValue, _ path: [String]) {
            guard let members = value.objectValue else { return }
            for (key, member) in members {
                paths.append(path + [key])
                collect(member, path + [key])
            }
        }
        collect(held.value, [])
        for pieceSize in Self.pieceSizes {
            // When it is read a piece at a time
            let source = PiecedBytes(text, pieceSize: pieceSize)
            let streamed = try StreamedJSON(source, deferring: deferring)

            // Then the tree, every deferred range and every item are the ones read whole
            #expect(streamed.value == held.value, "pieces of \(pieceSize)")
            for path in paths {
                #expect(streamed.range(at: path) == held.range(at: path), "\(path), pieces of \(pieceSize)")
                let items = streamed.items(at: path, windowBytes: 5)
                let expected = try held.items(at: path).map(\.jsonValue)
                #expect(items.count == expected.count)
                #expect(try (0..<items.count).map { try items.item($0).jsonValue } == expected)
            }
        }
    }

    @Test(
        arguments: DeferredJSONTests.malformedTexts + [
            #"{"a":[,1]}"#,  // a comma before the first row
            #"{"a":[1,]}"#,  // a comma after the last row
            #"{"a":[1,,2]}"#,  // two commas
            #"{"a":]}"#,  // no value
            #"{"a":[1]"#,  // no end
            #"{"a":[1}}"#,  // the array closed as an object
            #"{"a":[1],"b":01}"#,  // a leading zero outside
            #"{"a":[1],"b":"\q"}"#,  // an invalid escape outside
            #"{"a":[{"x":"\q"}]}"#,  // an invalid escape in a row
            #"{"a":[{"x":1,"x":2}]}"#,  // a duplicate member in a row
            #"{"a":[tru]}"#,  // an unknown literal in a row
            #"{"a" [1]}"#,  // no colon
            #"{"a":[1]}}"#,  // a bracket too many
            "",  // nothing
            #"{"a":[1},"b":1}"#,  // the deferred array closed as an object
            #"{"a":{"x":1],"b":1}"#,  // a deferred object closed as an array
            "[1,]",  // a comma after the last item, at the top
            #""abc"#,  // a string without its end, at the top
            "tru",  // an unknown literal, at the top
        ])
    func malformedTextIsRefusedAsWhenHeldWhole(_ text: String) {
        // Given text the parser refuses whole
        #expect(throws: LetheError.self) { _ = try DeferredJSON(Array(text.utf8)) { $0 == ["a"] }.items(at: ["a"]) }
        for pieceSize in Self.pieceSizes {
            // Then read in pieces it is refused too: when read, or when its rows are
            #expect(throws: LetheError.self, "pieces of \(pieceSize)") {
                let items = try StreamedJSON(PiecedBytes(text, pieceSize: pieceSize)) { $0 == ["a"] }.items(at: ["a"])
                for index in 0..<items.count { _ = try items.item(index) }
            }
        }
    }

    @Test(arguments: [126, 127, 128, 129])
    func nestingAtTheLimitIsReadAsWhenHeldWhole(_ depth: Int) throws {
        // Given arrays nested `depth` deep, inside a deferred member and inside one that is not
        let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        for text in [#"{"a":"# + deep + "}", #"{"a":[],"b":"# + deep + "}"] {
            let held = Result { try DeferredJSON(Array(text.utf8)) { $0 == ["a"] }.items(at: ["a"]).count }
            let streamed = Result {
                let items = try StreamedJSON(PiecedBytes(text, pieceSize: 3)) { $0 == ["a"] }.items(at: ["a"])
                for index in 0..<items.count { _ = try items.item(index) }
                return items.count
            }
            // Then both accept it, with the same items, or both refuse it
            #expect((try? held.get()) == (try? streamed.get()), "\(depth) deep: \(text.prefix(12))")
        }
    }

    @Test func aMalformedRowIsRefusedAtItsOffsetInTheDocument() throws {
        // Given rows past the first window, one with a leading zero
        let rows = (0..<50).map { $0 == 37 ? #"{"x":01}"# : #"{"x":\#($0)}"# }
        let text = #"{"a":["# + rows.joined(separator: ",") + "]}"
        let held = try DeferredJSON(Array(text.utf8)) { $0 == ["a"] }
        let items = try StreamedJSON(PiecedBytes(text, pieceSize: 16)) { $0 == ["a"] }.items(at: ["a"], windowBytes: 40)

        // When every row is read, then the refusal names the same place as when held whole
        var message = ""
        do {
            for index in 0..<items.count { _ = try items.item(index) }
        } catch {
            message = error.message
        }
        var expected = ""
        do { _ = try held.items(at: ["a"]) } catch { expected = error.message }
        #expect(!message.isEmpty && message == expected)
    }

    @Test func nestingDeeperThanTheLimitIsRefusedInsideADeferredValueAndOutside() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        for text in [#"{"a":["# + deep + "]}", #"{"b":"# + deep + "}"] {
            #expect(throws: LetheError.self) {
                _ = try StreamedJSON(PiecedBytes(text, pieceSize: 7)) { $0 == ["a"] }
            }
        }
    }

    @Test func itemsAreReadAWindowAtATimeInOrderOrNot() throws {
        // Given a thousand rows
        let rows = (0..<1000).map { #"{"n":\#($0),"s":"\#(String(repeating: "x", count: $0 % 13))"}"# }
        let text = #"{"rows":["# + rows.joined(separator: ",") + #"],"z":1}"#
        let source = PiecedBytes(text, pieceSize: 4096)
        let document = try StreamedJSON(source) { $0 == ["rows"] }

        // When they are read in order, then backwards, in windows of at most 200 bytes
        let items = document.items(at: ["rows"], windowBytes: 200)
        let forwards = try (0..<items.count).map { try items.item($0)["n"]?.integerValue }
        let windowsInOrder = source.rangesRead.count
        let backwards = try (0..<items.count).reversed().map { try items.item($0)["n"]?.integerValue }

        // Then each is the row written, and no window read more than 200 bytes
        #expect(forwards == (0..<1000).map { Int64($0) })
        #expect(backwards == (0..<1000).reversed().map { Int64($0) })
        #expect(source.rangesRead.allSatisfy { $0.count <= 200 })
        // And in order, a window was read for every few rows, not for each
        #expect(windowsInOrder > 50 && windowsInOrder < 200)
        #expect(document.value == ["rows": .array([]), "z": 1])
    }
}
