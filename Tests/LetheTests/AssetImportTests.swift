import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

private let header =
    "asset_tag,serial,make,model,media_type,capacity,location,custodian,classification,encryption,parent_tag,notes,state"

@Test func importsRFC4180QuotingBOMAndCRLF() async throws {
    // Given a file with a byte-order mark, CRLF line ends, quoted commas, quotes and line breaks
    let lethe = try TestInstallation()
    let csv =
        "\u{FEFF}" + header + "\r\n"
        + "SRV-1,S1,Dell,\"PowerEdge R740, rev 2\",server,2TB,DC-1,ops,high,none,,,\r\n"
        + "SRV-1-D1,D1,Samsung,PM883,ssd,960 GB,DC-1,ops,high,self-encrypting,SRV-1,\"line one\r\nsaid \"\"hi\"\"\",in-service\r\n"
        + "\r\n"
        + "LAP-9,L9,HP,EliteBook,laptop,512GB,HQ,alice,moderate,software,,,retired\r\n"
    let file = lethe.root.write("assets.csv", csv)

    // When it is imported
    let summary = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv"), path: file, by: .local("it"))

    // Then every field arrives intact and the import is recorded with the file's digest
    #expect(summary.rows == 3)
    #expect(summary.registered == 3)
    #expect(try await lethe.app.assets.show("SRV-1", by: .auditor).asset.model == "PowerEdge R740, rev 2")
    let drive = try await lethe.app.assets.show("SRV-1-D1", by: .auditor).asset
    #expect(drive.notes == "line one\r\nsaid \"hi\"")
    #expect(drive.parentTag == "SRV-1")
    #expect(drive.capacityBytes == 960_000_000_000)
    #expect(try await lethe.app.assets.show("LAP-9", by: .auditor).asset.state == .retired)
    let last = try await lethe.app.store.read { (tx) throws(LetheError) in try tx.lastEvent() }!
    #expect(last.type == .importCompleted)
    #expect(last.payload["sha256"]?.stringValue == summary.sha256)
    #expect(summary.sha256.count == 64)
    #expect(try await lethe.app.assets.history("LAP-9", by: .auditor).events.map(\.type) == [.importCompleted])
}

@Test func lineNumbersCountLineBreaksInsideQuotedFields() async throws {
    let lethe = try TestInstallation()
    let csv = header + "\r\nA-1,,,,hdd,,,,low,,,\"two\r\nlines\",\r\n\r\nA-2,,,,toaster,,,,low,,,,\r\n"
    await #expect {
        try await lethe.app.assets.importAssets(
            ImportRequest(fileName: "import.csv"), path: lethe.root.write("l.csv", csv), by: .local("it"))
    } throws: { error in
        (error as! LetheError).details == [
            "line 5, column media_type 'toaster': media type 'toaster' is not known; use one of: laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other"
        ]
    }
}

@Test func everyBadRowIsListedWithLineColumnValueAndReasonAndNothingIsWritten() async throws {
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(
        AssetFields(tag: "OLD-1", mediaType: "hdd", classification: "low"), by: .local("it"))
    let before = try Snapshot(lethe)
    let csv = [
        header,
        "A-1,,,,laptop,512GB,,,moderate,,,,",  // line 2: fine
        "A-2,,,,floppy,512GB,,,moderate,,,,",  // line 3: unknown type
        "A-1,,,,laptop,512GB,,,moderate,,,,",  // line 4: duplicate in file
        "OLD-1,,,,hdd,,,,low,,,,",  // line 5: already registered
        ",,,,laptop,,,,moderate,,,,",  // line 6: missing tag
        "A-3,,,,ssd,lots,,,high,,,,",  // line 7: malformed capacity
        "A-4,,,,ssd,1TB,,,high",  // line 8: too few fields
        "A-5,,,,ssd,1TB,,,high,,NOPE,,",  // line 9: unknown parent
    ].joined(separator: "\n")
    let file = lethe.root.write("bad.csv", csv)

    await #expect {
        try await lethe.app.assets.importAssets(ImportRequest(fileName: "import.csv"), path: file, by: .local("it"))
    } throws: { error in
        let error = error as! LetheError
        let details = error.details.joined(separator: "\n")
        return error.code == .invalidInput && error.totalProblems == 7 && error.message.contains("nothing was imported")
            && details.contains("line 3, column media_type 'floppy': media type 'floppy' is not known")
            && details.contains("line 4, column asset_tag 'A-1': the tag appears more than once in the file")
            && details.contains("line 5, column asset_tag 'OLD-1': the tag is already registered")
            && details.contains("line 6, column asset_tag '': is required")
            && details.contains("line 7, column capacity 'lots'")
            && details.contains("line 8, column *")
            && details.contains("line 9, column parent_tag 'NOPE'")
    }
    #expect(try Snapshot(lethe) == before)
}

@Test func onlyTheFirstFiftyProblemsAreListedButAllAreCounted() async throws {
    let lethe = try TestInstallation()
    let rows = (1...120).map { "T-\($0),,,,floppy,,,,low,,,," }
    let file = lethe.root.write("many.csv", ([header] + rows).joined(separator: "\n"))
    await #expect {
        try await lethe.app.assets.importAssets(ImportRequest(fileName: "import.csv"), path: file, by: .local("it"))
    } throws: { error in
        let error = error as! LetheError
        return error.details.count == 50 && error.totalProblems == 120 && error.description.contains("… and 70 more")
    }
}

@Test func aDryRunValidatesAndWritesNothing() async throws {
    let lethe = try TestInstallation()
    let before = try Snapshot(lethe)
    let file = lethe.root.write("ok.csv", header + "\nA-1,,,,laptop,,,,low,,,,\nA-2,,,,laptop,,,,low,,,,\n")
    let summary = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv", dryRun: true), path: file, by: .local("it"))
    #expect(summary.registered == 2)
    #expect(summary.dryRun)
    #expect(try Snapshot(lethe) == before)
}

@Test func updateModeUpdatesByTagAndMovesStatesThroughTheLifecycle() async throws {
    let lethe = try TestInstallation()
    _ = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv"),
        path: lethe.root.write("v1.csv", header + "\nA-1,,,,laptop,,HQ,,low,,,,\nA-2,,,,laptop,,HQ,,low,,,,\n"),
        by: .local("it"))
    let v2 = header + "\nA-1,,,,laptop,,DC-9,,low,,,,retired\nA-2,,,,laptop,,HQ,,low,,,,\nA-3,,,,hdd,,HQ,,low,,,,\n"
    let summary = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv", update: true), path: lethe.root.write("v2.csv", v2), by: .local("it"))
    #expect(summary.registered == 1)
    #expect(summary.updated == 1)
    #expect(summary.unchanged == 1)
    let a1 = try await lethe.app.assets.show("A-1", by: .auditor).asset
    #expect(a1.location == "DC-9")
    #expect(a1.state == .retired)
    #expect(
        try await lethe.app.assets.history("A-1", by: .auditor).events.map(\.type) == [
            .importCompleted, .assetUpdated, .assetStateChanged,
        ])

    // Without --update the same file is refused.
    await #expect(throws: LetheError.self) {
        try await lethe.app.assets.importAssets(
            ImportRequest(fileName: "import.csv"), path: lethe.root.file("v2.csv"), by: .local("it"))
    }
    // An impossible state change is a row error.
    let v3 = header + "\nA-1,,,,laptop,,DC-9,,low,,,,in-service\n"
    await #expect {
        try await lethe.app.assets.importAssets(
            ImportRequest(fileName: "import.csv", update: true), path: lethe.root.write("v3.csv", v3), by: .local("it"))
    } throws: { error in
        (error as! LetheError).details.first?.contains("line 2, column state 'in-service'") == true
    }
}

@Test func childrenMayComeBeforeTheirParentInTheFile() async throws {
    let lethe = try TestInstallation()
    let csv = header + "\nD-1,,,,hdd,,,,high,,SRV-1,,\nSRV-1,,,,server,,,,high,,,,\n"
    _ = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv"), path: lethe.root.write("fwd.csv", csv), by: .local("it"))
    #expect(try await lethe.app.assets.show("SRV-1", by: .auditor).attached?.map(\.tag) == ["D-1"])
}

@Test func aHeaderWithUnknownOrMissingColumnsIsRefused() async throws {
    let lethe = try TestInstallation()
    let file = lethe.root.write("h.csv", "asset_tag,colour\nA,red\n")
    await #expect {
        try await lethe.app.assets.importAssets(ImportRequest(fileName: "import.csv"), path: file, by: .local("it"))
    } throws: { error in
        let details = (error as! LetheError).details.joined(separator: "\n")
        return details.contains("column 2 'colour' is not a Lethe column")
            && details.contains("'media_type' is missing") && details.contains("'classification' is missing")
    }
}

@Test func importsASnipeITExportThroughTheMapping() async throws {
    let lethe = try TestInstallation()
    let csv = """
        Company,Asset Name,Asset Tag,Model,Model No.,Category,Manufacturer,Serial,Purchase Date,Status,Location,Checked Out To,Notes
        Acme,Alice's laptop,ACME-0001,Latitude 7440,7440,Laptops,Dell,SN1,2023-01-02,Deployed,Berlin,Alice Smith,
        Acme,Old NAS disk,ACME-0002,WD Red,WD40EFRX,Hard Drives,WD,SN2,2019-05-06,Archived,Berlin,,spare
        Acme,Lost phone,ACME-0003,Pixel 7,GVU6C,Mobile Phones,Google,SN3,2022-03-04,Lost/Stolen,,,
        """
    let file = lethe.root.write("snipe.csv", csv)
    let summary = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv", format: .snipeit), path: file, by: .local("it"))
    #expect(summary.registered == 3)
    let laptop = try await lethe.app.assets.show("ACME-0001", by: .auditor).asset
    #expect(laptop.mediaType == .laptop)
    #expect(laptop.custodian == "Alice Smith")
    #expect(laptop.make == "Dell")
    #expect(laptop.classification == .moderate)
    #expect(try await lethe.app.assets.show("ACME-0002", by: .auditor).asset.state == .retired)
    #expect(try await lethe.app.assets.show("ACME-0003", by: .auditor).asset.state == .lost)

    // An unmapped category is a row error naming the Snipe-IT column, and the mapping can add it.
    let other = lethe.root.write("snipe2.csv", "Asset Tag,Category,Status\nACME-0009,Rack Servers,Deployed\n")
    await #expect {
        try await lethe.app.assets.importAssets(
            ImportRequest(fileName: "import.csv", format: .snipeit), path: other, by: .local("it"))
    } throws: { error in
        (error as! LetheError).details.first?.contains("line 2, column Category 'Rack Servers'") == true
    }
    let mapping = try SnipeITMapping.builtIn(extendedBy: "categories:\n  Rack Servers: server\n", file: "m.yaml")
    _ = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv", format: .snipeit, mapping: mapping), path: other, by: .local("it"))
    #expect(try await lethe.app.assets.show("ACME-0009", by: .auditor).asset.mediaType == .server)
}

@Test func aMissingFileIsNotFound() async throws {
    let lethe = try TestInstallation()
    await #expect {
        try await lethe.app.assets.importAssets(
            ImportRequest(fileName: "import.csv"), path: lethe.root.file("nope.csv"), by: .local("it"))
    } throws: { error in
        (error as! LetheError).code == .notFound
    }
}

@Test func snipeITImporterHeadersMatchIgnoringCaseAndEveryIgnoredColumnIsListed() async throws {
    // Given a file in the Snipe-IT importer's spelling, in odd case, with columns Lethe does not hold
    let lethe = try TestInstallation()
    let csv = """
        ASSET TAG,serial number,Model Name,model no.,CATEGORY,full name,Purchase Cost,Serial,status label
        ACME-0001,SN-1,Latitude,7440,Laptops,Alice Smith,999.00,SN-OTHER,Deployed
        ACME-0002,SN-2,WD Red,WD40EFRX,Hard Drives,,10.00,,Archived
        """
    let file = lethe.root.write("snipe-importer.csv", csv)

    // When it is imported
    let summary = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv", format: .snipeit), path: file, by: .local("it"))

    // Then the serial, model and custodian arrive …
    let laptop = try await lethe.app.assets.show("ACME-0001", by: .auditor).asset
    #expect(laptop.serial == "SN-1")
    #expect(laptop.model == "Latitude (7440)")
    #expect(laptop.custodian == "Alice Smith")
    #expect(laptop.mediaType == .laptop)
    #expect(try await lethe.app.assets.show("ACME-0002", by: .auditor).asset.state == .retired)
    #expect(try await lethe.app.assets.show("ACME-0002", by: .auditor).asset.custodian == nil)
    // … and the columns that fed nothing are listed, in the summary and in the import's event
    #expect(
        summary.ignoredColumns == [
            IgnoredColumn(column: 7, name: "Purchase Cost", reason: .notUsed),
            IgnoredColumn(column: 8, name: "Serial", reason: .duplicate(ofColumn: 2)),
        ])
    let event = try await lethe.app.store.read { (tx) throws(LetheError) in try tx.lastEvent() }!
    #expect(event.payload["ignored_columns"] == .array(["Purchase Cost", "Serial"]))
}

@Test func snipeITCustodianFallsBackToUsernameEmailThenFirstAndLastName() async throws {
    let lethe = try TestInstallation()
    let csv = """
        Asset Tag,Category,Checked Out To: Username,E-mail,First Name,Last Name
        A-1,Laptops,asmith,alice@example.com,Alice,Smith
        A-2,Laptops,,bob@example.com,Bob,Jones
        A-3,Laptops,,,Carol,King
        """
    let summary = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "import.csv", format: .snipeit), path: lethe.root.write("c.csv", csv), by: .local("it"))
    #expect(summary.ignoredColumns.isEmpty)
    #expect(try await lethe.app.assets.show("A-1", by: .auditor).asset.custodian == "asmith")
    #expect(try await lethe.app.assets.show("A-2", by: .auditor).asset.custodian == "bob@example.com")
    #expect(try await lethe.app.assets.show("A-3", by: .auditor).asset.custodian == "Carol King")
}

@Test func anEmptyCellInAnUpdateLeavesTheRegisteredValue() async throws {
    // Given a laptop registered with its serial, awaiting sanitization's serial check
    let lethe = try TestInstallation()
    try await lethe.app.assets.register(
        AssetFields(
            tag: "LAP-43", serial: "5CG1234XYZ", make: "HP", mediaType: "laptop", custodian: "alice",
            classification: "moderate"),
        by: .local("it"))
    // When a sheet without serials updates its make, and empties its custodian (checked in)
    let sheet =
        "asset_tag,media_type,classification,serial,make,custodian\nLAP-43,laptop,moderate,,Hewlett-Packard,\n"
    let summary = try await lethe.app.assets.importAssets(
        ImportRequest(fileName: "gaps.csv", update: true), path: lethe.root.write("gaps.csv", sheet), by: .local("it"))
    // Then the make changes, the custodian is cleared, and the serial stays
    #expect(summary.updated == 1)
    let asset = try await lethe.app.assets.show("LAP-43", by: .auditor).asset
    #expect(asset.make == "Hewlett-Packard")
    #expect(asset.custodian == nil)
    #expect(asset.serial == "5CG1234XYZ")
}
