import Foundation
import LetheCore
import Testing

@testable import Lethe

/// A disposal report's rows are written as bytes member by member (a year has a million of
/// them); those bytes must be exactly the canonical encoding of the row as a value.
@Suite struct ReportRowWriterTests {
    typealias Name = ReportLedger.Name

    /// Texts by number: 0 is none.
    static let texts: [String?] = [
        nil, "HDD-7", "purge", "sampled", "seed-42", "readback", "alice", "bob", "overwrite", "nwipe", "0.35",
        "LETHE-2026-000007", "quote \" and é", "Shred Co",
    ]

    static let plans: [JSONValue] = [
        [:],
        ["mode": "sampled", "rate_percent": 10, "second_person": "required"],
        // Members the row sets itself: replaced by the row's, or left out when the row has none
        [
            "a": 1, "readback": "plan's own", "sample_seed": "plan's", "verifier": "plan's", "zz": [1, 2],
            "sample_rate": 5, "s": nil,
        ],
        .null,
        ["é": 1, "mode": "full"],
    ]

    static func job(plan: Int32, readback: Bool, seed: Bool, verifier: Bool) -> ReportLedger.Job {
        var job = ReportLedger.Job(
            id: 7, asset: Name(number: 1), method: Name(number: 2), verification: plan,
            dueAt: Date(timeIntervalSince1970: 1_790_000_000), createdAt: Date(timeIntervalSince1970: 1_780_000_000))
        job.readbackMode = readback ? Name(number: 3) : .none
        job.readbackSeed = seed ? Name(number: 4) : .none
        job.verifier = verifier ? Name(number: 5) : .none
        return job
    }

    @Test func everyPlanAndEveryVerificationIsWrittenAsItsValueEncodes() throws {
        let plans = try DisposalReport.EncodedPlans(Self.plans)
        #expect(plans.members[4] == nil)  // a key that is not plain ASCII: written from the value
        for (index, plan) in Self.plans.enumerated() where index != 4 {
            let members = try #require(plans.members[index])
            for bits in 0..<16 {
                let job = Self.job(
                    plan: Int32(index), readback: bits & 1 != 0, seed: bits & 4 != 0,
                    verifier: bits & 8 != 0)
                var written: [UInt8] = []
                let rate: Int64? = bits & 2 != 0 ? 5 : nil
                try plans.write(members, job: job, rate: rate, texts: Self.texts, into: &written)
                let expected = try CanonicalJSON.encode(
                    DisposalReport.verificationJSON(job, rate: rate, plan: plan, texts: Self.texts))
                #expect(
                    written == expected,
                    "plan \(index), row members \(bits): \(String(decoding: written, as: UTF8.self))")
            }
        }
    }

    @Test func aRowWithEveryMemberOrNoneIsWrittenAsItsValueEncodes() throws {
        let plans = try DisposalReport.EncodedPlans(Self.plans)
        var full = Self.job(plan: 1, readback: true, seed: true, verifier: true)
        full.executedBy = Name(number: 6)
        full.verifiedBy = Name(number: 7)
        full.executedAt = Date(timeIntervalSince1970: 1_790_100_000)
        full.verifiedAt = Date(timeIntervalSince1970: 1_790_200_000)
        full.technique = Name(number: 8)
        full.tool = Name(number: 9)
        full.toolVersion = Name(number: 10)
        full.certificate = Name(number: 11)
        var life = ReportLedger.AssetLife()
        life.destinationName = Name(number: 13)
        life.disposedAt = Date(timeIntervalSince1970: 1_790_300_000)
        let asset = ReportAsset(
            serial: "S/N \"1\"", make: "Seagate", model: "ST4000", mediaType: "hdd", classification: "high")
        var plainASCIIPlan = full
        plainASCIIPlan.verification = 4
        plainASCIIPlan.method = Name(number: 12)
        let rows = [
            DisposalReport.AssetRow(
                tag: "HDD-7", asset: asset, life: life, job: full, readbackRatePercent: 5, plan: Self.plans[1],
                texts: Self.texts,
                certificateRevoked: true, outcome: "disposed"),
            DisposalReport.AssetRow(
                tag: "HDD-8", asset: nil, life: ReportLedger.AssetLife(), job: nil, plan: .null, texts: Self.texts,
                certificateRevoked: false, outcome: "disposed-without-job"),
            DisposalReport.AssetRow(
                tag: "HDD-9", asset: asset, life: life, job: plainASCIIPlan, readbackRatePercent: 5,
                plan: Self.plans[4], texts: Self.texts,
                certificateRevoked: false, outcome: "verified"),
            DisposalReport.AssetRow(
                tag: "HDD-10",
                asset: ReportAsset(serial: nil, make: nil, model: nil, mediaType: "ssd", classification: "low"),
                life: ReportLedger.AssetLife(),
                job: Self.job(plan: 0, readback: false, seed: false, verifier: false),
                plan: Self.plans[0], texts: Self.texts, certificateRevoked: false, outcome: "executed"),
        ]
        for row in rows {
            var written: [UInt8] = []
            try row.write(into: &written, plans: plans)
            #expect(written == (try CanonicalJSON.encode(row.json)), "\(row.tag)")
        }
    }
}
