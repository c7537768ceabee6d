import Foundation
import Lethe
import LetheCore
import LetheTestSupport
import Testing

/// The checkout's policies/ directory, found from this file.
private let shippedPolicies = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("policies").path

@Test func embeddedDefaultPolicyMatchesPoliciesDefaultYAML() throws {
    // The binary's copy must be policies/default.yaml byte for byte: after editing the file, run
    // scripts/embed-default-policy.sh.
    let file = try String(contentsOfFile: shippedPolicies + "/default.yaml", encoding: .utf8)
    #expect(DefaultPolicy.yaml == file, "run scripts/embed-default-policy.sh")
    let embedded = try LetheApp.loadPolicies(source: .embeddedDefault)
    let shipped = try LetheApp.loadPolicies(directory: shippedPolicies)
    #expect(embedded.version == shipped.version)
    #expect(embedded.source == .embeddedDefault)
    #expect(embedded.files == ["default.yaml"])
}

@Test func theEmbeddedDefaultIsUsedOnlyWhenNoPolicyDirectoryIsConfiguredOrPresent() throws {
    // Given a working directory and a data directory without policies/
    let root = TemporaryDirectory()
    let work = root.file("work")
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    let data = DataDirectory(path: root.file("data"))
    func resolve(flag: String? = nil, environment: [String: String] = [:]) -> PolicySource {
        PolicyDirectory.resolve(flag: flag, environment: environment, currentDirectory: work, dataDirectory: data)
    }

    // Then nothing configured means the embedded default …
    #expect(resolve() == .embeddedDefault)
    // … a configured directory is used even when it is missing, and loading it stays an error
    #expect(resolve(flag: "/nonexistent/policies") == .directory("/nonexistent/policies"))
    #expect(resolve(environment: ["LETHE_POLICIES": "missing"]) == .directory(work + "/missing"))
    #expect(resolve(flag: "a", environment: ["LETHE_POLICIES": "b"]) == .directory(work + "/a"))
    #expect {
        try LetheApp.loadPolicies(source: resolve(flag: "/nonexistent/policies"))
    } throws: { error in
        (error as! LetheError).code == .notFound
            && (error as! LetheError).message.contains("/nonexistent/policies")
    }
    // … and a policies/ directory in the data directory, then in the working directory, wins over it
    try FileManager.default.createDirectory(atPath: data.path + "/policies", withIntermediateDirectories: true)
    #expect(resolve() == .directory(data.path + "/policies"))
    try FileManager.default.createDirectory(atPath: work + "/policies", withIntermediateDirectories: true)
    #expect(resolve() == .directory(work + "/policies"))
}

@Test func theDefaultPolicyToWriteOutIsTheEmbeddedOneWithItsVersion() throws {
    // When a front end asks for the default policy to write out (`lethe policy init`)
    let (file, version) = try LetheApp.policies.defaultPolicy(by: .auditor)

    // Then it is default.yaml, the embedded text, with the embedded set's version
    #expect(file.name == "default.yaml")
    #expect(file.text == DefaultPolicy.yaml)
    #expect(version == (try LetheApp.loadPolicies(PolicyFiles.embeddedDefault)).version)
}

@Test func checkAndShowTakeTheFilesTextsAndReportEveryProblem() throws {
    // Given policy files a front end read: the default and a broken one
    let broken = PolicyFiles(
        source: .directory("/etc/lethe/policies"),
        files: [
            NamedText(name: "a.yaml", text: DefaultPolicy.yaml), NamedText(name: "b.yaml", text: "erasure_sla: soon\n"),
        ])

    // When they are checked, Then every problem names its file, and the set is not valid
    let result = try LetheApp.policies.check(broken, by: .auditor)
    #expect(!result.valid)
    #expect(result.files == ["a.yaml", "b.yaml"])
    #expect(!result.problems.isEmpty && result.problems.allSatisfy { $0.file == "b.yaml" || $0.file == "a.yaml" })
    #expect(result.version == nil)
    // And showing them is refused with every problem
    #expect(throws: LetheError.self) { try LetheApp.policies.show(broken, by: .auditor) }
    // While the default alone is valid and shown with its version
    let report = try LetheApp.policies.show(.embeddedDefault, by: .auditor)
    #expect(report.loaded.version == (try LetheApp.policies.check(.embeddedDefault, by: .auditor)).version)
}

@Test func aPrincipalWithoutARoleMayNotReadThePolicies() throws {
    #expect {
        try LetheApp.policies.show(.embeddedDefault, by: .holding([]))
    } throws: { error in
        (error as! LetheError).code == .forbidden
    }
}
