import Foundation
import LetheCore
import Testing

@Test func canonicalJSONSortsKeysAndEscapes() throws {
    let value: JSONValue = [
        "b": 1, "a": ["z": true, "y": nil], "text": "quote \" backslash \\ tab \t nl \n ctl \u{01} é €",
    ]
    let text = try CanonicalJSON.string(value)
    #expect(text == #"{"a":{"y":null,"z":true},"b":1,"text":"quote \" backslash \\ tab \t nl \n ctl \u0001 é €"}"#)
}

@Test func canonicalJSONSortsKeysByUTF16CodeUnitsAsRFC8785Section3_2_3() throws {
    // RFC 8785's sorting example: the emoji's surrogate pair sorts before U+FB33 in UTF-16,
    // although its code point is higher; plain ASCII keys take the byte-order path.
    let value: JSONValue = [
        "\u{20ac}": "Euro Sign", "\r": "Carriage Return", "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
        "1": "One", "\u{1f600}": "Emoji: Grinning Face", "\u{80}": "Control",
        "\u{f6}": "Latin Small Letter O With Diaeresis",
    ]
    let expected =
        #"{"\r":"Carriage Return","1":"One","\#u{80}":"Control","\#u{f6}":"Latin Small Letter O With Diaeresis","#
        + #""\#u{20ac}":"Euro Sign","\#u{1f600}":"Emoji: Grinning Face","\#u{fb33}":"Hebrew Letter Dalet With Dagesh"}"#
    #expect(try CanonicalJSON.string(value) == expected)
    let ascii: JSONValue = ["b": 1, "B": 2, "a_b": 3, "a": 4, "ab": 5]
    #expect(try CanonicalJSON.string(ascii) == #"{"B":2,"a":4,"a_b":3,"ab":5,"b":1}"#)
}

@Test func canonicalJSONRefusesUnsafeIntegers() {
    #expect(throws: LetheError.self) { try CanonicalJSON.encode(.integer(JSONValue.maxSafeInteger + 1)) }
    #expect(throws: Never.self) { try CanonicalJSON.encode(.integer(-JSONValue.maxSafeInteger)) }
}

@Test func canonicalJSONRoundTrips() throws {
    let value: JSONValue = ["list": [1, "two", false, nil, ["k": "v"]], "n": -42]
    let bytes = try CanonicalJSON.encode(value)
    #expect(try CanonicalJSON.decode(bytes) == value)
    #expect(try CanonicalJSON.encode(CanonicalJSON.decode(bytes)) == bytes)
}

@Test func rfc3339FormatsAndParses() throws {
    let date = try RFC3339.parse("2026-11-22T09:30:05Z")
    #expect(RFC3339.format(date) == "2026-11-22T09:30:05Z")
    #expect(try RFC3339.parse("2026-11-22T10:30:05+01:00") == date)
    #expect(try RFC3339.parse("2026-11-22T09:30:05.250Z") == date)
    #expect(RFC3339.format(try RFC3339.parse("2026-11-22")) == "2026-11-22T00:00:00Z")
    for bad in ["2026-02-30", "2026-13-01", "22/11/2026", "2026-11-22T25:00:00Z", "2026-11-22T09:30:05", ""] {
        #expect(throws: LetheError.self, "\(bad)") { try RFC3339.parse(bad) }
    }
}

@Test func eventBytesAreCanonicalAndReadBack() throws {
    let time = try RFC3339.parse("2026-11-22T09:00:00Z")
    let event = try Event(
        seq: 7, recordedAt: time, actor: "alice",
        draft: EventDraft(type: .assetRegistered, assetTag: "LAP-1", payload: ["k": "v"]))
    let text = String(decoding: event.bytes, as: UTF8.self)
    #expect(
        text
            == #"{"actor":"alice","asset":"LAP-1","payload":{"k":"v"},"seq":7,"time":"2026-11-22T09:00:00Z","type":"asset.registered","v":1}"#
    )
    let back = try Event(storedBytes: event.bytes)
    #expect(back == event)
}
