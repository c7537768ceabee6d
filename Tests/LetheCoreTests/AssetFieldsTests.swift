import Foundation
import LetheCore
import Testing

private let now = Date(timeIntervalSince1970: 1_795_338_000)

@Test func validFieldsMakeAnAsset() throws {
    let fields = AssetFields(
        tag: "LAP-1", serial: " 5CG1 ", mediaType: "Laptop", capacity: "512GB", classification: "HIGH",
        encryption: "self-encrypting")
    let asset = try fields.newAsset(at: now).get()
    #expect(asset.mediaType == .laptop)
    #expect(asset.classification == .high)
    #expect(asset.serial == "5CG1")
    #expect(asset.capacityBytes == 512_000_000_000)
    #expect(asset.state == .inService)
}

@Test func everyBadFieldIsNamedWithItsValue() {
    let fields = AssetFields(
        tag: "bad tag", mediaType: "floppy", capacity: "lots", classification: "secret", encryption: "rot13",
        state: "sanitized")
    guard case .failure(let found) = fields.newAsset(at: now) else {
        Issue.record("invalid fields were accepted")
        return
    }
    let byField = Dictionary(uniqueKeysWithValues: found.problems.map { ($0.field, $0.value) })
    #expect(byField["asset_tag"] == "bad tag")
    #expect(byField["media_type"] == "floppy")
    #expect(byField["capacity"] == "lots")
    #expect(byField["classification"] == "secret")
    #expect(byField["encryption"] == "rot13")
    #expect(byField["state"] == "sanitized")
}

@Test func requiredFieldsAreRequired() {
    guard case .failure(let found) = AssetFields(tag: "A").newAsset(at: now) else {
        Issue.record("missing fields were accepted")
        return
    }
    #expect(Set(found.problems.map(\.field)) == ["media_type", "classification"])
}

@Test func updatesApplyOnlyGivenFieldsAndEmptyClears() throws {
    let asset = try AssetFields(
        tag: "A", serial: "S1", mediaType: "hdd", location: "HQ", classification: "low", notes: "old"
    ).newAsset(at: now).get()
    let later = now.addingTimeInterval(60)
    let updated = try AssetFields(location: "DC-2", notes: "").applied(to: asset, at: later).get()
    #expect(updated.location == "DC-2")
    #expect(updated.notes == nil)
    #expect(updated.serial == "S1")
    #expect(updated.updatedAt == later)
    #expect(Set(asset.changes(to: updated).keys) == ["location", "notes"])
    #expect(throws: FieldProblems.self) { try AssetFields(parentTag: "A").applied(to: asset, at: later).get() }
}
