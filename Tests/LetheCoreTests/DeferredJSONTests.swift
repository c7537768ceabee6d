import Foundation
import LetheCore
import Testing

@Suite struct DeferredJSONTests {
    private let rowsPath = ["content", "assets"]

    /// A report-like record: rows (one with a non-ASCII name and an escape), a scalar member and
    /// a nested object beside them.
    private func record() throws -> [UInt8] {
        let rows: [JSONValue] = [
            ["tag": "SSD-1", "job": 7, "verification": ["mode": "attest"], "passed": true],
            ["tag": "SSD-2", "job": 8, "performer": "José \"Pepe\"", "seals": ["S1", "S2"]],
            ["tag": "SSD-3", "job": 9, "empty": [:], "none": []],
        ]
        let value: JSONValue = [
            "content": ["assets": .array(rows), "period": ["from": "2026-01-01"], "count": 3],
            "serial": "ADS-2026-000001",
        ]
        return try CanonicalJSON.encode(value)
    }

    @Test func deferredRowsReadTheSameAsTheTreeAndTheRestIsParsed() throws {
        // Given a record whose rows are deferred
        let bytes = try record()
        let whole = try CanonicalJSON.decode(bytes)
        let path = rowsPath
        let document = try DeferredJSON(bytes) { $0 == path }

        // When the rows are read
        let rows = try document.items(at: rowsPath)

        // Then the tree holds everything else, with the rows' array empty
        #expect(document.value["serial"] == whole["serial"])
        #expect(document.value["content"]?["period"] == whole["content"]?["period"])
        #expect(document.value["content"]?["count"]?.integerValue == 3)
        #expect(document.value["content"]?["assets"] == .array([]))
        // And each row reads as the tree's row: the plain ones in place, the one with an escape
        // and a non-ASCII character parsed
        let treeRows = try #require(whole["content"]?["assets"]?.arrayValue)
        #expect(rows.map(\.jsonValue) == treeRows)
        guard case .view = rows[0], case .tree = rows[1], case .view = rows[2] else {
            Issue.record("rows read as \(rows)")
            return
        }
        #expect(rows[0]["tag"]?.stringValue == "SSD-1" && rows[0]["job"]?.integerValue == 7)
        #expect(rows[0]["verification"]?["mode"]?.stringValue == "attest")
        #expect(rows[0]["passed"]?.jsonValue == .bool(true))
        #expect(rows[1]["performer"]?.stringValue == "José \"Pepe\"")
        #expect(rows[1]["seals"]?.arrayValue?.compactMap(\.stringValue) == ["S1", "S2"])
        #expect(rows[0].memberNames == ["job", "passed", "tag", "verification"])
        #expect(rows[1].memberNames == ["job", "performer", "seals", "tag"])
        #expect(rows[2].memberNames == ["empty", "job", "none", "tag"])
        #expect(rows[2]["missing"] == nil && rows[2]["tag"]?.integerValue == nil)
    }

    @Test func aDeferredValueThatIsNotAnArrayIsOneItem() throws {
        // Given a record whose whole content is deferred
        let bytes = try record()
        let document = try DeferredJSON(bytes) { $0 == ["content"] }

        // Then the content stands as null, and reads whole as one item
        #expect(document.value["content"] == .null)
        #expect(document.value["serial"]?.stringValue == "ADS-2026-000001")
        let items = try document.items(at: ["content"])
        #expect(items.map(\.jsonValue) == [try CanonicalJSON.decode(bytes)["content"]!])
        // And a path nothing was deferred at has no items
        #expect(try document.items(at: ["nothing"]).isEmpty)
    }

    @Test func whiteSpaceAndEmptyArraysAreRead() throws {
        // Given JSON with white space around and inside the deferred array, and an empty one
        let text = #" { "a" : [ {"x": 1} , 2 , "three" , [ ] , null ] , "b" : [ ] } "#
        let document = try DeferredJSON(Array(text.utf8)) { $0 == ["a"] || $0 == ["b"] }

        // Then every item reads as written
        let items = try document.items(at: ["a"])
        #expect(items.map(\.jsonValue) == [["x": 1], 2, "three", .array([]), .null])
        #expect(try document.items(at: ["b"]).isEmpty)
    }

    @Test func theRangeOfADeferredValueIsTheWholeValueWhateverItHolds() throws {
        // Given deferred values of every shape: an object, arrays of one, none and nested items
        let text = #"{"a":{"x":1},"b":[{"y":2}],"c":[],"d":[[1]]}"#
        let bytes = Array(text.utf8)
        let document = try DeferredJSON(bytes) { $0.count == 1 }

        // Then each one's range is its own bytes, never an item's (a report check hashes them)
        for (key, expected) in [("a", #"{"x":1}"#), ("b", #"[{"y":2}]"#), ("c", "[]"), ("d", "[[1]]")] {
            let range = try #require(document.range(at: [key]), "no range for \(key)")
            #expect(String(decoding: bytes[range], as: UTF8.self) == expected)
        }
        #expect(document.range(at: ["e"]) == nil)
    }

    @Test func nothingInsideAnArrayIsDeferred() throws {
        // Given a member whose path matches, but inside an array
        let text = #"{"a":[{"b":[1,2]}],"c":{"b":[3]}}"#
        let document = try DeferredJSON(Array(text.utf8)) { $0.last == "b" }

        // Then only the one reached through members alone is deferred
        #expect(document.value["a"] == [["b": [1, 2]]])
        #expect(document.value["c"]?["b"] == .array([]))
        #expect(try document.items(at: ["c", "b"]).map(\.jsonValue) == [3])
    }

    /// Text whose structure is not JSON, a member `a` of it deferred.
    static let malformedTexts = [
        #"{"a":[{"x":1},{"x":"#,  // ends inside a row
        #"{"a":[{"x":"unterminated}]}"#,  // a string without its end
        #"{"a":[{"x":1}}]}"#,  // a bracket closed twice
        #"{"a":[1 2]}"#,  // no comma between rows
        #"{"a":[1],"a":[2]}"#,  // a duplicate member
        #"{"a":[1]} x"#,  // text after the value
    ]

    @Test(arguments: malformedTexts)
    func malformedTextIsRefusedWhenParsed(_ text: String) {
        #expect(throws: LetheError.self) { _ = try DeferredJSON(Array(text.utf8)) { $0 == ["a"] } }
    }

    @Test(arguments: [
        #"{"a":[{"x":1,"x":2}]}"#,  // a duplicate member inside a row
        #"{"a":[{"x":01}]}"#,  // a leading zero
        #"{"a":[{"x":1.5}]}"#,  // a floating-point number
        #"{"a":[{"x":"\q"}]}"#,  // an invalid escape
        #"{"a":[tru]}"#,  // an unknown literal
        #"{"a":[{"x" 1}]}"#,  // no colon
    ])
    func aMalformedRowIsRefusedWhenItsRowsAreRead(_ text: String) throws {
        // Given text whose structure is sound but one row is not JSON of the subset
        let document = try DeferredJSON(Array(text.utf8)) { $0 == ["a"] }

        // Then reading the rows refuses it, naming where
        #expect {
            _ = try document.items(at: ["a"])
        } throws: { error in
            (error as? LetheError)?.message.contains("in a:") == true
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedInsideADeferredValue() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let text = #"{"a":["# + deep + "]}"
        #expect(throws: LetheError.self) { _ = try DeferredJSON(Array(text.utf8)) { $0 == ["a"] } }
    }

    @Test func membersReadInOnePassAreTheMembersLookedUpOneByOne() throws {
        // Given rows read in place and a row parsed into a tree (its text needs an escape)
        let rows: [JSONValue] = [
            [
                "certificate": "C-1", "certificate_status": "valid", "job": 7, "tag": "SSD-1", "tool": "nwipe",
                "tool_version": "0.35", "verification": ["mode": "sampled", "rate_percent": 5], "z": nil,
            ],
            ["tag": "SSD-2", "tool_version": "1"],
            ["tag": "SSD-3", "performer": "José \"Pepe\""],
            [:],
        ]
        let bytes = try CanonicalJSON.encode(["content": ["assets": .array(rows)]])
        let items = try DeferredJSON(bytes) { $0 == ["content", "assets"] }.items(at: ["content", "assets"])
        #expect(items.count == 4)
        if case .tree = items[2] {} else { Issue.record("the escaped row should be read as a tree") }
        // When names in no particular order (some absent, one a prefix of another, one before
        // and one after every key) are read in one pass
        let names = [
            "tool", "tag", "verification", "absent", "certificate", "tool_version", "aaa", "zzz", "performer", "z",
            "certificate_status", "job",
        ]
        let picked = JSONMemberNames(names)
        for item in items {
            let members = item.members(picked)
            // Then each is the member the lookup by name finds, in the order asked
            #expect(members.count == names.count)
            for (index, name) in names.enumerated() {
                #expect(members[index]?.jsonValue == item[name]?.jsonValue, "\(name) of \(item.jsonValue)")
            }
        }
        // And the row parsed into a tree gives its members by value too
        let tree = items[2].members(JSONMemberNames(["tag", "absent", "performer"]))
        #expect(tree.map { $0?.stringValue } == ["SSD-3", nil, "José \"Pepe\""])
        // And a value that is not an object has none
        let scalar = try DeferredJSON(try CanonicalJSON.encode(["a": ["b": 1]])) { $0 == ["a"] }.items(at: ["a"])
        #expect(scalar.first?.members(JSONMemberNames(["b", "c"])).map { $0?.integerValue } == [1, nil])
    }
}
