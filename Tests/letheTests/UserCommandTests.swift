import Foundation
import LetheTestSupport
import Testing

@Test func anAdminAddsAUserWhoseTokenIsTheLastLineAndIsNeverShownAgain() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    // Given a user added with a role
    let added = try lethe.run("user", "add", "ivy", "--role", "it-staff")
    #expect(added.status == 0, "\(added.stderr)")
    let token = try #require(added.stdout.split(separator: "\n").last.map(String.init))
    #expect(token.hasPrefix("lethe_1_"), "\(added.stdout)")
    // Then listings show the token's number and state but never its secret
    let listed = try lethe.run("token", "list", "--json")
    #expect(listed.status == 0)
    let tokens = try #require(
        (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["tokens"]
            as? [[String: Any]])
    #expect(tokens.count == 1)
    #expect(tokens.first?["id"] as? Int == 1)
    #expect(tokens.first?["state"] as? String == "valid")
    #expect(!listed.stdout.contains(String(token.dropFirst("lethe_1_".count))))
    // A password comes from standard input, and a short one is refused
    #expect(try lethe.run(["user", "password", "ivy"], input: "short\n").status == 65)
    #expect(try lethe.run(["user", "password", "ivy"], input: "correct horse battery staple\n").status == 0)
    let users = try lethe.run("user", "list")
    #expect(users.stdout.contains("ivy") && users.stdout.contains("it-staff") && users.stdout.contains("set"))
    // A user needs a role; an unknown role is a usage error
    #expect(try lethe.run("user", "add", "noroles").status == 64)
    #expect(try lethe.run("user", "add", "x", "--role", "superuser").status == 64)
    #expect(try lethe.run("token", "revoke", "1").status == 0)
    #expect(try lethe.run("token", "list").stdout.contains("revoked"))
}

/// `lethe user password` must drop a CRLF line end (one Character in Swift, which a check for "\n"
/// or "\r" alone missed), so a password typed on Windows signs in.
@Test func aPasswordEndingInCRLFIsStoredWithoutTheLineEnd() throws {
    let root = TemporaryDirectory()
    let lethe = LetheCLI(dataDirectory: root.file("data"))
    #expect(try lethe.run("user", "add", "ivy", "--role", "it-staff").status == 0)
    // 11 characters plus CR LF: refused as too short only if the line end is dropped
    let set = try lethe.run(["user", "password", "ivy"], input: "elevenchars\r\n")
    #expect(set.status == 65, "the CR LF must not count towards the 12 characters: \(set.stderr)")
}
