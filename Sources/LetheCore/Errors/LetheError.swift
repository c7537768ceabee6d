/// An error a user of Lethe can meet: what was wrong, where, and what to do about it.
///
/// The ``Code`` says which kind of problem it is; the command-line tool and the HTTP service map
/// codes to exit statuses and HTTP statuses once, at their edge.
public struct LetheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The request itself was malformed (a flag, an argument).
        case usage
        /// Input data was invalid: a field, a row, a file.
        case invalidInput = "invalid-input"
        /// Something named does not exist.
        case notFound = "not-found"
        /// The request conflicts with what is stored (a duplicate tag, an open job).
        case conflict
        /// A lifecycle or job state transition that the rules do not allow.
        case illegalTransition = "illegal-transition"
        /// The database is held by another process.
        case locked
        /// A file or directory could not be read, written or created.
        case io
        /// A file or directory has permissions that would expose secrets.
        case permission
        /// No valid credentials were presented (HTTP 401).
        case unauthenticated
        /// The principal's roles do not allow the use case, or separation of duties forbids this
        /// principal from doing it (HTTP 403).
        case forbidden
        /// The data directory was written by a newer Lethe.
        case incompatible
        /// A bug or an unexpected state inside Lethe.
        case `internal`
    }

    /// The kind of problem.
    public var code: Code
    /// One sentence (or a few) saying what was wrong, where, and what to do.
    public var message: String
    /// Individual problems behind this error (one per bad row or field), already formatted.
    public var details: [String]
    /// How many problems there were in all, when `details` holds only the first ones.
    public var totalProblems: Int

    /// Creates an error.
    public init(_ code: Code, _ message: String, details: [String] = [], totalProblems: Int? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.totalProblems = totalProblems ?? details.count
    }

    public var description: String {
        guard !details.isEmpty else { return message }
        var text = message
        for line in details { text += "\n  " + line }
        if totalProblems > details.count {
            text += "\n  … and \(totalProblems - details.count) more"
        }
        return text
    }
}
