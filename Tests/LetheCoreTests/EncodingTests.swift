import Foundation
import LetheCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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

@Test func theDirectIntegerAndStringWritersWriteWhatTheValueWriterDoes() throws {
    for number: Int64 in [
        0, 1, -1, 9, 10, -10, 99, 100, 123_456_789, JSONValue.maxSafeInteger, -JSONValue.maxSafeInteger,
    ] {
        var direct: [UInt8] = []
        try CanonicalJSON.write(integer: number, into: &direct)
        #expect(direct == (try CanonicalJSON.encode(.integer(number))))
        #expect(String(decoding: direct, as: UTF8.self) == String(number))
    }
    var beyond: [UInt8] = []
    #expect(throws: LetheError.self) { try CanonicalJSON.write(integer: JSONValue.maxSafeInteger + 1, into: &beyond) }
    for text in ["", "plain", "quote \" backslash \\ tab \t ctl \u{01}", "é €"] {
        var direct: [UInt8] = []
        CanonicalJSON.write(string: text, into: &direct)
        #expect(direct == (try CanonicalJSON.encode(.string(text))))
    }
}

@Test func anRFC3339DateWrittenIntoBytesIsWhatGmtimeGivesForEverySecondOfTheCalendar() {
    /// The reference: the C library's calendar.
    func reference(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func digits(_ value: Int32, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        return "\(digits(parts.tm_year + 1900, 4))-\(digits(parts.tm_mon + 1, 2))-\(digits(parts.tm_mday, 2))T"
            + "\(digits(parts.tm_hour, 2)):\(digits(parts.tm_min, 2)):\(digits(parts.tm_sec, 2))Z"
    }
    // Every boundary that matters (epoch, leap days, centuries, 2000, the ends of years 1 and
    // 9999) and a spread of seconds between them, fractions dropped.
    var samples: [Int64] = [
        0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 951_868_800, 4_107_542_400, -2_208_988_800, -62_135_596_800,
        253_402_300_799, 1_709_164_800, 1_709_251_199,
    ]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<50_000 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        samples.append(Int64(state >> 1) % 315_537_897_599 - 62_135_596_800)
    }
    for seconds in samples {
        for fraction in [0.0, 0.75] {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
            var bytes: [UInt8] = [0x41]
            RFC3339.write(date, into: &bytes)
            let expected = reference(seconds)
            guard bytes == [0x41] + Array(expected.utf8) else {
                Issue.record("\(seconds): \(String(decoding: bytes, as: UTF8.self)) is not \(expected)")
                return
            }
            #expect(RFC3339.format(date) == expected)
        }
    }
    #expect(RFC3339.format(Date(timeIntervalSince1970: 1_790_000_000)) == "2026-09-21T14:13:20Z")
}
