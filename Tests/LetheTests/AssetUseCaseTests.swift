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

@Test func registerMoveRetireAndTheHistoryTellsTheStory() async throws {
    // Given an installation with one registered laptop
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(laptop("LAP-1"), by: .local("it-alice"))
    lethe.clock.advance(3600)

    // When it is handed to storage under seal and retired
    let moved = try await lethe.app.assets.transferCustody(
        "LAP-1", CustodyTransfer(to: "bob", location: "Storage B", seals: ["SEAL-1", "SEAL-2"], manifest: "WB-9"),
        by: .local("it-alice"))
    lethe.clock.advance(60)
    try await lethe.app.assets.retire("LAP-1", reason: "end of life", by: .local("it-bob"))

    // Then the asset and its history follow, in order, with every detail
    #expect(moved.asset.custodian == "bob")
    #expect(try await lethe.app.assets.show("LAP-1", by: .auditor).asset.state == .retired)
    let history = try await lethe.app.assets.history("LAP-1", by: .auditor).events
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

@Test func retiringAParentRetiresItsInServiceChildrenInOneTransaction() async throws {
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(laptop("SRV-1", type: "server"), by: .local("a"))
    try await lethe.app.assets.register(laptop("SRV-1-D1", parent: "SRV-1", type: "ssd"), by: .local("a"))
    try await lethe.app.assets.register(laptop("SRV-1-D2", parent: "SRV-1", type: "ssd"), by: .local("a"))
    try await lethe.app.assets.reportLost("SRV-1-D2", reason: "missing at audit", by: .local("a"))

    let retired = try await lethe.app.assets.retire("SRV-1", by: .local("a"))

    #expect(retired.tags == ["SRV-1", "SRV-1-D1"])
    #expect(try await lethe.app.assets.show("SRV-1-D1", by: .auditor).asset.state == .retired)
    #expect(try await lethe.app.assets.show("SRV-1-D2", by: .auditor).asset.state == .lost)
    #expect(
        try await lethe.app.assets.history("SRV-1-D1", by: .auditor).events.last?.payload["with_parent"] == "SRV-1")
}

@Test func anIllegalTransitionIsRefusedAndChangesNothing() async throws {
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(laptop("LAP-1"), by: .local("a"))
    let before = try Snapshot(lethe)

    await #expect {
        try await lethe.app.assets.dispose("LAP-1", destination: .recycling, by: .local("a"))
    } throws: { error in
        let error = error as! LetheError
        return error.code == .illegalTransition && error.message.contains("LAP-1")
            && error.message.contains("in-service") && error.message.contains("retired, lost")
    }
    #expect(try Snapshot(lethe) == before)
    #expect(try await lethe.app.assets.show("LAP-1", by: .auditor).asset.state == .inService)
}

@Test func aDuplicateTagIsRefusedAndChangesNothing() async throws {
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(laptop("LAP-1"), by: .local("a"))
    let before = try Snapshot(lethe)

    await #expect {
        try await lethe.app.assets.register(laptop("LAP-1"), by: .local("a"))
    } throws: { error in
        (error as! LetheError).code == .conflict && (error as! LetheError).message.contains("LAP-1")
    }
    #expect(try Snapshot(lethe) == before)
}

@Test func anUnknownEnumValueIsRefusedNamingFieldAndValue() async throws {
    let lethe = try TestInstallation()
    let before = try Snapshot(lethe)
    var fields = laptop("LAP-1")
    fields.mediaType = "floppy"

    await #expect {
        try await lethe.app.assets.register(fields, by: .local("a"))
    } throws: { error in
        let error = error as! LetheError
        return error.code == .invalidInput && error.details.contains { $0.contains("media_type 'floppy'") }
    }
    #expect(try Snapshot(lethe) == before)
}

@Test func aParentMustExistAndCannotLoop() async throws {
    let lethe = try TestInstallation()
    await #expect(throws: LetheError.self) {
        try await lethe.app.assets.register(laptop("D1", parent: "NOPE"), by: .local("a"))
    }
    try await lethe.app.assets.register(laptop("SRV", type: "server"), by: .local("a"))
    try await lethe.app.assets.register(laptop("D1", parent: "SRV", type: "ssd"), by: .local("a"))
    await #expect {
        try await lethe.app.assets.update("SRV", AssetFields(parentTag: "D1"), by: .local("a"))
    } throws: { error in
        (error as! LetheError).message.contains("D1 is attached to SRV")
    }
}

@Test func aParentCannotBeDisposedWhileItsMediaAreNotVerified() async throws {
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(laptop("SRV", type: "server"), by: .local("a"))
    try await lethe.app.assets.register(laptop("D1", parent: "SRV", type: "hdd"), by: .local("a"))
    await #expect {
        try await lethe.app.assets.dispose("SRV", destination: .recycling, by: .local("a"))
    } throws: { error in
        (error as! LetheError).message.contains("D1 (in-service)")
    }
}

@Test func updatesRecordWhatChangedAndNoOpsRecordNothing() async throws {
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(laptop("LAP-1"), by: .local("a"))
    try await lethe.app.assets.update("LAP-1", AssetFields(location: "DC-2", notes: "dent"), by: .local("b"))
    let events = try lethe.count("event")
    try await lethe.app.assets.update("LAP-1", AssetFields(location: "DC-2"), by: .local("b"))
    #expect(try lethe.count("event") == events)
    let last = try await lethe.app.assets.history("LAP-1", by: .auditor).events.last!
    #expect(last.type == .assetUpdated)
    #expect(last.payload["changes"]?["location"]?["from"] == "HQ")
    #expect(last.payload["changes"]?["location"]?["to"] == "DC-2")
}

@Test func listsFilterAndPageByTag() async throws {
    let lethe = try TestInstallation()
    for index in 1...7 { try await lethe.app.assets.register(laptop(String(format: "A-%02d", index)), by: .local("a")) }
    try await lethe.app.assets.retire("A-03", by: .local("a"))
    try await lethe.app.assets.retire("A-05", by: .local("a"))
    let retired = try await lethe.app.assets.list(AssetQuery(state: .retired), by: .auditor)
    #expect(retired.assets.map(\.asset.tag) == ["A-03", "A-05"])
    #expect(retired.total == 2)
    let page = try await lethe.app.assets.list(AssetQuery(afterTag: "A-02", limit: 3), by: .auditor)
    #expect(page.assets.map(\.asset.tag) == ["A-03", "A-04", "A-05"])
    #expect(page.total == 7)
}

@Test func overLongTextIsRefusedByEveryUseCaseAndChangesNothing() async throws {
    // Given an installation with one laptop,
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(laptop("LAP-1"), by: .local("it"))
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
    let attempts: [() async throws -> Void] = [
        { try await lethe.app.assets.register(long, by: .local("it")) },
        { try await lethe.app.assets.update("LAP-1", AssetFields(location: huge), by: .local("it")) },
        { try await lethe.app.assets.transferCustody("LAP-1", CustodyTransfer(to: huge), by: .local("it")) },
        {
            try await lethe.app.assets.transferCustody(
                "LAP-1", CustodyTransfer(to: "bob", seals: [huge]), by: .local("it"))
        },
        {
            try await lethe.app.assets.transferCustody(
                "LAP-1", CustodyTransfer(to: "bob", notes: huge), by: .local("it"))
        },
        { try await lethe.app.assets.retire("LAP-1", reason: huge, by: .local("it")) },
        { try await lethe.app.assets.reportLost("LAP-1", reason: huge, by: .local("it")) },
        {
            _ = try await lethe.app.assets.importAssets(
                ImportRequest(fileName: "import.csv"), path: file, by: .local("it"))
        },
    ]
    for attempt in attempts {
        // then each is refused as invalid input, quoting the text short,
        await #expect {
            try await attempt()
        } throws: { error in
            let error = error as? LetheError
            return error?.code == .invalidInput && (error?.description.count ?? .max) < 1_000
                && error?.description.contains("(120000 characters)") == true
        }
    }
    // and nothing was written.
    #expect(try Snapshot(lethe) == before)
}

@Test func aPrincipalWithoutTheITStaffRoleIsRefusedEveryAssetWriteAndNothingChanges() async throws {
    // Given an installation with one laptop, and an auditor and a technician
    let lethe = try TestInstallation()
    let assets = lethe.app.assets
    try await assets.register(laptop("LAP-1"), by: .itStaff)
    let before = try Snapshot(lethe)
    let csv = "asset_tag,media_type,classification\nLAP-9,laptop,low\n"
    for principal in [Principal.auditor, .holding([.technician, .verifier]), .scheduler] {
        // When either asks for any asset write
        let attempts: [() async throws -> Void] = [
            { try await assets.register(laptop("LAP-2"), by: principal) },
            { try await assets.update("LAP-1", AssetFields(location: "DC-9"), by: principal) },
            { try await assets.transferCustody("LAP-1", CustodyTransfer(to: "eve"), by: principal) },
            { try await assets.retire("LAP-1", by: principal) },
            { try await assets.reportLost("LAP-1", reason: "gone", by: principal) },
            { try await assets.reportFound("LAP-1", by: principal) },
            { try await assets.dispose("LAP-1", destination: .recycling, by: principal) },
            {
                _ = try await assets.importAssets(
                    ImportRequest(fileName: "upload.csv"), from: InMemoryBytes(csv), by: principal)
            },
        ]
        for attempt in attempts {
            // Then each is forbidden, naming the role it needs
            await #expect {
                try await attempt()
            } throws: { error in
                let error = error as? LetheError
                return error?.code == .forbidden && error?.message.contains("it-staff") == true
            }
        }
    }
    // And nothing was written, while an auditor still reads the register and the status
    #expect(try Snapshot(lethe) == before)
    #expect(try await assets.show("LAP-1", by: .auditor).asset.location == "HQ")
    #expect(try await lethe.app.status.report(by: .auditor).assets["in-service"] == 1)
    await #expect(throws: LetheError.self) { try await lethe.app.status.report(by: .holding([])) }
    await #expect(throws: LetheError.self) { try await assets.list(AssetQuery(), by: .holding([])) }
}

@Test func anUploadIsImportedFromItsBytesWithItsNameAndDigest() async throws {
    // Given the bytes of a CSV file received as an upload (no file on disk)
    let lethe = try TestInstallation()
    let csv = "asset_tag,media_type,classification\nLAP-1,laptop,low\nLAP-2,laptop,moderate\n"

    // When it is imported by IT staff
    let summary = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "upload.csv"), from: InMemoryBytes(csv), by: .itStaff)

    // Then both assets are registered, and the event records the name, the digest and the actor
    #expect(summary.registered == 2)
    // (sha256sum of the same bytes)
    #expect(summary.sha256 == "92bc95025081e6d58a76adfbca53f6cb5ee998eaf111107df3246feea852898d")
    let last = try #require(try await lethe.app.assets.history("LAP-2", by: .auditor).events.last)
    #expect(last.type == .importCompleted)
    #expect(last.payload["file"] == "upload.csv")
    #expect(last.payload["sha256"]?.stringValue == summary.sha256)
    #expect(last.actor == "it")
}

@Test func aHandOverCannotPrecedeTheLastOneRecorded() async throws {
    // Given a laptop handed to storage an hour ago
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(laptop("LAP-1"), by: .local("it"))
    lethe.clock.advance(7200)
    let handed = lethe.clock.now.addingTimeInterval(-3600)
    try await lethe.app.assets.transferCustody("LAP-1", CustodyTransfer(to: "storage", at: handed), by: .local("it"))
    let events = try lethe.count("event")
    // When a later entry says it went to a courier before that
    let error = await #expect(throws: LetheError.self) {
        try await lethe.app.assets.transferCustody(
            "LAP-1", CustodyTransfer(to: "courier", at: handed.addingTimeInterval(-600)), by: .local("it"))
    }
    // Then it is refused, naming the last hand-over, and nothing is changed
    #expect(error?.message.contains("before asset LAP-1's last recorded hand-over") == true)
    #expect(error?.message.contains("to storage") == true)
    #expect(try lethe.count("event") == events)
    #expect(try await lethe.app.assets.show("LAP-1", by: .auditor).asset.custodian == "storage")
    // And one at the same time, or within the five minutes of clock skew allowed, is recorded
    try await lethe.app.assets.transferCustody(
        "LAP-1", CustodyTransfer(to: "courier", at: handed.addingTimeInterval(-240)), by: .local("it"))
}
