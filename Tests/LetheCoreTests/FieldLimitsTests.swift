import Foundation
import LetheCore
import Testing

private let now = Date(timeIntervalSince1970: 1_795_338_000)

@Test func quotedInputIsCutToEightyCharactersWithItsLength() {
    // Given a 100 KB argument, a short one and one with a line break,
    let long = String(repeating: "x", count: 100_000)
    // then a message quotes at most 80 characters of it, says how long it was, and shows controls.
    #expect(Quoted(long).description == "'" + String(repeating: "x", count: 79) + "…' (100000 characters)")
    #expect(Quoted("HQ").description == "'HQ'")
    #expect(Quoted("a\nb\u{1B}").description == "'a\\nb?'")
    #expect(Quoted(String(repeating: "y", count: 80)).description.count == 82)
}

@Test func everyFreeTextFieldHasALimitOnRegisterAndUpdate() throws {
    // Given fields one character over their limits (and a 120 KB location),
    let fields = AssetFields(
        tag: "LAP-1", serial: String(repeating: "S", count: FieldLimits.name + 1),
        make: String(repeating: "M", count: FieldLimits.name), mediaType: "laptop",
        location: String(repeating: "L", count: 120_000), classification: "low",
        notes: String(repeating: "n", count: FieldLimits.notes + 1))
    // when they are validated for a new asset, then each is a problem naming its limit (the one at its limit is fine),
    guard case .failure(let found) = fields.newAsset(at: now) else {
        Issue.record("over-long fields were accepted")
        return
    }
    #expect(found.problems.map(\.field) == ["serial", "location", "notes"])
    #expect(found.problems[1].reason == "is 120000 characters long; at most 256 are accepted — shorten it")
    // and the error quotes each value short.
    let error = found.error(context: "asset LAP-1")
    #expect(error.description.count < 1_000, "\(error.description.count) characters")
    #expect(error.details[1].hasPrefix("location '" + String(repeating: "L", count: 79) + "…' (120000 characters): is"))
    // An update is held to the same limits.
    let asset = try AssetFields(tag: "LAP-1", mediaType: "laptop", classification: "low").newAsset(at: now).get()
    guard
        case .failure(let update) = AssetFields(custodian: String(repeating: "c", count: 129)).applied(
            to: asset, at: now)
    else {
        Issue.record("an over-long custodian was accepted on update")
        return
    }
    #expect(update.problems.map(\.field) == ["custodian"])
}

@Test func aLongUnknownWordIsQuotedShort() {
    // Given a 100 KB media type, when it is parsed, then the error quotes 80 characters of it.
    #expect {
        try MediaType.parse(String(repeating: "z", count: 100_000))
    } throws: { error in
        let message = (error as? LetheError)?.message ?? ""
        return message.count < 300 && message.contains("(100000 characters) is not known")
    }
}
