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

@Test func policyInitWritesTheDefaultToEditAndNeverOverwrites() throws {
    let root = TemporaryDirectory()
    let directory = root.file("etc/lethe/policies")

    let path = try LetheApp.writeDefaultPolicy(to: directory)

    #expect(path == directory + "/default.yaml")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == DefaultPolicy.yaml)
    #expect(
        try LetheApp.loadPolicies(directory: directory).version
            == LetheApp.loadPolicies(source: .embeddedDefault).version)
    // An edited file is never replaced.
    try Data("erasure_sla: P10D\n".utf8).write(to: URL(fileURLWithPath: path))
    #expect {
        try LetheApp.writeDefaultPolicy(to: directory)
    } throws: { error in
        (error as! LetheError).code == .conflict
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "erasure_sla: P10D\n")
}
