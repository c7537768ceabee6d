import Foundation
import LetheCore
import Testing

/// ``CanonicalJSON/isCanonical(_:in:depth:pieceSize:)``: the piecewise check answers as the round
/// trip does (decode, encode, compare), whatever the size of its pieces.
@Suite struct CanonicalCheckTests {
    /// The round trip the check stands in for.
    private func roundTrip(_ bytes: [UInt8]) -> Bool {
        (try? CanonicalJSON.decode(bytes)).flatMap { try? CanonicalJSON.encode($0) } == bytes
    }

    private func expectSameAnswer(_ text: String, canonical: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(text.utf8)
        #expect(roundTrip(bytes) == canonical, "round trip of \(text)", sourceLocation: sourceLocation)
        for pieceSize in [1, 2, 5, 16, 1 << 20] {
            #expect(
                CanonicalJSON.isCanonical(bytes, pieceSize: pieceSize) == canonical,
                "pieces of \(pieceSize): \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func canonicalDocumentsAreAccepted() throws {
        for text in [
            #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
            #"[]"#, #"{}"#, #"[[],{},[{}]]"#, #""text""#, #"0"#, #"-12"#,
            #"{"content":{"assets":[{"tag":"A-1"},{"tag":"A-2"}],"count":2},"serial":"X-1"}"#,
            // Escapes as RFC 8785 writes them, and UTF-8 as it is.
            #"{"name":"José \"Pepe\"\n","x":"\u001f"}"#,
            // Not the simple form (so checked in pieces): non-ASCII text in arrays and objects.
            #"[1,[2,{"b":"é","c":[]}],"ü",{}]"#,
            // Keys in UTF-16 order where it differs from UTF-8's: U+FB33 after U+1D11E's surrogates.
            "{\"\u{1D11E}\":1,\"\u{FB33}\":2}",
        ] {
            expectSameAnswer(text, canonical: true)
        }
    }

    @Test func everyDepartureFromTheCanonicalFormIsRefused() throws {
        for text in [
            #"{"b":1,"a":2}"#,  // keys out of order
            #"{"a":1,"a":1}"#,  // a key twice
            "{\"\u{E9}\":1,\"e\u{301}\":2}",  // one key to the decoder, written two ways
            #"{"a": 1}"#, #" {"a":1}"#, #"{"a":1} "#, #"[1 ,2]"#,  // white space
            #"{"a":"\/"}"#, #"{"a":"\u0041"}"#, #"{"a":"\u001F"}"#,  // escapes the encoder does not write
            #"[01]"#, #"[-0]"#, #"[1.5]"#, #"[1e3]"#, #"[9007199254740992]"#,  // numbers
            "{\"\u{FB33}\":2,\"\u{1D11E}\":1}",  // UTF-8 order, not UTF-16's
            #"[1,]"#, #"{"a":1,}"#, #"[1"#, #"{"a""#, #"{"a":}"#, #"{,"a":1}"#, #"[,1]"#, #""#, #"]"#,
            #"{"a":1}}"#, #"[1]]"#, #"{"a":"x}"#, "[\"\u{7}\"]",
        ] {
            expectSameAnswer(text, canonical: false)
        }
    }

    @Test func theNestingLimitCountsFromTheDocumentsTop() throws {
        let deepest = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        let tooDeep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        expectSameAnswer(deepest, canonical: true)
        expectSameAnswer(tooDeep, canonical: false)
        // A member's value checked on its own counts its depth in the record.
        let record = Array(#"{"content":[[1]]}"#.utf8)
        let content = 11..<16
        #expect(CanonicalJSON.isCanonical(record, in: content, depth: 1, pieceSize: 1))
        #expect(!CanonicalJSON.isCanonical(record, in: content, depth: 126, pieceSize: 1))
    }

    @Test func aLargeRecordIsCheckedItemByItem() throws {
        // Given a record of 2,000 rows, canonical (one with a name not in the simple form, so that
        // the record is checked in pieces), and the same with one row's keys swapped
        var rows: [JSONValue] = (0..<2_000).map { ["job": .integer(Int64($0)), "tag": .string("A-\($0)")] }
        rows[1_500] = ["job": 1_500, "name": "José", "tag": "A-1500"]
        let bytes = try CanonicalJSON.encode(["content": ["assets": .array(rows)], "serial": "X"])
        var swapped = bytes
        let row = Array(#"{"job":1000,"tag":"A-1000"}"#.utf8)
        let at = try #require(bytes.firstRange(of: row))
        swapped.replaceSubrange(at, with: Array(#"{"tag":"A-1000","job":1000}"#.utf8))

        // Then the check in small pieces accepts the one and refuses the other, as the round trip does
        #expect(CanonicalJSON.isCanonical(bytes, pieceSize: 64) && roundTrip(bytes))
        #expect(!CanonicalJSON.isCanonical(swapped, pieceSize: 64) && !roundTrip(swapped))
    }
}

/// ``HTMLText``: every quote and bracket escaped, whatever joins it into one character.
@Suite struct HTMLTextTests {
    @Test func quotesAndBracketsAreEscapedByteByByte() {
        #expect(HTMLText.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        // `"` + U+0301 is one Character, not `"`: escaping by Character let it through.
        #expect(HTMLText.escape("\"\u{301}<\u{301}") == "&quot;\u{301}&lt;\u{301}")
        #expect(HTMLText.escape("Müller 東京 😀") == "Müller 東京 😀")
    }
}
