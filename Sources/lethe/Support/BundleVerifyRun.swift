import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheEvidence

/// What `certificate verify` and `report verify` share: reading the bundle's directory and the
/// kept trust anchors, running a verifier, printing each check, and exiting 65 on a failure.
enum BundleVerifyRun {
    /// The CA certificates to trust instead of the bundle's issuer.pem, with where they came from.
    typealias Trust = (pem: String, source: String)
    /// The log key kept by the auditor, with where it came from.
    typealias KeptLogKey = (text: String, source: String)

    /// Verifies the bundle in `directory` with `verify` and prints the outcome, naming the thing
    /// verified (`bundle`, `report`) in the last line.
    static func run(
        directory: String, trust: String?, logKey: String?, json: Bool, noun: String,
        verify: (EvidenceBundle, Trust?, KeptLogKey?) async throws(LetheError) -> BundleVerification
    ) async throws {
        var verification: BundleVerification?
        try await reporting(json: json) { () async throws(LetheError) in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw LetheError(.notFound, "\(directory) is not a directory; give the bundle's directory")
            }
            func text(_ path: String, _ what: String) throws(LetheError) -> String {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw LetheError(.notFound, "cannot read the \(what) file \(path)")
                }
                return String(decoding: data, as: UTF8.self)
            }
            let trusted = try trust.map { (path) throws(LetheError) in (pem: try text(path, "--trust"), source: path) }
            let kept = try logKey.map { (path) throws(LetheError) in (text: try text(path, "--log-key"), source: path) }
            verification = try await verify(
                EvidenceBundle.read(directory: directory, files: EvidenceBundle.checkedFiles), trusted, kept)
        }
        guard let verification else { return }
        if json {
            Output.printResult(verification)
        } else {
            for check in verification.checks {
                print("\(check.passed ? "PASS" : "FAIL")  \(check.name): \(check.detail)")
            }
            print(verification.passed ? "\(noun) verified" : "\(noun) FAILED verification")
        }
        if !verification.passed { throw ExitCode(65) }
    }
}
