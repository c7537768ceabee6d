import Foundation
import Lethe
import LetheCore
import Testing

@Suite struct AuthorizationTests {
    @Test func docsSecurityPrintsTheTableTheCodeUses() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/security.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- authorization-table:begin -->\n"))
        let end = try #require(text.range(of: "\n<!-- authorization-table:end -->"))
        if ProcessInfo.processInfo.environment["LETHE_UPDATE_DOCS"] == "1" {
            let updated = text.replacingCharacters(
                in: begin.upperBound..<end.lowerBound, with: Authorization.markdownTable())
            try Data(updated.utf8).write(to: docs)
            return
        }
        #expect(String(text[begin.upperBound..<end.lowerBound]) == Authorization.markdownTable())
    }

    @Test func eachWriteBelongsToTheRoleWhoseJobItIs() throws {
        let clerk = try Principal(name: "ivy", roles: [.itStaff], authentication: .apiToken)
        let auditor = try Principal(name: "ann", roles: [.auditor], authentication: .apiToken)
        #expect(Authorization.allows(clerk, .registerAsset))
        #expect(!Authorization.allows(clerk, .issueRecord))
        #expect(!Authorization.allows(clerk, .manageUsers))
        // An auditor reads everything and writes nothing.
        for action in Action.allCases {
            #expect(Authorization.allows(auditor, action) == action.isRead, "auditor and \(action.rawValue)")
        }
        // The local operator holds every role; the scheduler only its own.
        let local = try Principal.localOperator("root")
        #expect(Action.allCases.allSatisfy { Authorization.allows(local, $0) })
        #expect(Authorization.allows(.scheduler, .runDueVerifications))
        #expect(!Authorization.allows(.scheduler, .registerAsset))
    }

    @Test func aRefusalIsForbiddenAndNamesTheRolesThatWould() throws {
        let technician = try Principal(name: "tom", roles: [.technician], authentication: .consoleSession)
        #expect(throws: LetheError.self) { try Authorization.check(technician, .issueRecord) }
        do {
            try Authorization.check(technician, .issueRecord)
        } catch {
            #expect(error.code == .forbidden)
            #expect(error.message.contains("verifier"), "\(error.message)")
            #expect(error.message.contains("tom"))
        }
    }

    @Test func aPrincipalNeedsAName() {
        #expect(throws: LetheError.self) { try Principal.localOperator("  ") }
        #expect(throws: LetheError.self) { try Principal.localOperator("a\u{7}b") }
        #expect(throws: LetheError.self) { try Principal.localOperator(String(repeating: "x", count: 201)) }
    }
}
