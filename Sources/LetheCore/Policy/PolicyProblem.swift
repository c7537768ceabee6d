/// One problem in a policy file, with where it is.
public struct PolicyProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file's name as given to the parser.
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// The column, from 1.
    public var column: Int
    /// What is wrong and what to write instead.
    public var message: String

    /// Creates a problem.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column): \(message)" }

    /// ``description`` with the file's path under `directory` (the directory it was read from,
    /// when there is one), so that a terminal or editor opens the file from wherever it runs.
    public func description(under directory: String?) -> String {
        guard let directory else { return description }
        let path = directory.hasSuffix("/") ? directory + file : directory + "/" + file
        return "\(path):\(line):\(column): \(message)"
    }
}

/// The verdict of parsing and validating a set of policy files: the set when it is valid, and
/// every problem found.
public struct PolicyVerdict: Sendable {
    /// The policy set, or nil when there was any problem.
    public var policySet: PolicySet?
    /// Every problem, in file and line order.
    public var problems: [PolicyProblem]

    /// Whether the files form a valid policy set.
    public var isValid: Bool { policySet != nil && problems.isEmpty }

    /// The set, or an `invalid-input` error listing every problem.
    ///
    /// - Parameter path: the directory the files were read from, which each problem's file is
    ///   named under (none: the files' names alone).
    public func requireValid(directory: String, path: String? = nil) throws(LetheError) -> PolicySet {
        guard let set = policySet, problems.isEmpty else {
            throw LetheError(
                .invalidInput,
                "the policies in \(directory) are invalid (\(problems.count) problem\(problems.count == 1 ? "" : "s")); fix them and run 'lethe policy check' (nothing was changed)",
                details: problems.map { $0.description(under: path) })
        }
        return set
    }
}
