import Foundation
import LetheCore
import Testing

@Suite struct BackupErasurePolicyTests {
    @Test func absentOrDefaultKeyKeepsThePolicyVersion() throws {
        let plain = try #require(PolicyParser.parse(files: [("p.yaml", everything)]).policySet)
        #expect(plain.backupErasure == .suppress)
        #expect(plain.json["backup_erasure"] == nil)
        let explicit = try #require(
            PolicyParser.parse(files: [("p.yaml", "backup_erasure: suppress\n" + everything)]).policySet)
        #expect(explicit.backupErasure == .suppress)
        #expect(try explicit.canonicalBytes() == plain.canonicalBytes())
        let shred = try #require(
            PolicyParser.parse(files: [("p.yaml", "backup_erasure: shred\n" + everything)]).policySet)
        #expect(shred.backupErasure == .shred)
        #expect(shred.json["backup_erasure"] == "shred")
        #expect(try shred.canonicalBytes() != plain.canonicalBytes())
    }

    @Test func anUnknownValueIsReportedWithFileLineAndColumn() {
        let found = PolicyParser.parse(files: [("p.yaml", everything + "backup_erasure: burn\n")]).problems
        #expect(found.count == 1)
        #expect(found.first?.file == "p.yaml")
        #expect(found.first?.line == 8)
        #expect(found.first?.column == 17)
        #expect(found.first?.message.contains("use suppress or shred") == true)
    }

    @Test func aListIsNotAValue() {
        let found = PolicyParser.parse(files: [("p.yaml", "backup_erasure: [shred]\n" + everything)]).problems
        #expect(found.count == 1)
        #expect(found.first?.line == 1)
        #expect(found.first?.message.contains("backup_erasure") == true)
    }

    @Test func theKeyMayBeSetInOneFileOnly() {
        let found = PolicyParser.parse(files: [
            ("a.yaml", "backup_erasure: shred\n" + everything), ("b.yaml", "backup_erasure: shred\n"),
        ]).problems
        #expect(found.count == 1)
        #expect(found.first?.file == "b.yaml")
        #expect(found.first?.message.contains("already set at a.yaml:1:17") == true)
    }
}

@Suite struct BackupDestructionDeadlineTests {
    @Test func absentOrDefaultKeepsThePolicyVersionAndAnotherChangesIt() throws {
        let plain = try #require(PolicyParser.parse(files: [("p.yaml", everything)]).policySet)
        #expect(plain.backupDestructionDeadline == PolicySet.defaultBackupDestructionDeadline)
        #expect(plain.json["backup_destruction_deadline"] == nil)
        let explicit = try #require(
            PolicyParser.parse(files: [("p.yaml", "backup_destruction_deadline: P7D\n" + everything)]).policySet)
        #expect(try explicit.canonicalBytes() == plain.canonicalBytes())
        let longer = try #require(
            PolicyParser.parse(files: [("p.yaml", "backup_destruction_deadline: P14D\n" + everything)]).policySet)
        #expect(longer.backupDestructionDeadline == ISODuration(days: 14))
        #expect(longer.json["backup_destruction_deadline"] == "P14D")
        #expect(try longer.canonicalBytes() != plain.canonicalBytes())
    }

    @Test func aBadDurationOrASecondSettingIsReportedWhereItIs() {
        let bad = PolicyParser.parse(files: [("p.yaml", everything + "backup_destruction_deadline: soon\n")]).problems
        #expect(bad.count == 1)
        #expect(bad.first?.line == 8)
        #expect(bad.first?.message.contains("not an ISO 8601 duration") == true)
        let twice = PolicyParser.parse(files: [
            ("a.yaml", "backup_destruction_deadline: P3D\n" + everything),
            ("b.yaml", "backup_destruction_deadline: P3D\n"),
        ]).problems
        #expect(twice.count == 1)
        #expect(twice.first?.file == "b.yaml")
        #expect(twice.first?.message.contains("already set at a.yaml:1:30") == true)
    }
}

@Test(arguments: ["erasure_sla: P10D", "reverification_interval: P30D"])
func aDurationSettingMayBeSetInOneFileOnly(_ line: String) {
    let found = PolicyParser.parse(files: [("a.yaml", line + "\n" + everything), ("b.yaml", line + "\n")]).problems
    #expect(found.count == 1)
    #expect(found.first?.file == "b.yaml")
    let key = String(line.prefix { $0 != ":" })
    #expect(found.first?.message == "\(key) is already set at a.yaml:1:\(key.count + 3); set it in one file only")
}
