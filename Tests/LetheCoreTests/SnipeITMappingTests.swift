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
