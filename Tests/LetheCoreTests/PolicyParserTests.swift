import Foundation
import LetheCore
import Testing

/// A rule covering every media type and classification, so that a test file only adds what it checks.
let everything = """
    sanitization:
      - media: [laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other]
        classification: [low, moderate, high]
        method: destroy
        techniques: [shred]
        verification: {mode: attest}
        deadline: P30D

    """

private func problems(_ text: String, file: String = "p.yaml") -> [PolicyProblem] {
    PolicyParser.parse(files: [(file, text)]).problems
}

@Suite struct PolicyParserTests {
    @Test func aCompleteSetIsValidWithDefaults() throws {
        let verdict = PolicyParser.parse(files: [("p.yaml", everything)])
        #expect(verdict.problems == [])
        let set = try #require(verdict.policySet)
        #expect(set.erasureSLA.description == "P30D")
        #expect(set.reverificationInterval.description == "P90D")
        #expect(set.rule(for: .tape, .high)?.method == .destroy)
    }

    @Test func aGapIsReportedAlongsideTheOtherProblemsNotAfterThemAreFixed() {
        // Given a set that misses tape × high and also has a malformed erasure_sla.
        let text =
            "erasure_sla: thirty days\n"
            + everything.replacingOccurrences(
                of: "classification: [low, moderate, high]", with: "classification: [low, moderate]")
                + """
                  - media: [laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, phone, tablet, optical, other]
                    classification: high
                    method: destroy
                    techniques: [shred]
                    verification: {mode: attest}
                    deadline: P30D

                """
        // Then one check reports both.
        let messages = problems(text).map(\.message)
        #expect(messages.contains { $0.contains("erasure_sla") })
        #expect(
            messages.contains { $0.contains("no sanitization rule covers media type tape with classification high") })
        #expect(messages.count == 2)
    }

    @Test func aBrokenRuleIsNotAlsoReportedAsTheGapsItMeantToCover() {
        let text = everything.replacingOccurrences(of: "deadline: P30D", with: "deadline: soon")
        let messages = problems(text).map(\.message)
        #expect(messages.count == 1)
        #expect(!messages.contains { $0.contains("no sanitization rule covers") })
    }

    @Test func unknownKeyIsReportedWithLineAndColumn() {
        let found = problems(everything + "    colour: blue\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 8)
        #expect(found.first?.column == 5)
        #expect(found.first?.message.contains("unknown key 'colour'") == true)
    }

    @Test func wrongTypeIsReported() {
        let text = everything.replacingOccurrences(of: "techniques: [shred]", with: "techniques: {a: b}")
        let found = problems(text)
        #expect(found.map(\.line) == [5])
        #expect(found.first?.column == 17)
        #expect(found.first?.message.contains("must be a list") == true)
    }

    @Test func malformedDurationIsReported() {
        let text = everything.replacingOccurrences(of: "deadline: P30D", with: "deadline: 30 days")
        let found = problems(text)
        #expect(found.count == 1)
        #expect(found.first?.line == 7)
        #expect(found.first?.column == 15)
        #expect(found.first?.message.contains("ISO 8601") == true)
    }

    @Test func unknownMediaTypeAndTechniqueAreBothReported() {
        let text =
            everything
            .replacingOccurrences(of: "tablet, optical", with: "tablet, floppy, optical")
            .replacingOccurrences(of: "[shred]", with: "[shred, laser]")
        let found = problems(text)
        #expect(found.count == 2)
        #expect(found[0].line == 2 && found[0].column == 95)
        #expect(found[0].message.contains("media type 'floppy'"))
        #expect(found[1].line == 5 && found[1].column == 25)
        #expect(found[1].message.contains("technique 'laser'"))
    }

    @Test func overlappingRulesAreReportedAtTheSecondRule() {
        let text =
            everything + """
                  - media: hdd
                    classification: low
                    method: clear
                    techniques: [overwrite]
                    verification: {mode: full}
                    deadline: P30D

                """
        let found = problems(text)
        #expect(found.count == 1)
        #expect(found.first?.line == 8)
        #expect(found.first?.column == 5)
        #expect(
            found.first?.message.contains("hdd with classification low is already covered by the rule at p.yaml:2:5")
                == true)
    }

    @Test func aMissingPairIsReported() {
        let text = everything.replacingOccurrences(of: ", other]", with: "]")
        let found = problems(text)
        #expect(found.count == 3)
        #expect(found.allSatisfy { $0.line == 2 && $0.column == 3 })
        #expect(found.map(\.message).contains { $0.contains("media type other with classification high") })
    }

    @Test func aTechniqueThatCannotReachTheCategoryIsReported() {
        let text = everything.replacingOccurrences(of: "[shred]", with: "[shred, overwrite]")
        let found = problems(text)
        #expect(found.count == 1)
        #expect(found.first?.line == 5)
        #expect(found.first?.column == 25)
        #expect(found.first?.message.contains("reaches at most clear") == true)
    }

    @Test func sampleVerificationNeedsRateAndMinimum() {
        let text = everything.replacingOccurrences(of: "{mode: attest}", with: "{mode: sample, rate_percent: 0}")
        let found = problems(text)
        #expect(found.first?.line == 6)
        #expect(found.first?.message.contains("sample verification needs") == true)
    }

    @Test func yamlSyntaxErrorsCarryTheirPosition() {
        let found = problems("sanitization: [\n  - a: b\n")
        #expect(found.count == 1)
        #expect(found.first?.message.contains("YAML") == true)
        #expect((found.first?.line ?? 0) >= 2)
    }

    @Test func everyProblemIsReportedAcrossFiles() {
        let verdict = PolicyParser.parse(files: [
            ("a.yaml", everything + "erasure_sla: P1M\n"),
            (
                "b.yaml",
                "erasure_sla: soon\nretention:\n  - category: user.shoe-size\n    period: P1Y\n    trigger: collected\n"
            ),
        ])
        #expect(verdict.policySet == nil)
        #expect(verdict.problems.map(\.file) == ["b.yaml", "b.yaml"])
        #expect(verdict.problems.map(\.line) == [1, 3])
    }

    @Test func theVersionInputIgnoresFormattingAndComments() throws {
        let a = try #require(PolicyParser.parse(files: [("a.yaml", everything)]).policySet)
        let b = try #require(
            PolicyParser.parse(files: [("b.yaml", "# comment\n" + everything + "erasure_sla: P30D\n")]).policySet)
        #expect(try a.canonicalBytes() == b.canonicalBytes())
        let c = try #require(
            PolicyParser.parse(files: [("c.yaml", everything.replacingOccurrences(of: "P30D", with: "P31D"))])
                .policySet)
        #expect(try a.canonicalBytes() != c.canonicalBytes())
    }

    @Test func theShippedDefaultIsValidAndComplete() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../policies/default.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let verdict = PolicyParser.parse(files: [("default.yaml", text)])
        #expect(verdict.problems == [])
        let set = try #require(verdict.policySet)
        for media in MediaType.allCases {
            for level in Classification.allCases { #expect(set.rule(for: media, level) != nil) }
        }
        #expect(set.rule(for: .optical, .low)?.method == .destroy)
        #expect(set.rule(for: .ssd, .moderate)?.techniques.contains(.overwrite) == false)
    }
}

@Suite struct ISODurationTests {
    @Test(arguments: ["P30D", "P1Y6M", "PT12H", "P2W", "P1YT1S"])
    func parsesAndPrintsCanonically(_ text: String) {
        #expect(ISODuration.parse(text)?.description == text)
    }

    @Test(arguments: ["", "P", "PT", "30D", "P1.5D", "PD", "P1D1Y", "P1H", "-P1D"])
    func rejectsMalformed(_ text: String) {
        #expect(ISODuration.parse(text) == nil)
    }

    @Test func addsCalendarMonthsInUTC() throws {
        let start = try RFC3339.parse("2026-01-31T10:00:00Z")
        #expect(RFC3339.format(ISODuration(months: 1).added(to: start)) == "2026-02-28T10:00:00Z")
        #expect(RFC3339.format(ISODuration(days: 30).added(to: start)) == "2026-03-02T10:00:00Z")
    }
}

@Suite struct JobLifecycleTests {
    @Test func followsTheDocumentedMachine() throws {
        #expect(try JobLifecycle.transition(job: 1, from: .scheduled, to: .inProgress) == .inProgress)
        #expect(try JobLifecycle.transition(job: 1, from: .scheduled, to: .executed) == .executed)
        #expect(try JobLifecycle.transition(job: 1, from: .executed, to: .verified) == .verified)
        #expect(try JobLifecycle.transition(job: 1, from: .executed, to: .failed) == .failed)
    }

    @Test func refusesWithTheAllowedStates() {
        #expect {
            try JobLifecycle.transition(job: 7, from: .verified, to: .inProgress)
        } throws: { error in
            (error as? LetheError)?.message
                == "job 7 is verified and cannot become in-progress; allowed next states: none: verified is final"
        }
        #expect(throws: LetheError.self) { try JobLifecycle.transition(job: 7, from: .executed, to: .cancelled) }
    }

    @Test func techniqueTableMatchesNIST() {
        #expect(Technique.overwrite.maximumCategory == .clear)
        #expect(Technique.factoryReset.maximumCategory == .clear)
        #expect(Technique.cryptoErase.maximumCategory == .purge)
        #expect(Technique.degauss.maximumCategory == .purge)
        #expect(Technique.shred.maximumCategory == .destroy)
    }
}
