import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

/// The re-trial found a Latin-1 `é` ending a row early (the location cut to "Caf"), and a stray
/// 0xFF splitting one line into two registered assets — imports that succeeded.
@Suite struct UTF8ImportTests {
    @Test(arguments: [
        ("Caf\u{E9} in Latin-1", [0x43, 0x61, 0x66, 0xE9] as [UInt8], false),
        ("a stray 0xFF", [0x41, 0xFF, 0x42], false),
        ("an overlong slash", [0xC0, 0xAF], false),
        ("a surrogate", [0xED, 0xA0, 0x80], false),
        ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80], false),
        ("Café in UTF-8", [0x43, 0x61, 0x66, 0xC3, 0xA9], true),
        ("an emoji", [0xF0, 0x9F, 0x98, 0x80], true),
    ])
    func theValidatorAcceptsUTF8Only(_ name: String, _ bytes: [UInt8], _ valid: Bool) {
        var validator = UTF8Validator()
        let found = bytes.withUnsafeBytes { validator.check($0) } ?? validator.finish()
        #expect((found == nil) == valid, "\(name)")
    }

    @Test func aCharacterSplitAcrossChunksIsStillUTF8AndTheLineIsCounted() {
        var validator = UTF8Validator()
        let first: [UInt8] = Array("a\nb\nCaf".utf8) + [0xC3]
        let second: [UInt8] = [0xA9, 0x0A, 0xFF]
        #expect(first.withUnsafeBytes { validator.check($0) } == nil)
        #expect(second.withUnsafeBytes { validator.check($0) } == 4)
    }

    @Test func anImportThatIsNotUTF8IsRefusedNamingItsLineAndImportsNothing() async throws {
        let installation = try TestInstallation()
        var csv = Data("asset_tag,media_type,classification,location\nL-1,laptop,low,HQ\nL-2,laptop,low,Caf".utf8)
        csv.append(0xE9)
        csv.append(contentsOf: Data("\nL-3,laptop,low,HQ\n".utf8))
        let refusal = await #expect(throws: LetheError.self) {
            _ = try await installation.app.assets.importAssets(
                ImportRequest(fileName: "latin1.csv"), from: InMemoryBytes(Array(csv)), by: .local("ivy"))
        }
        #expect(refusal?.code == .invalidInput)
        #expect(
            refusal?.message.contains("latin1.csv: line 3 is not valid UTF-8") == true, "\(String(describing: refusal))"
        )
        #expect(try installation.count("asset") == 0)
    }
}
