import Foundation
import LetheCore

/// The shipped default policy set (NIST SP 800-88 / IEEE 2883), compiled into the binary so that
/// Lethe works where no policy directory exists.
///
/// Its text is `policies/default.yaml`, embedded by `scripts/embed-default-policy.sh`; a test
/// fails when the two differ.
public enum DefaultPolicy {
    /// The file name the default has in `policies/` and that `lethe policy init` writes.
    public static let fileName = "default.yaml"
}

extension LetheApp {
    /// Writes the embedded default policy to `directory/default.yaml`, creating the directory
    /// (and its parents) if needed, so that it can be edited and used with `--policies`.
    ///
    /// - Returns: the path of the file written.
    /// - Throws: `conflict` when the file already exists (it is never overwritten); `io` when the
    ///   directory or the file cannot be written.
    public static func writeDefaultPolicy(to directory: String) throws(LetheError) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw LetheError(.io, "\(directory) exists but is not a directory; choose another directory")
        }
        let path = (directory.hasSuffix("/") ? directory : directory + "/") + DefaultPolicy.fileName
        guard !FileManager.default.fileExists(atPath: path) else {
            throw LetheError(
                .conflict, "\(path) already exists and was left unchanged; remove it or choose another directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // withoutOverwriting: a file that appears meanwhile is not replaced.
            try Data(DefaultPolicy.yaml.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            throw LetheError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
        return path
    }
}
