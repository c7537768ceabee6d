import Foundation
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@Suite struct SettingsTests {
    @Test func theEnvironmentOverridesConfigJSON() throws {
        let root = TemporaryDirectory()
        let directory = DataDirectory(path: root.path)
        root.write("config.json", #"{"organization": "From File", "serial_prefix": "FF"}"#)
        let fromFile = try Settings.load(directory: directory, environment: [:])
        #expect(fromFile[Settings.organization] == "From File")
        #expect(fromFile[Settings.serialPrefix] == "FF")
        let overridden = try Settings.load(directory: directory, environment: ["LETHE_ORGANIZATION": "From Env"])
        #expect(overridden[Settings.organization] == "From Env")
        #expect(overridden[Settings.serialPrefix] == "FF")
    }

    @Test func anUnknownKeyOrANonStringIsRefusedNamingTheFile() throws {
        let root = TemporaryDirectory()
        let directory = DataDirectory(path: root.path)
        root.write("config.json", #"{"organisation": "typo"}"#)
        let unknown = #expect(throws: LetheError.self) { try Settings.load(directory: directory, environment: [:]) }
        #expect(unknown?.message.contains("config.json: unknown key 'organisation'") == true)
        root.write("config.json", #"{"phone": 123}"#)
        let number = #expect(throws: LetheError.self) { try Settings.load(directory: directory, environment: [:]) }
        #expect(number?.message.contains("'phone' must be a string") == true)
    }
}
