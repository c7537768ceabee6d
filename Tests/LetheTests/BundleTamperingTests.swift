import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheTestSupport
import Testing

/// One exported bundle, shared by the tampering tests (its files are changed in memory only).
private let exported = Task { () -> EvidenceBundle in
    let fixture = try! EvidenceFixture()
    let job = try! fixture.shreddedJob()
    let record = try! await fixture.evidence.issueDisposalRecord(job: job.id, by: .evidenceOperator("compliance"))
    return try! await fixture.evidence.bundle(serial: record.serial, by: .evidenceOperator("auditor")).bundle
}

/// Flips bit 0 of every byte of one file in turn (of `range`, when given) and returns, for each
/// position, the names of the checks that failed.
private func failuresAfterFlipping(_ file: EvidenceBundle.File, in range: Range<Int>? = nil) async -> [(Int, [String])]
{
    let original = await exported.value
    let bytes = original.files[file]!
    // Two workers (the machine's cores), each taking every other position.
    return await withTaskGroup(of: [(Int, [String])].self) { group in
        for worker in 0..<2 {
            group.addTask {
                var results: [(Int, [String])] = []
                for position in range ?? 0..<bytes.count where position % 2 == worker {
                    var changed = original
                    var flipped = bytes
                    flipped[position] ^= 0x01
                    changed.files[file] = flipped
                    let checks = await changed.verify()
                    results.append((position, checks.filter { !$0.passed }.map(\.name)))
                }
                return results
            }
        }
        var all: [(Int, [String])] = []
        for await part in group { all += part }
        return all.sorted { $0.0 < $1.0 }
    }
}

@Suite struct BundleTamperingTests {
    @Test func theUntouchedBundleVerifies() async {
        let checks = await exported.value.verify()
        #expect(checks.count == 5)
        #expect(checks.allSatisfy { $0.passed }, "\(checks)")
    }

    @Test func flippingAnyByteOfTheRecordFailsTheSignature() async {
        for (position, failed) in await failuresAfterFlipping(.record) {
            #expect(failed.contains("signature"), "record.json byte \(position): \(failed)")
        }
    }

    @Test func flippingAnyByteOfTheSignatureFailsIt() async {
        for (position, failed) in await failuresAfterFlipping(.signature) {
            #expect(failed.contains("signature"), "record.p7s byte \(position): \(failed)")
        }
    }

    @Test func flippingAnyByteOfTheProofOrCheckpointFailsThatCheck() async {
        let bundle = await exported.value
        let text = String(decoding: bundle.files[.logProof]!, as: UTF8.self)
        let split = text.utf8.distance(from: text.startIndex, to: text.range(of: "\n\n")!.upperBound)
        let count = bundle.files[.logProof]!.count
        for (position, failed) in await failuresAfterFlipping(.logProof, in: 0..<split) {
            #expect(failed.contains("inclusion"), "proof byte \(position): \(failed)")
        }
        for (position, failed) in await failuresAfterFlipping(.logProof, in: split..<count) {
            #expect(failed.contains("checkpoint"), "checkpoint byte \(position): \(failed)")
        }
    }

    @Test func flippingAnyByteOfTheLogEntryFailsIt() async {
        for (position, failed) in await failuresAfterFlipping(.logEntry) {
            #expect(
                failed.contains("log entry") || failed.contains("inclusion"),
                "log-entry.json byte \(position): \(failed)")
        }
    }
}

/// The trial found a trust failure printed as swift-certificates' debug dump
/// (`unableToValidateSigner(X509.CMS…`); it must say what failed in words.
@Test func signatureFailuresAreExplainedWithoutLibraryInternals() async throws {
    let bundle = await exported.value
    // Trusting another CA: the signer does not chain to it
    let other = try IssuerIdentity.selfSigned(organization: "Other CA Ltd", now: Date())
    let untrusted = await bundle.verify(trust: other.certificates)
    let refusal = try #require(untrusted.first { $0.name == "signature" })
    #expect(!refusal.passed)
    #expect(refusal.detail.contains("does not chain to any trusted certificate"), "\(refusal.detail)")
    // A changed record: the digest does not match
    var changed = bundle
    var record = try #require(changed.files[.record])
    record[record.count / 2] ^= 0x01
    changed.files[.record] = record
    let tampered = try #require(await changed.verify().first { $0.name == "signature" })
    #expect(tampered.detail.contains("does not match the record"), "\(tampered.detail)")
    for detail in [refusal.detail, tampered.detail] {
        #expect(!detail.contains("X509.") && !detail.contains("CMS.VerificationError"), "\(detail)")
    }
}
