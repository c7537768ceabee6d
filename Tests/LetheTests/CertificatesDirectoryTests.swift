import Foundation
import Lethe
import LetheCore
import LetheEvidence
import LetheTestSupport
import Testing

/// The repository's `certificates/` directory.
private let certificates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("certificates").path

private func installed(_ name: String) -> Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/" + name) }

private let jsonschemaIsInstalled: Bool = {
    (try? tool(["python3", "-c", "import jsonschema"], in: "/").status) == 0
}()

@Suite struct CertificatesDirectoryTests {
    @Test func theTemplateIsTheOneLetheRenders() throws {
        let file = try String(contentsOfFile: certificates + "/record.html.template", encoding: .utf8)
        #expect(file == RecordHTML.template)
    }

    @Test func theExampleBundleVerifies() async throws {
        let verification = try await EvidenceService.verifyBundle(
            EvidenceBundle.read(directory: certificates + "/example"))
        #expect(verification.checks.count == 5)
        #expect(verification.passed, "\(verification.checks.filter { !$0.passed })")
    }

    @Test(.enabled(if: installed("openssl"), "needs the openssl command (apt-get install openssl)"))
    func theExampleBundleVerifiesWithStockOpenSSL() throws {
        let result = try tool(
            [
                "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "record.p7s", "-content",
                "record.json",
                "-CAfile", "issuer.pem", "-purpose", "any", "-out", "/dev/null",
            ], in: certificates + "/example")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("Verification successful"))
    }

    @Test func noPrivateKeyIsCommitted() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: certificates)
        #expect(files.contains("example/record.p7s"))
        for file in files {
            let data = FileManager.default.contents(atPath: certificates + "/" + file) ?? Data()
            #expect(!String(decoding: data, as: UTF8.self).contains("PRIVATE"), "\(file)")
        }
    }

    @Test func theSchemaNamesEveryFieldOfTheExampleRecord() throws {
        let schema = try CanonicalJSON.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: certificates + "/disposal-record.schema.json"))))
        let record = try CanonicalJSON.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: certificates + "/example/record.json"))))
        #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        #expect(required == Set(record.objectValue?.keys.map { $0 } ?? []))
        for (key, value) in record.objectValue ?? [:] {
            guard let members = value.objectValue else { continue }
            let nested = Set(schema["properties"]?[key]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            #expect(nested == Set(members.keys), "\(key)")
        }
    }

    @Test(.enabled(if: jsonschemaIsInstalled, "needs python3 with the jsonschema package"))
    func theExampleRecordValidatesAgainstTheSchema() throws {
        let result = try tool(
            [
                "python3", "-c",
                "import json, jsonschema; s = json.load(open('disposal-record.schema.json')); jsonschema.Draft202012Validator.check_schema(s); jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker()).validate(json.load(open('example/record.json'))); print('valid')",
            ], in: certificates)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("valid"))
    }
}
