import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// The state of the database that a failed request must leave exactly as it was.
struct Snapshot: Equatable {
    var assets: Int
    var events: Int
    var lastEvent: [UInt8]?

    init(_ installation: TestInstallation) throws {
        assets = try installation.count("asset")
        events = try installation.count("event")
        lastEvent = try installation.app.store.read { (tx) throws(LetheError) in try tx.lastEvent()?.bytes }
    }
}

func laptop(_ tag: String, parent: String? = nil, type: String = "laptop") -> AssetFields {
    AssetFields(
        tag: tag, serial: "SN-\(tag)", make: "Dell", model: "Latitude", mediaType: type, capacity: "512GB",
        location: "HQ", custodian: "alice", classification: "moderate", encryption: "software", parentTag: parent)
}

@Test func registerMoveRetireAndTheHistoryTellsTheStory() throws {
    // Given an installation with one registered laptop
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("LAP-1"), actor: "it-alice")
    lethe.clock.advance(3600)

    // When it is handed to storage under seal and retired
    let moved = try lethe.app.transferCustody(
        tag: "LAP-1",
        CustodyTransfer(to: "bob", location: "Storage B", seals: ["SEAL-1", "SEAL-2"], manifest: "WB-9"),
        actor: "it-alice")
    lethe.clock.advance(60)
    try lethe.app.retireAsset(tag: "LAP-1", reason: "end of life", actor: "it-bob")

    // Then the asset and its history follow, in order, with every detail
    #expect(moved.custodian == "bob")
    #expect(try lethe.app.asset(tag: "LAP-1").state == .retired)
    let history = try lethe.app.history(tag: "LAP-1")
    #expect(history.map(\.type) == [.assetRegistered, .custodyTransferred, .assetStateChanged])
    #expect(history.map(\.seq) == [1, 2, 3])
    #expect(history.map(\.actor) == ["it-alice", "it-alice", "it-bob"])
    #expect(history[1].payload["from"] == "alice")
    #expect(history[1].payload["seals"] == ["SEAL-1", "SEAL-2"])
    #expect(history[1].payload["manifest"] == "WB-9")
    #expect(history[1].payload["location_to"] == "Storage B")
    #expect(history[2].payload["from"] == "in-service")
    #expect(history[2].payload["to"] == "retired")
    #expect(RFC3339.format(history[2].recordedAt) == "2026-11-22T10:01:00Z")
}

@Test func retiringAParentRetiresItsInServiceChildrenInOneTransaction() throws {
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("SRV-1", type: "server"), actor: "a")
    try lethe.app.registerAsset(laptop("SRV-1-D1", parent: "SRV-1", type: "ssd"), actor: "a")
    try lethe.app.registerAsset(laptop("SRV-1-D2", parent: "SRV-1", type: "ssd"), actor: "a")
    try lethe.app.reportLost(tag: "SRV-1-D2", reason: "missing at audit", actor: "a")

    let retired = try lethe.app.retireAsset(tag: "SRV-1", actor: "a")

    #expect(retired.map(\.tag) == ["SRV-1", "SRV-1-D1"])
    #expect(try lethe.app.asset(tag: "SRV-1-D1").state == .retired)
    #expect(try lethe.app.asset(tag: "SRV-1-D2").state == .lost)
    #expect(try lethe.app.history(tag: "SRV-1-D1").last?.payload["with_parent"] == "SRV-1")
}

@Test func anIllegalTransitionIsRefusedAndChangesNothing() throws {
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("LAP-1"), actor: "a")
    let before = try Snapshot(lethe)

    #expect {
        try lethe.app.disposeAsset(tag: "LAP-1", destination: .recycling, actor: "a")
    } throws: { error in
        let error = error as! LetheError
        return error.code == .illegalTransition && error.message.contains("LAP-1")
            && error.message.contains("in-service") && error.message.contains("retired, lost")
    }
    #expect(try Snapshot(lethe) == before)
    #expect(try lethe.app.asset(tag: "LAP-1").state == .inService)
}

@Test func aDuplicateTagIsRefusedAndChangesNothing() throws {
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("LAP-1"), actor: "a")
    let before = try Snapshot(lethe)

    #expect {
        try lethe.app.registerAsset(laptop("LAP-1"), actor: "a")
    } throws: { error in
        (error as! LetheError).code == .conflict && (error as! LetheError).message.contains("LAP-1")
    }
    #expect(try Snapshot(lethe) == before)
}

@Test func anUnknownEnumValueIsRefusedNamingFieldAndValue() throws {
    let lethe = try TestInstallation()
    let before = try Snapshot(lethe)
    var fields = laptop("LAP-1")
    fields.mediaType = "floppy"

    #expect {
        try lethe.app.registerAsset(fields, actor: "a")
    } throws: { error in
        let error = error as! LetheError
        return error.code == .invalidInput && error.details.contains { $0.contains("media_type 'floppy'") }
    }
    #expect(try Snapshot(lethe) == before)
}

@Test func aParentMustExistAndCannotLoop() throws {
    let lethe = try TestInstallation()
    #expect(throws: LetheError.self) { try lethe.app.registerAsset(laptop("D1", parent: "NOPE"), actor: "a") }
    try lethe.app.registerAsset(laptop("SRV", type: "server"), actor: "a")
    try lethe.app.registerAsset(laptop("D1", parent: "SRV", type: "ssd"), actor: "a")
    #expect {
        try lethe.app.updateAsset(tag: "SRV", AssetFields(parentTag: "D1"), actor: "a")
    } throws: { error in
        (error as! LetheError).message.contains("D1 is attached to SRV")
    }
}

@Test func aParentCannotBeDisposedWhileItsMediaAreNotVerified() throws {
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("SRV", type: "server"), actor: "a")
    try lethe.app.registerAsset(laptop("D1", parent: "SRV", type: "hdd"), actor: "a")
    #expect {
        try lethe.app.disposeAsset(tag: "SRV", destination: .recycling, actor: "a")
    } throws: { error in
        (error as! LetheError).message.contains("D1 (in-service)")
    }
}

@Test func updatesRecordWhatChangedAndNoOpsRecordNothing() throws {
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("LAP-1"), actor: "a")
    try lethe.app.updateAsset(tag: "LAP-1", AssetFields(location: "DC-2", notes: "dent"), actor: "b")
    let events = try lethe.count("event")
    try lethe.app.updateAsset(tag: "LAP-1", AssetFields(location: "DC-2"), actor: "b")
    #expect(try lethe.count("event") == events)
    let last = try lethe.app.history(tag: "LAP-1").last!
    #expect(last.type == .assetUpdated)
    #expect(last.payload["changes"]?["location"]?["from"] == "HQ")
    #expect(last.payload["changes"]?["location"]?["to"] == "DC-2")
}

@Test func listsFilterAndPageByTag() throws {
    let lethe = try TestInstallation()
    for index in 1...7 { try lethe.app.registerAsset(laptop(String(format: "A-%02d", index)), actor: "a") }
    try lethe.app.retireAsset(tag: "A-03", actor: "a")
    try lethe.app.retireAsset(tag: "A-05", actor: "a")
    let retired = try lethe.app.listAssets(AssetQuery(state: .retired))
    #expect(retired.assets.map(\.tag) == ["A-03", "A-05"])
    #expect(retired.total == 2)
    let page = try lethe.app.listAssets(AssetQuery(afterTag: "A-02", limit: 3))
    #expect(page.assets.map(\.tag) == ["A-03", "A-04", "A-05"])
    #expect(page.total == 7)
}

@Test func overLongTextIsRefusedByEveryUseCaseAndChangesNothing() throws {
    // Given an installation with one laptop,
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("LAP-1"), actor: "it")
    let before = try Snapshot(lethe)
    let huge = String(repeating: "x", count: 120_000)
    var long = laptop("LAP-2")
    long.location = huge
    // when a 120 KB location, custodian, seal, note or reason reaches register, update, move,
    // retire, lost or an import row,
    let file = lethe.root.write(
        "long.csv",
        "asset_tag,serial,make,model,media_type,capacity,location,custodian,classification,encryption,parent_tag,notes,state\n"
            + "LAP-3,,,,laptop,,\(huge),,low,,,,\n")
    let attempts: [() throws -> Void] = [
        { try lethe.app.registerAsset(long, actor: "it") },
        { try lethe.app.updateAsset(tag: "LAP-1", AssetFields(location: huge), actor: "it") },
        { try lethe.app.transferCustody(tag: "LAP-1", CustodyTransfer(to: huge), actor: "it") },
        { try lethe.app.transferCustody(tag: "LAP-1", CustodyTransfer(to: "bob", seals: [huge]), actor: "it") },
        { try lethe.app.transferCustody(tag: "LAP-1", CustodyTransfer(to: "bob", notes: huge), actor: "it") },
        { try lethe.app.retireAsset(tag: "LAP-1", reason: huge, actor: "it") },
        { try lethe.app.reportLost(tag: "LAP-1", reason: huge, actor: "it") },
        { _ = try lethe.app.importAssets(ImportRequest(path: file), actor: "it") },
    ]
    for attempt in attempts {
        // then each is refused as invalid input, quoting the text short,
        #expect {
            try attempt()
        } throws: { error in
            let error = error as? LetheError
            return error?.code == .invalidInput && (error?.description.count ?? .max) < 1_000
                && error?.description.contains("(120000 characters)") == true
        }
    }
    // and nothing was written.
    #expect(try Snapshot(lethe) == before)
}
