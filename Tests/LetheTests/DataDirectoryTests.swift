import Foundation
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@Test func aNewInstallationsDatabaseIsPrivateWhateverTheUmask() throws {
    // The test process keeps the usual umask (022), unlike the CLI (077).
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(AssetFields(tag: "A-1", mediaType: "hdd", classification: "low"), actor: "it")
    for file in ["lethe.sqlite", "lethe.sqlite-wal"] {
        let path = lethe.dataDirectory.path + "/" + file
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "\(file)")
    }
    // Reopening works; a read of a directory without a database is refused and creates nothing.
    _ = try LetheApp.open(lethe.dataDirectory, create: false)
    let empty = DataDirectory(path: lethe.root.file("empty"))
    #expect {
        try LetheApp.open(empty, create: false)
    } throws: { error in
        (error as! LetheError).code == .notFound && (error as! LetheError).message.contains(empty.path)
    }
    #expect(!FileManager.default.fileExists(atPath: empty.path))
}
