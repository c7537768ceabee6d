import Foundation
import LetheCore

/// Where the policy files are read from.
///
/// Resolved as `--policies DIR`, else `$LETHE_POLICIES`, else `./policies` when that directory
/// exists, else `<data-dir>/policies`.
public enum PolicyDirectory {
    /// The environment variable that names the policy directory.
    public static let environmentKey = "LETHE_POLICIES"

    /// Resolves the directory from the flag, the environment, the working directory and the data directory.
    public static func resolve(
        flag: String?, environment: [String: String], currentDirectory: String, dataDirectory: DataDirectory
    ) -> String {
        func absolute(_ path: String) -> String {
            let expanded = (path as NSString).expandingTildeInPath
            return expanded.hasPrefix("/") ? expanded : currentDirectory + "/" + expanded
        }
        if let flag, !flag.isEmpty { return absolute(flag) }
        if let value = environment[environmentKey], !value.isEmpty { return absolute(value) }
        let local = currentDirectory + "/policies"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: local, isDirectory: &isDirectory), isDirectory.boolValue {
            return local
        }
        return dataDirectory.path + "/policies"
    }
}

/// A validated policy set with its version and where it was read.
public struct LoadedPolicies: Sendable {
    /// The directory the files came from.
    public var directory: String
    /// The files read, in order.
    public var files: [String]
    /// The policy set.
    public var set: PolicySet
    /// SHA-256 (lowercase hex) of the set's canonical JSON: the policy version.
    public var version: String

    /// Creates a loaded set.
    public init(directory: String, files: [String], set: PolicySet, version: String) {
        self.directory = directory
        self.files = files
        self.set = set
        self.version = version
    }
}
