import Crypto
import Foundation
import LetheCore

extension LetheApp {
    /// Reads every `*.yaml` and `*.yml` file in `directory` (sorted by name) and validates them
    /// as one policy set, reporting every problem. Does not touch the store.
    ///
    /// - Throws: `not-found` when the directory does not exist; `io` when a file cannot be read.
    public static func checkPolicies(directory: String) throws(LetheError) -> (files: [String], verdict: PolicyVerdict)
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw LetheError(
                .notFound,
                "policy directory \(directory) does not exist; check --policies or $LETHE_POLICIES, write the default there with 'lethe policy init \(directory)', or leave both unset to use the embedded default policy"
            )
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw LetheError(.io, "cannot list the policy directory \(directory): \(error.localizedDescription)")
        }
        var files: [(name: String, text: String)] = []
        for name in names {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LetheError(.io, "cannot read policy file \(path)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw LetheError(.invalidInput, "policy file \(path) is not UTF-8 text")
            }
            files.append((name, text))
        }
        return (names, PolicyParser.parse(files: files))
    }

    /// Validates the policies of a source (a directory, or the embedded default), reporting every
    /// problem. Does not touch the store.
    public static func checkPolicies(
        source: PolicySource
    ) throws(LetheError) -> (files: [String], verdict: PolicyVerdict) {
        switch source {
        case .directory(let path): return try checkPolicies(directory: path)
        case .embeddedDefault:
            return ([DefaultPolicy.fileName], PolicyParser.parse(files: [(DefaultPolicy.fileName, DefaultPolicy.yaml)]))
        }
    }

    /// Loads and validates the policies in `directory`; an invalid set is refused with every problem.
    public static func loadPolicies(directory: String) throws(LetheError) -> LoadedPolicies {
        try loadPolicies(source: .directory(directory))
    }

    /// Loads and validates the policies of a source; an invalid set is refused with every problem.
    public static func loadPolicies(source: PolicySource) throws(LetheError) -> LoadedPolicies {
        let (files, verdict) = try checkPolicies(source: source)
        let set = try verdict.requireValid(directory: source.description)
        return LoadedPolicies(source: source, files: files, set: set, version: try policyVersion(set))
    }

    /// The version of a policy set: SHA-256 of its canonical JSON, lowercase hex.
    public static func policyVersion(_ set: PolicySet) throws(LetheError) -> String {
        Hex.encode(SHA256.hash(data: try set.canonicalBytes()))
    }
}
