import Foundation
import LetheCore

/// Where the policy set in force comes from.
///
/// Its JSON form is `{"kind": "directory", "directory": PATH}` or `{"kind": "embedded-default"}`.
public enum PolicySource: Sendable, Hashable, Codable {
    /// The `*.yaml` and `*.yml` files of a directory.
    case directory(String)
    /// The default compiled into the binary (``DefaultPolicy``): no policy directory is configured.
    case embeddedDefault

    /// A short description for messages: the directory, or `the embedded default policy`.
    public var description: String {
        switch self {
        case .directory(let path): path
        case .embeddedDefault: "the embedded default policy"
        }
    }

    /// The directory the files are read from; nil for the embedded default.
    public var directoryPath: String? {
        switch self {
        case .directory(let path): path
        case .embeddedDefault: nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, directory
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "directory": self = .directory(try c.decode(String.self, forKey: .directory))
        default: self = .embeddedDefault
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .directory(let path):
            try c.encode("directory", forKey: .kind)
            try c.encode(path, forKey: .directory)
        case .embeddedDefault: try c.encode("embedded-default", forKey: .kind)
        }
    }
}

/// Where the policy files are read from.
///
/// Resolved as `--policies DIR`, else `$LETHE_POLICIES`, else `./policies` when that directory
/// exists, else `<data-dir>/policies` when that directory exists, else the default policy embedded
/// in the binary. A directory named by the flag or the environment must exist.
public enum PolicyDirectory {
    /// The environment variable that names the policy directory.
    public static let environmentKey = "LETHE_POLICIES"

    /// Resolves the source from the flag, the environment, the working directory and the data directory.
    public static func resolve(
        flag: String?, environment: [String: String], currentDirectory: String, dataDirectory: DataDirectory
    ) -> PolicySource {
        func absolute(_ path: String) -> String {
            let expanded = (path as NSString).expandingTildeInPath
            return expanded.hasPrefix("/") ? expanded : currentDirectory + "/" + expanded
        }
        if let flag, !flag.isEmpty { return .directory(absolute(flag)) }
        if let value = environment[environmentKey], !value.isEmpty { return .directory(absolute(value)) }
        for candidate in [currentDirectory + "/policies", dataDirectory.path + "/policies"] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return .directory(candidate)
            }
        }
        return .embeddedDefault
    }
}

/// A validated policy set with its version and where it was read.
public struct LoadedPolicies: Sendable {
    /// Where the set came from.
    public var source: PolicySource
    /// The directory the files came from, or ``PolicySource/description`` for the embedded default.
    public var directory: String
    /// The files read, in order (`default.yaml` for the embedded default).
    public var files: [String]
    /// The policy set.
    public var set: PolicySet
    /// SHA-256 (lowercase hex) of the set's canonical JSON: the policy version.
    public var version: String

    /// Creates a set loaded from a directory.
    public init(directory: String, files: [String], set: PolicySet, version: String) {
        self.init(source: .directory(directory), files: files, set: set, version: version)
    }

    /// Creates a loaded set.
    public init(source: PolicySource, files: [String], set: PolicySet, version: String) {
        self.source = source
        self.directory = source.description
        self.files = files
        self.set = set
        self.version = version
    }
}
