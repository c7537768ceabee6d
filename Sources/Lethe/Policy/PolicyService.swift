import Foundation
import LetheCore

/// The policies' use cases: check a set, show the set in force, the default to write out. They
/// read no store, so a front end may call them without an installation (`LetheApp.policies`).
public struct PolicyService: Sendable {
    /// Creates the service.
    public init() {}

    /// Validates the policy files, reporting every problem with file, line and column.
    public func check(_ files: PolicyFiles, by principal: Principal) throws(LetheError) -> PolicyCheckResult {
        try Authorization.check(principal, .readPolicies)
        let (names, verdict) = LetheApp.checkPolicies(files)
        let version = try verdict.policySet.map { (set) throws(LetheError) in try LetheApp.policyVersion(set) }
        return PolicyCheckResult(
            source: files.source, files: names, problems: verdict.problems, version: version,
            sanitizationRules: verdict.policySet?.sanitization.count,
            retentionRules: verdict.policySet?.retention.count)
    }

    /// The policy set in force, validated, with its version; an invalid set is refused with every
    /// problem.
    public func show(_ files: PolicyFiles, by principal: Principal) throws(LetheError) -> PolicyReport {
        try Authorization.check(principal, .readPolicies)
        return PolicyReport(try LetheApp.loadPolicies(files))
    }

    /// The embedded default policy, to be written out and edited (`lethe policy init`): its file
    /// name, text and version. The front end writes it where it was asked to.
    public func defaultPolicy(by principal: Principal) throws(LetheError) -> (file: NamedText, version: String) {
        try Authorization.check(principal, .readPolicies)
        let file = PolicyFiles.embeddedDefault.files[0]
        return (file, try LetheApp.loadPolicies(.embeddedDefault).version)
    }
}

extension LetheApp {
    /// The policies' use cases.
    public var policies: PolicyService { PolicyService() }
    /// The policies' use cases, for a front end that has no installation open.
    public static var policies: PolicyService { PolicyService() }
}

/// What `policy check` found: the files read, every problem, and the version of a valid set.
public struct PolicyCheckResult: Sendable, Hashable, Codable {
    /// One problem, at a file, line and column.
    public struct Problem: Sendable, Hashable, Codable {
        /// The file's name.
        public var file: String
        /// The line, from 1.
        public var line: Int
        /// The column, from 1.
        public var column: Int
        /// What is wrong.
        public var message: String
    }

    /// Where the files come from.
    public var source: PolicySource
    /// The files read, in order.
    public var files: [String]
    /// Every problem, in file and line order; empty for a valid set.
    public var problems: [Problem]
    /// The version of a valid set.
    public var version: String?
    /// How many sanitization rules a valid set has (not in the JSON form).
    public var sanitizationRules: Int?
    /// How many retention rules a valid set has (not in the JSON form).
    public var retentionRules: Int?
    /// The problems as `file:line:column: message`, each file named under the directory it was
    /// read from, for text output (not in the JSON form).
    public var diagnostics: [String]

    /// Creates a result.
    public init(
        source: PolicySource, files: [String], problems: [PolicyProblem], version: String?,
        sanitizationRules: Int?, retentionRules: Int?
    ) {
        self.source = source
        self.files = files
        self.problems = problems.map {
            Problem(file: $0.file, line: $0.line, column: $0.column, message: $0.message)
        }
        self.version = version
        self.sanitizationRules = sanitizationRules
        self.retentionRules = retentionRules
        self.diagnostics = problems.map { $0.description(under: source.directoryPath) }
    }

    /// Whether the set is valid.
    public var valid: Bool { problems.isEmpty && version != nil }

    enum CodingKeys: String, CodingKey {
        case source, directory, files, valid, problems, version
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(PolicySource.self, forKey: .source)
        files = try c.decode([String].self, forKey: .files)
        problems = try c.decode([Problem].self, forKey: .problems)
        version = try c.decodeIfPresent(String.self, forKey: .version)
        diagnostics = problems.map { [source] in
            PolicyProblem(file: $0.file, line: $0.line, column: $0.column, message: $0.message)
                .description(under: source.directoryPath)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encode(source.description, forKey: .directory)
        try c.encode(files, forKey: .files)
        try c.encode(valid, forKey: .valid)
        try c.encode(problems, forKey: .problems)
        try c.encodeIfPresent(version, forKey: .version)
    }
}

/// The policy set in force: `policy show`. Its JSON holds the set as `policy`.
public struct PolicyReport: Sendable, Encodable {
    /// The loaded set, with where it came from and its version.
    public var loaded: LoadedPolicies

    /// Creates a report.
    public init(_ loaded: LoadedPolicies) { self.loaded = loaded }

    enum CodingKeys: String, CodingKey {
        case source, directory, files, version, policy
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(loaded.source, forKey: .source)
        try c.encode(loaded.directory, forKey: .directory)
        try c.encode(loaded.files, forKey: .files)
        try c.encode(loaded.version, forKey: .version)
        try c.encode(loaded.set.json, forKey: .policy)
    }
}

/// What `policy init` wrote: the file and the default's version.
public struct PolicyInitResult: Sendable, Hashable, Codable {
    /// The path of the file written.
    public var file: String
    /// The default policy's version.
    public var version: String

    /// Creates a result.
    public init(file: String, version: String) {
        self.file = file
        self.version = version
    }
}
