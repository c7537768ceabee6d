import Foundation
import LetheTestSupport
import Testing

/// A CLI installation with one SSD shredded, attested and certified; its bundle exported.
private struct CertifiedInstallation {
    let root = TemporaryDirectory()
    let lethe: LetheCLI
    let bundle: String

    init() throws {
        lethe = LetheCLI(dataDirectory: root.file("data"))
        try FileManager.default.createDirectory(atPath: root.file("policies"), withIntermediateDirectories: true)
        root.write(
            "policies/main.yaml",
            """
            sanitization:
              - media: [laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other]
                classification: [low, moderate, high]
                method: destroy
                techniques: [shred]
                verification: {mode: attest}
                deadline: P30D

            """)
        let evidence = root.write("vendor-certificate.txt", "ShredCo certificate 4411: SSD-9 shredded\n")
        let steps: [[String]] = [
            ["asset", "register", "SSD-9", "--type", "ssd", "--classification", "high", "--serial", "S3Z9"],
            ["asset", "retire", "SSD-9"],
            ["schedule", "--policies", root.file("policies"), "--actor", "planner"],
            ["job", "start", "1", "--actor", "tech"],
            [
                "job", "record", "1", "--technique", "shred", "--tool", "ShredCo HD-400", "--tool-version", "2.1",
                "--evidence", evidence, "--actor", "tech",
            ],
            [
                "verify", "--job", "1", "--attest", "--evidence", evidence, "--policies", root.file("policies"),
                "--actor", "inspector",
            ],
            ["certificate", "issue", "--job", "1", "--organization", "Acme Data Services", "--actor", "compliance"],
        ]
        for step in steps {
            let result = try lethe.run(step)
            guard result.status == 0 else { throw CLIFailure(step: step, result: result) }
        }
        bundle = root.file("bundle")
        let export = try lethe.run(["certificate", "export", "ADS-2026-000001", "--out", bundle])
        guard export.status == 0 else { throw CLIFailure(step: ["export"], result: export) }
    }

    func flip(_ file: String, at position: Int) throws -> Data {
        let url = URL(fileURLWithPath: bundle + "/" + file)
        let original = try Data(contentsOf: url)
        var changed = original
        changed[position] ^= 0x01
        try changed.write(to: url)
        return original
    }

    func restore(_ file: String, _ data: Data) throws {
        try data.write(to: URL(fileURLWithPath: bundle + "/" + file))
    }
}

private struct CLIFailure: Error, CustomStringConvertible {
    var step: [String]
    var result: LetheCLI.Result
    var description: String { "lethe \(step.joined(separator: " ")) exited \(result.status): \(result.stderr)" }
}

private let opensslIsInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

@Suite struct EvidenceCommandTests {
    @Test func aNewcomerExportsABundleAndVerifiesItThenSeesItFailAfterAByteChanges() throws {
        let installation = try CertifiedInstallation()
        let verified = try installation.lethe.run(["certificate", "verify", installation.bundle])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("PASS  signature"))
        #expect(verified.stdout.contains("bundle verified"))
        for file in ["record.html", "VERIFY.txt", "issuer.pem", "log-key.pub"] {
            #expect(FileManager.default.fileExists(atPath: installation.bundle + "/" + file), "\(file)")
        }
        // One changed byte in the record: the signature check fails, exit 65
        let original = try installation.flip("record.json", at: 40)
        let failed = try installation.lethe.run(["certificate", "verify", installation.bundle, "--json"])
        #expect(failed.status == 65)
        let report = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any]
        let checks = report?["checks"] as? [[String: Any]] ?? []
        #expect(checks.first { $0["name"] as? String == "signature" }?["passed"] as? Bool == false)
        #expect(report?["passed"] as? Bool == false)
        try installation.restore("record.json", original)
        // The list and show commands see the record
        let list = try installation.lethe.run(["certificate", "list", "--json"])
        #expect(list.stdout.contains("ADS-2026-000001"))
        let show = try installation.lethe.run(["certificate", "show", "ADS-2026-000001"])
        #expect(show.stdout.contains("property_number"))
        // Revoking is an event; the log still verifies
        #expect(
            try installation.lethe.run(["certificate", "revoke", "ADS-2026-000001", "--reason", "test"]).status == 0)
        #expect(try installation.lethe.run(["log", "verify"]).status == 0)
    }

    @Test(.enabled(if: opensslIsInstalled, "needs the openssl command (apt-get install openssl)"))
    func verifyTxtCommandsWorkWithStockOpenSSL() throws {
        let installation = try CertifiedInstallation()
        let instructions = try String(contentsOfFile: installation.bundle + "/VERIFY.txt", encoding: .utf8)
        let commands = instructions.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let cms = try #require(commands.first { $0.hasPrefix("openssl cms -verify") })
        let checkpoint = commands.drop { !$0.hasPrefix("awk ") }.prefix(4).joined(separator: "\n")
        #expect(checkpoint.contains("openssl pkeyutl -verify"))
        // The untouched bundle passes both by hand
        let signature = try shell(cms, in: installation.bundle)
        #expect(signature.status == 0, "\(signature.output)")
        #expect(signature.output.contains("Verification successful"))
        let note = try shell(checkpoint, in: installation.bundle)
        #expect(note.status == 0, "\(note.output)")
        #expect(note.output.contains("Signature Verified Successfully"))
        // A changed byte of record.json fails openssl cms
        let record = try installation.flip("record.json", at: 10)
        #expect(try shell(cms, in: installation.bundle).status != 0)
        try installation.restore("record.json", record)
        // A changed byte of the checkpoint's size line fails openssl pkeyutl
        let proof = try String(contentsOfFile: installation.bundle + "/log-proof.txt", encoding: .utf8)
        let sizeLine = proof.utf8.count - proof.split(separator: "\n\n", maxSplits: 1)[1].utf8.count
        let original = try installation.flip(
            "log-proof.txt", at: sizeLine + proof.split(separator: "\n\n")[1].split(separator: "\n")[0].utf8.count + 1)
        #expect(try shell(checkpoint, in: installation.bundle).status != 0)
        try installation.restore("log-proof.txt", original)
        #expect(try shell(checkpoint, in: installation.bundle).status == 0)
    }

    /// Given a kill between writing issuer.key and issuer.pem (simulated by removing issuer.pem),
    /// then `keys show` and `keys csr` work again (issue 13: they all failed).
    @Test func aKeyWithoutItsCertificateNoLongerWedgesSigning() throws {
        let installation = try CertifiedInstallation()
        try FileManager.default.removeItem(atPath: installation.root.file("data/issuer.pem"))
        let organization = ["--organization", "Acme Data Services"]
        let show = try installation.lethe.run(["keys", "show"] + organization)
        #expect(show.status == 0, "\(show.stderr)")
        let csr = try installation.lethe.run(["keys", "csr"] + organization)
        #expect(csr.status == 0, "\(csr.stderr)")
        #expect(csr.stdout.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))
    }

    /// A report asked for in a file whose directory is missing is refused before it is issued,
    /// in every format (the JSON's file is opened first; the others are rendered after issuing).
    @Test func aReportIntoAMissingDirectoryIsNotIssued() throws {
        let installation = try CertifiedInstallation()
        let day = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        for format in ["json", "csv", "html", "pdf"] {
            let out = installation.root.file("no-such-directory/report.\(format)")
            let result = try installation.lethe.run([
                "report", "disposal", "--from", day, "--to", day, "--format", format, "--out", out,
                "--organization", "Acme Data Services",
            ])
            #expect(result.status == 74, "\(format): \(result.stderr)")
            #expect(result.stderr.contains("does not exist (nothing was written)"), "\(result.stderr)")
            #expect(!result.stderr.contains("issued"), "\(result.stderr)")
        }
        let listed = try installation.lethe.run(["report", "list", "--json"]).stdout
        #expect((try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [Any])?.isEmpty == true, "\(listed)")
    }

    /// A group-readable issuer.key is refused with exit 77 before a command does anything.
    @Test func aGroupReadableIssuerKeyExits77() throws {
        let installation = try CertifiedInstallation()
        let key = installation.root.file("data/issuer.key")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: key)
        let refused = try installation.lethe.run([
            "asset", "register", "HDD-2", "--type", "hdd", "--classification", "low", "--serial", "Z1",
        ])
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("chmod 600"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        #expect(try installation.lethe.run(["asset", "show", "HDD-2"]).status != 0)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "needs the sqlite3 shell"))
    func editingAnEventRowInSQLiteFailsLogVerifyNamingTheEntry() throws {
        let installation = try CertifiedInstallation()
        #expect(try installation.lethe.run(["log", "verify"]).status == 0)
        let database = installation.root.file("data/lethe.sqlite")
        let edit = try shell(
            "sqlite3 '\(database)' \"DROP TRIGGER event_is_append_only_update; UPDATE event SET body = CAST(replace(CAST(body AS TEXT), 'tech', 'someone') AS BLOB) WHERE seq = 5;\"",
            in: installation.root.path)
        #expect(edit.status == 0, "\(edit.output)")
        let verify = try installation.lethe.run(["log", "verify"])
        #expect(verify.status == 65)
        #expect(verify.stderr.contains("entry 4 (event 5) was changed"), "\(verify.stderr)")
    }
}
