import Foundation
import LetheCore
import Testing

@Suite struct StoredEventViewTests {
    /// An event read by both readers: parsed whole, and in place.
    private func fields(_ bytes: [UInt8]) throws -> (tree: Event, view: StoredEventView?) {
        (try Event(storedBytes: bytes), StoredEventView(storedBytes: bytes))
    }

    @Test func aCanonicalEventReadInPlaceHasTheFieldsOfTheParsedEvent() throws {
        // Given a canonical event with nested objects, arrays, integers, null and booleans
        let event = try Event(
            seq: 42, recordedAt: try RFC3339.parse("2024-02-29T23:59:59Z"), actor: "alice",
            draft: EventDraft(
                type: "job.scheduled", assetTag: "SSD-1",
                payload: [
                    "after_failed_job": 7,
                    "job": [
                        "asset": "SSD-1", "id": 9_007_199_254_740_991, "due_at": "2026-12-31T09:00:00Z",
                        "techniques": ["crypto-erase", "overwrite"], "verification": ["mode": "sampled", "rate": -3],
                        "second_person": false, "details": nil, "empty": [:], "none": [],
                    ],
                ]))

        // When it is read in place and parsed whole
        let (tree, view) = try fields(event.bytes)

        // Then every field reads the same
        let read = try #require(view)
        #expect(read.seq == tree.seq && read.recordedAt == tree.recordedAt && read.actor == tree.actor)
        #expect(read.type == tree.type && read.assetTag == tree.assetTag)
        let job = try #require(read.payload["job"])
        let treeJob = try #require(tree.payload["job"])
        #expect(job["id"]?.integerValue == treeJob["id"]?.integerValue)
        #expect(job["asset"]?.stringValue == "SSD-1")
        #expect(job["due_at"]?.dateValue == treeJob["due_at"]?.dateValue)
        #expect(job["techniques"]?.arrayValue?.compactMap(\.stringValue) == ["crypto-erase", "overwrite"])
        #expect(job["verification"]?.jsonValue == treeJob["verification"])
        #expect(job["verification"]?["rate"]?.integerValue == -3)
        #expect(job["details"]?.jsonValue == .null && job["details"]?["mode"] == nil)
        #expect(job["empty"]?.jsonValue == .object([:]) && job["none"]?.arrayValue?.isEmpty == true)
        #expect(job["second_person"]?.stringValue == nil && job["missing"] == nil)
        #expect(read.payload["after_failed_job"]?.integerValue == 7)
        #expect(read.payload.jsonValue == tree.payload)
    }

    @Test func anEventReadFromABatchBufferReadsAsOnItsOwn() throws {
        // Given two events back to back in one buffer, as a report's scan reads a batch
        func event(_ seq: Int64, _ tag: String) throws -> Event {
            try Event(
                seq: seq, recordedAt: try RFC3339.parse("2026-01-02T09:00:00Z"), actor: "tech",
                draft: EventDraft(
                    type: "job.executed", assetTag: tag, payload: ["job": .integer(seq), "tool": "nwipe"]))
        }
        let first = try event(5, "A-1")
        let second = try event(6, "A-22")
        let buffer = first.bytes + second.bytes
        let range = first.bytes.count..<buffer.count

        // When the second is read by its range
        let view = try #require(StoredEventView(storedBytes: buffer, range: range))

        // Then it reads as the event alone does, and reads nothing of the one before it
        let alone = try #require(StoredEventView(storedBytes: second.bytes))
        #expect(view.seq == 6 && view.assetTag == "A-22" && view.actor == alone.actor)
        #expect(view.payload["job"]?.integerValue == 6 && view.payload["tool"]?.stringValue == "nwipe")
        #expect(view.payload.jsonValue == alone.payload.jsonValue)
        // A range that is not one whole event, or lies outside the buffer, is not read in place
        #expect(StoredEventView(storedBytes: buffer, range: 0..<(first.bytes.count + 1)) == nil)
        #expect(StoredEventView(storedBytes: buffer, range: range.lowerBound..<(buffer.count + 1)) == nil)
        #expect(StoredEventView(storedBytes: buffer, range: 1..<first.bytes.count) == nil)
    }

    @Test func dateValuesReadInPlaceAreTheDatesRFC3339Parses() throws {
        // Given dates across leap years, month ends and the epoch
        for text in [
            "1970-01-01T00:00:00Z", "2000-02-29T12:34:56Z", "2100-02-28T23:59:59Z", "2026-12-31T23:59:59Z",
            "2038-01-19T03:14:08Z",
        ] {
            // When one is read in place
            let bytes = Array(#"{"actor":"a","payload":{"at":"\#(text)"},"seq":1,"time":"\#(text)","type":"t"}"#.utf8)
            let view = try #require(StoredEventView(storedBytes: bytes))

            // Then it is the date RFC3339.parse gives
            #expect(view.recordedAt == (try RFC3339.parse(text)), "\(text)")
            #expect(view.payload["at"]?.dateValue == (try RFC3339.parse(text)), "\(text)")
        }
    }

    @Test func anEventNotInTheSimpleFormIsLeftToTheParser() throws {
        // Given stored events that are valid JSON but not in the form read in place, and events
        // that are not valid at all
        let valid = [
            #"{"actor":"a\u00e9","payload":{},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"é","payload":{},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"payload":{},"actor":"a","seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{ "actor":"a","payload":{},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{},"seq":1,"time":"2026-01-01T00:00:00+01:00","type":"t"}"#,
            #"{"actor":"a","payload":{},"seq":1,"time":"2026-01-01","type":"t"}"#,
            #"{"actor":"a","payload":{"b":1,"a":2},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
        ]
        let invalid = [
            #"{"actor":"a","payload":{"a":1,"a":2},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{"a":1.5},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{"a":01},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{"a":9007199254740992},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{},"seq":1,"time":"2026-02-30T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{},"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{"a":[1,]},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{"a":"x"},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}x"#,
            #"{"actor":"a","payload":{"a":tru},"seq":1,"time":"2026-01-01T00:00:00Z","type":"t"}"#,
            #"{"actor":"a","payload":{"a":"x"#,
            "[1]",
        ]

        // When each is read in place
        // Then none is: the valid ones parse whole as before, the invalid ones are refused as before
        for text in valid {
            #expect(StoredEventView(storedBytes: Array(text.utf8)) == nil, "\(text)")
            _ = try Event(storedBytes: Array(text.utf8))
        }
        for text in invalid {
            #expect(StoredEventView(storedBytes: Array(text.utf8)) == nil, "\(text)")
            #expect(throws: LetheError.self, "\(text)") { try Event(storedBytes: Array(text.utf8)) }
        }
    }
}
