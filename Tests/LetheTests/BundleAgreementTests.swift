import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheTestSupport
import Testing

private let opensslIsInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
private let python3IsInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

/// The manual steps of a bundle's VERIFY.txt, taken from the file itself and run as an auditor
/// would: each command as written, comparing what the text says to compare.
private struct ManualSteps {
    let cms: String
    let digests: String
    let recordDigest: String
    let signatureDigest: String
    let noteKey: String
    let pemKey: String
    let checkpoint: [String]
    let lineCount: String
    let inclusion: String

    init(instructions: String) throws {
        let lines = instructions.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        func line(_ prefix: String) throws -> String { try #require(lines.first { $0.hasPrefix(prefix) }) }
        cms = try line("openssl cms -verify")
        digests = try line("sha256sum record.json record.p7s")
        recordDigest = try line("grep -o '\"record_sha256\"")
        signatureDigest = try line("grep -o '\"signature_sha256\"")
        noteKey = try line("head -n 1 log-key.pub")
        pemKey = try line("openssl pkey -pubin -in log-key.pub")
        let awk = try #require(lines.firstIndex { $0.hasPrefix("awk 'f{print}") })
        checkpoint = Array(lines[awk..<awk + 4])
        #expect(checkpoint.last?.hasPrefix("openssl pkeyutl -verify") == true)
        lineCount = try line("wc -l < checkpoint.txt")
        let start = try #require(instructions.range(of: "python3 - <<'PY'"))
        let end = try #require(instructions.range(of: "\nPY\n", range: start.upperBound..<instructions.endIndex))
        inclusion = String(instructions[start.lowerBound..<end.upperBound])
    }

    /// Whether every step passes in `directory`; the failed steps otherwise.
    func failures(in directory: String) throws -> [String] {
        var failed: [String] = []
        let signature = try shell(cms, in: directory)
        if signature.status != 0 || !signature.output.contains("Verification successful") { failed.append("cms") }
        // Step 2: the two digests equal record_sha256 and signature_sha256.
        let sums = try shell(digests, in: directory).stdout.split(separator: "\n").map { $0.prefix(64) }
        let named = try [recordDigest, signatureDigest].map { try shell($0, in: directory).stdout }
        if sums.count != 2 || named[0] != "\"record_sha256\":\"\(sums[0])\"\n"
            || named[1] != "\"signature_sha256\":\"\(sums[1])\"\n"
        {
            failed.append("digests")
        }
        // Step 3: one key in both forms, the signature, five lines.
        let note = try shell(noteKey, in: directory)
        let pem = try shell(pemKey, in: directory)
        if note.stdout.isEmpty || pem.status != 0 || note.stdout != pem.stdout { failed.append("key") }
        let verified = try shell(checkpoint.joined(separator: "\n"), in: directory)
        if verified.status != 0 || !verified.output.contains("Signature Verified Successfully") {
            failed.append("checkpoint")
        }
        if try shell(lineCount, in: directory).stdout.trimmingCharacters(in: .whitespacesAndNewlines) != "5" {
            failed.append("lines")
        }
        if !(try shell(inclusion, in: directory).stdout.contains("inclusion OK")) { failed.append("inclusion") }
        return failed
    }
}

/// A mutation of an exported bundle: a file's new bytes from its old ones.
private struct Mutation: Sendable {
    var name: String
    var file: EvidenceBundle.File
    var change: @Sendable ([UInt8]) -> [UInt8]
}

@Suite struct BundleAgreementTests {
    /// Given a bundle and mutations of it (among them the two of issue 13: another PEM key under
    /// the note key, an extra signature line in log-proof.txt), when Lethe's verifier and the
    /// bundle's own VERIFY.txt steps (stock openssl, sha256sum, python3) each check it, then they
    /// agree on every one: both pass the untouched bundle and both fail each mutation.
    @Test(.enabled(if: opensslIsInstalled && python3IsInstalled, "needs openssl and python3"))
    func lethesVerifierAndTheManualStepsAgreeOnMutatedBundles() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        let record = try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        let original = try await fixture.evidence.bundle(serial: record.serial, by: .evidenceOperator("auditor")).bundle
        let manual = try ManualSteps(
            instructions: String(decoding: original.files[.instructions]!, as: UTF8.self))
        let logKey = try fixture.app.logSigningKey().verifier
        // Another Ed25519 key under the same name, and its valid signature of the same checkpoint.
        let other = try LogSigningKey.generate(name: logKey.name)
        let proof = String(decoding: original.files[.logProof]!, as: UTF8.self)
        let note = String(proof[proof.range(of: "\n\n")!.upperBound...])
        let noteText = String(note[..<note.range(of: "\n\n")!.lowerBound]) + "\n"
        let otherLine = try other.sign(noteText: noteText).split(separator: "\n").last.map(String.init)! + "\n"
        let lines = { @Sendable (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }

        let mutations: [Mutation] = [
            Mutation(name: "untouched", file: .html) { $0 },
            Mutation(name: "log-key.pub: the PEM of another key under the note key", file: .logKey) { _ in
                Array((logKey.verifierKey + "\n" + other.verifier.pem).utf8)
            },
            Mutation(name: "log-key.pub: the note key of another key above the PEM", file: .logKey) { _ in
                Array((other.verifier.verifierKey + "\n" + logKey.pem).utf8)
            },
            Mutation(name: "log-proof.txt: a signature line by another key after the log's", file: .logProof) {
                Array((lines($0) + otherLine).utf8)
            },
            Mutation(name: "log-proof.txt: a signature line by another key before the log's", file: .logProof) {
                let text = lines($0)
                let last = text.dropLast().lastIndex(of: "\n")!
                return Array((text[...last] + otherLine + text[text.index(after: last)...]).utf8)
            },
            Mutation(name: "log-proof.txt: a trailing blank line", file: .logProof) { $0 + [0x0A] },
            Mutation(name: "record.json: one byte changed", file: .record) {
                var bytes = $0
                bytes[20] ^= 0x01
                return bytes
            },
            Mutation(name: "log-entry.json: one byte changed", file: .logEntry) {
                var bytes = $0
                bytes[bytes.count / 2] ^= 0x01
                return bytes
            },
        ]
        for mutation in mutations {
            let directory = TemporaryDirectory("lethe-agreement")
            var bundle = original
            bundle.files[mutation.file] = mutation.change(original.files[mutation.file]!)
            try bundle.write(directory: directory.path)

            let checks = try await EvidenceService.verifyBundle(EvidenceBundle.read(directory: directory.path)).checks
            let letheFailed = checks.filter { !$0.passed }.map(\.name)
            let manualFailed = try manual.failures(in: directory.path)

            #expect(
                letheFailed.isEmpty == manualFailed.isEmpty,
                "\(mutation.name): Lethe failed \(letheFailed), the manual steps failed \(manualFailed)")
            #expect(
                letheFailed.isEmpty == (mutation.name == "untouched"),
                "\(mutation.name): Lethe failed \(letheFailed) \(checks.filter { !$0.passed }.map(\.detail))")
        }
    }

    /// Lethe names the altered part when the PEM under the note key is another key.
    @Test func anotherPEMUnderTheNoteKeyFailsTheCheckpointCheckNamingIt() async throws {
        let fixture = try EvidenceFixture()
        let job = try fixture.shreddedJob()
        let record = try await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
        var bundle = try await fixture.evidence.bundle(serial: record.serial, by: .evidenceOperator("auditor")).bundle
        let key = try fixture.app.logSigningKey().verifier
        let other = try LogSigningKey.generate(name: key.name).verifier
        bundle.files[.logKey] = Array((key.verifierKey + "\n" + other.pem).utf8)

        let checkpoint = await bundle.verify().first { $0.name == "checkpoint" }

        #expect(checkpoint?.passed == false)
        #expect(
            checkpoint?.detail.contains("the PEM key (which openssl uses) is not the key of the verifier key line")
                == true)
    }
}
