import Foundation
import LetheCore

extension PolicyFiles {
    /// Reads every `*.yaml` and `*.yml` file of a directory source, sorted by name; the embedded
    /// default needs no reading.
    ///
    /// - Throws: `notFound` when the directory does not exist; `io` when a file cannot be read.
    public static func read(_ source: PolicySource) throws(LetheError) -> PolicyFiles {
        guard case .directory(let directory) = source else { return .embeddedDefault }
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
        var files: [NamedText] = []
        var problems: [PolicyProblem] = []
        for name in names {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LetheError(.io, "cannot read policy file \(path)")
            }
            var validator = UTF8Validator()
            if let line = data.withUnsafeBytes({ validator.check($0) }) ?? validator.finish() {
                problems.append(
                    PolicyProblem(
                        file: name, line: line, column: 1,
                        message:
                            "the file is not UTF-8 text: this line holds a byte that is not UTF-8 (as in a file saved as Latin-1 or Windows-1252); save the file as UTF-8"
                    ))
            }
            files.append(NamedText(name: name, text: String(decoding: data, as: UTF8.self)))
        }
        return PolicyFiles(source: source, files: files, problems: problems)
    }
}
