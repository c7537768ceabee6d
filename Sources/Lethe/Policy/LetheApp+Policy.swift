import Crypto
import Foundation
import LetheCore

/// The policy files a front end read: where they come from and each file's name and text, in
/// name order. Loading and checking take these, never a path.
public struct PolicyFiles: Sendable, Hashable {
    /// Where the files come from.
    public var source: PolicySource
    /// The `*.yaml` and `*.yml` files, in name order.
    public var files: [NamedText]
    /// What was wrong with the files as read (a file that is not UTF-8, decoded with U+FFFD in
    /// place of its bad bytes so that its other problems are found too): the set is invalid.
    public var problems: [PolicyProblem]

    /// Creates a set of files.
    public init(source: PolicySource, files: [NamedText], problems: [PolicyProblem] = []) {
        self.source = source
        self.files = files
        self.problems = problems
    }

    /// The default policy compiled into the binary.
    public static let embeddedDefault = PolicyFiles(
        source: .embeddedDefault, files: [NamedText(name: DefaultPolicy.fileName, text: DefaultPolicy.yaml)])
}

extension LetheApp {
    /// Validates a policy set, reporting every problem. Touches no store.
    public static func checkPolicies(_ files: PolicyFiles) -> (files: [String], verdict: PolicyVerdict) {
        var verdict = PolicyParser.parse(files: files.files.map { ($0.name, $0.text) })
        if !files.problems.isEmpty {
            verdict.policySet = nil
            verdict.problems = (files.problems + verdict.problems).sorted {
                ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column)
            }
        }
        return (files.files.map(\.name), verdict)
    }

    /// Loads and validates a policy set; an invalid set is refused with every problem.
    public static func loadPolicies(_ files: PolicyFiles) throws(LetheError) -> LoadedPolicies {
        let (names, verdict) = checkPolicies(files)
        let set = try verdict.requireValid(directory: files.source.description, path: files.source.directoryPath)
        return LoadedPolicies(source: files.source, files: names, set: set, version: try policyVersion(set))
    }

    /// The version of a policy set: SHA-256 of its canonical JSON, lowercase hex.
    public static func policyVersion(_ set: PolicySet) throws(LetheError) -> String {
        Hex.encode(SHA256.hash(data: try set.canonicalBytes()))
    }
}
