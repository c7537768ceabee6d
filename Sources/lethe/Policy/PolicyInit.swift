import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe policy init DIR`.
struct PolicyInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the embedded default policy to DIR/default.yaml, to edit.",
        discussion: """
            Creates DIR if needed; an existing DIR/default.yaml is never overwritten. Use the directory \
            with --policies DIR or LETHE_POLICIES=DIR, and check your edits with 'lethe policy check DIR'.

            Example:
              lethe policy init /etc/lethe/policies
            """)

    @Argument(help: "The directory to write default.yaml into.") var directory: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let (file, version) = try LetheApp.policies.defaultPolicy(
                by: try Principal.localOperator(WriteOptions.loginUser()))
            let path = try Self.write(file, to: directory)
            if output.json {
                Output.printResult(PolicyInitResult(file: path, version: version))
            } else {
                print("wrote \(path) (the embedded default, version \(version.prefix(12)))")
                print("edit it, check it with 'lethe policy check \(directory)', use it with --policies \(directory)")
            }
        }
    }

    /// Writes `file` into `directory`, creating the directory (and its parents) if needed.
    ///
    /// - Returns: the path of the file written.
    /// - Throws: `conflict` when the file already exists (it is never overwritten); `io` when the
    ///   directory or the file cannot be written.
    static func write(_ file: NamedText, to directory: String) throws(LetheError) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw LetheError(.io, "\(directory) exists but is not a directory; choose another directory")
        }
        let path = (directory.hasSuffix("/") ? directory : directory + "/") + file.name
        guard !FileManager.default.fileExists(atPath: path) else {
            throw LetheError(
                .conflict, "\(path) already exists and was left unchanged; remove it or choose another directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // withoutOverwriting: a file that appears meanwhile is not replaced.
            try Data(file.text.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            throw LetheError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
        return path
    }
}
