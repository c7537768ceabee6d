import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheTestSupport
import Testing

/// `certificate export --out` and `backup decrypt --output` never write into the data directory,
/// and never over existing files unless forced (issue 13, item 5).
@Suite struct OutputDestinationTests {
    /// What `certificate export` does: check the destination, build the bundle, write its files.
    private func export(
        _ fixture: EvidenceFixture, _ serial: String, to directory: String, force: Bool = false
    )
        async throws
    {
        try OutputDestination.checkDirectory(directory, force: force, dataDirectory: fixture.app.dataDirectory)
        let bundle = try await fixture.evidence.bundle(serial: serial, by: .evidenceOperator("auditor"))
        try bundle.bundle.write(directory: directory)
    }

    @Test func anExportIntoTheDataDirectoryIsRefusedEvenWithForce() async throws {
        // Given an installation with an issued record and its issuer certificate,
        let fixture = try EvidenceFixture()
        let record = try await fixture.evidence.issueDisposalRecord(
            job: try fixture.shreddedJob().id, by: .evidenceOperator("compliance"))
        let data = fixture.installation.dataDirectory.path
        let issuer = try Data(contentsOf: URL(fileURLWithPath: data + "/issuer.pem"))
        let symlink = fixture.installation.root.file("looks-elsewhere")
        try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: data)
        // when a bundle is exported into the data directory, a new folder in it, or through a symlink to it,
        for target in [data, data + "/bundle", symlink, symlink + "/sub/bundle"] {
            for force in [false, true] {
                // then it is refused, naming the data directory, and nothing is written.
                await #expect {
                    try await export(fixture, record.serial, to: target, force: force)
                } throws: { error in
                    let error = error as? LetheError
                    return error?.code == .conflict && error?.message.contains("inside Lethe's data directory") == true
                }
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: data + "/issuer.pem")) == issuer)
        #expect(!FileManager.default.fileExists(atPath: data + "/bundle"))
        #expect(!FileManager.default.fileExists(atPath: data + "/record.json"))
    }

    @Test func anExportIntoANonEmptyDirectoryNeedsForce() async throws {
        // Given a directory that holds someone's file,
        let fixture = try EvidenceFixture()
        let record = try await fixture.evidence.issueDisposalRecord(
            job: try fixture.shreddedJob().id, by: .evidenceOperator("compliance"))
        let directory = fixture.installation.root.file("existing")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        fixture.installation.root.write("existing/issuer.pem", "someone else's certificate")
        // when a bundle is exported into it, then it is refused and the file is unchanged,
        await #expect {
            try await export(fixture, record.serial, to: directory)
        } throws: { error in
            (error as? LetheError)?.message.contains("is not empty") == true
        }
        #expect(try String(contentsOfFile: directory + "/issuer.pem", encoding: .utf8) == "someone else's certificate")
        // while --force replaces the bundle's files, and an empty or new directory needs nothing.
        try await export(fixture, record.serial, to: directory, force: true)
        #expect(try String(contentsOfFile: directory + "/issuer.pem", encoding: .utf8).hasPrefix("-----BEGIN"))
        try await export(fixture, record.serial, to: fixture.installation.root.file("new/bundle"))
    }

    @Test func aDecryptIntoTheDataDirectoryOrOverAFileIsRefused() async throws {
        // Given an installation (the output is checked before the backup is even looked up),
        let installation = try TestInstallation()
        let database = installation.dataDirectory.databasePath
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        // when a decrypt would write lethe.sqlite or any file in the data directory, it is refused even with force;
        for output in [database, installation.dataDirectory.path + "/restored.sqlite"] {
            await #expect {
                _ = try await installation.app.backups.decrypt(
                    1, output: output, force: true, by: .dataOfficer("reader")
                ).bytes
            } throws: { error in
                (error as? LetheError)?.message.contains("inside Lethe's data directory") == true
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)
        // an existing file elsewhere is refused unless forced.
        let existing = installation.root.write("restore.sqlite", "keep me")
        #expect {
            try OutputDestination.checkFile(existing, force: false, dataDirectory: installation.dataDirectory)
        } throws: { error in
            (error as? LetheError)?.message.contains("exists (7 bytes)") == true
        }
        // and the message names the option as the command spells it (reports take --out).
        #expect {
            try OutputDestination.checkFile(
                existing, force: false, dataDirectory: installation.dataDirectory, flag: "--out")
        } throws: { error in
            (error as? LetheError)?.message.hasPrefix("--out \(existing) exists") == true
        }
        try OutputDestination.checkFile(existing, force: true, dataDirectory: installation.dataDirectory)
        try OutputDestination.checkFile(
            installation.root.file("new.sqlite"), force: false, dataDirectory: installation.dataDirectory)
        // and a file in a directory that does not exist is refused before anything is done.
        #expect {
            try OutputDestination.checkFile(
                installation.root.file("gone/new.sqlite"), force: false, dataDirectory: installation.dataDirectory)
        } throws: { error in
            (error as? LetheError)?.code == .io && (error as? LetheError)?.message.contains("does not exist") == true
        }
    }

    @Test func aFileWrittenPieceByPieceAppearsWholeOrNotAtAll() throws {
        let root = TemporaryDirectory()
        let path = root.file("year.json")
        let write = { (text: String, force: Bool) throws(LetheError) in
            try OutputDestination.writeFile(path, force: force, flag: "--out") { (descriptor) throws(LetheError) in
                for piece in [String(text.prefix(3)), String(text.dropFirst(3))] {
                    guard Glibc.write(descriptor, piece, piece.utf8.count) == piece.utf8.count else {
                        throw LetheError(.io, "short write")
                    }
                }
            }
        }
        let contents = { try String(contentsOfFile: path, encoding: .utf8) }
        let entries = { try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() }

        // Given a new file written in pieces, then it is there whole, mode 0600, and alone
        try write("first report", false)
        #expect(try contents() == "first report")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(try entries() == ["year.json"])

        // When it is written again without --force, then that is refused and the file kept
        #expect {
            try write("second report", false)
        } throws: { error in
            (error as? LetheError)?.code == .conflict && (error as? LetheError)?.message.contains("--force") == true
        }
        #expect(try contents() == "first report")

        // When it is written with --force, then it is replaced whole
        try write("second report", true)
        #expect(try contents() == "second report")

        // When the writing fails midway, then the file is as it was and nothing else is left
        #expect(throws: LetheError.self) {
            try OutputDestination.writeFile(root.file("other.json"), force: false) { (descriptor) throws(LetheError) in
                _ = Glibc.write(descriptor, "half", 4)
                throw LetheError(.io, "the disk is full")
            }
        }
        #expect(throws: LetheError.self) {
            try OutputDestination.writeFile(path, force: true) { (_) throws(LetheError) in
                throw LetheError(.io, "the disk is full")
            }
        }
        #expect(try contents() == "second report")
        #expect(try entries() == ["year.json"])
    }

    @Test func aFileWrittenOnAnotherThreadAppearsOnlyWhenPlaced() async throws {
        let root = TemporaryDirectory()
        let path = root.file("year.json")
        let entries = { try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() }

        // Given a file written on another thread (as a report's record is while the store commits it)
        let file = try OutputFile(path, force: false, flag: "--out")
        try await OwnThread.run { () throws(LetheError) in
            guard Glibc.write(file.descriptor, "signed", 6) == 6 else { throw LetheError(.io, "short write") }
        }

        // Then nothing is at its path until it is placed, and then all of it is
        #expect(try entries() == [])
        try file.place()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "signed")

        // When another is written to the same path and let go unplaced (its report not issued),
        // with --force or not, then the first is as it was and nothing else is left
        for force in [false, true] {
            let other = try OutputFile(path, force: force, flag: "--out")
            _ = Glibc.write(other.descriptor, "unsigned", 8)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "signed")
        #expect(try entries() == ["year.json"])

        // And placed without --force over a file that appeared meanwhile, it is refused
        let late = try OutputFile(path, force: false, flag: "--out")
        #expect {
            try late.place()
        } throws: { ($0 as? LetheError)?.code == .conflict }
    }
}
