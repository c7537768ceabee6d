import LetheCore
import Testing

@Test func builtInMappingCoversSnipeITDefaults() {
    let mapping = SnipeITMapping.builtIn
    #expect(mapping.mediaType(forCategory: " Laptops ") == .laptop)
    #expect(mapping.state(forStatus: "Ready to Deploy") == .inService)
    #expect(mapping.state(forStatus: "archived") == .retired)
    #expect(mapping.state(forStatus: "Lost/Stolen") == .lost)
    #expect(mapping.mediaType(forCategory: "Rack Servers") == nil)
}

@Test func aMappingFileExtendsTheBuiltIn() throws {
    let yaml = """
        categories:
          Rack Servers: server
        status_labels:
          Decommissioned: retired
        defaults:
          classification: high
        """
    let mapping = try SnipeITMapping.builtIn(extendedBy: yaml, file: "map.yaml")
    #expect(mapping.mediaType(forCategory: "rack servers") == .server)
    #expect(mapping.mediaType(forCategory: "Laptops") == .laptop)
    #expect(mapping.state(forStatus: "Decommissioned") == .retired)
    #expect(mapping.defaultClassification == .high)
}

@Test(arguments: [
    ("categories:\n  Rack Servers: mainframe\n", "map.yaml:2:17"),
    ("status_labels:\n  Done: disposed\n", "map.yaml:2:9"),
    ("colours: {}\n", "map.yaml:1:1"),
    ("defaults:\n  owner: bob\n", "map.yaml:2:3"),
])
func mappingErrorsNameFileLineAndColumn(yaml: String, place: String) {
    #expect {
        try SnipeITMapping.builtIn(extendedBy: yaml, file: "map.yaml")
    } throws: { error in
        (error as? LetheError)?.message.hasPrefix(place) == true
    }
}

@Test func snipeITHeadersOfTheExportAndTheImporterAreRecognisedIgnoringCase() {
    #expect(SnipeITColumn.match("Serial") == .field(AssetFields.Name.serial))
    #expect(SnipeITColumn.match(" SERIAL NUMBER ") == .field(AssetFields.Name.serial))
    #expect(SnipeITColumn.match("serial_number") == .field(AssetFields.Name.serial))
    #expect(SnipeITColumn.match("asset_tag") == .field(AssetFields.Name.tag))
    #expect(SnipeITColumn.match("Model Name") == .modelName)
    #expect(SnipeITColumn.match("model") == .modelName)
    #expect(SnipeITColumn.match("Model No.") == .modelNumber)
    #expect(SnipeITColumn.match("Full Name") == .custodian(rank: 0))
    #expect(SnipeITColumn.match("checked out to") == .custodian(rank: 0))
    #expect(SnipeITColumn.match("Purchase Cost") == nil)
    #expect(SnipeITColumn.model(name: "Latitude 7440", number: "7440") == "Latitude 7440")
    #expect(SnipeITColumn.model(name: "WD Red", number: "WD40EFRX") == "WD Red (WD40EFRX)")
    #expect(SnipeITColumn.model(name: " ", number: "") == nil)
}
