/// Who performs a use case: an authenticated user, the service's scheduler, or the operator of
/// the command-line tool. Every write use case takes one; separation of duties compares their
/// names, and the evidence log records the name as the event's actor.
public struct Principal: Sendable, Hashable, Codable {
    /// How the principal was authenticated.
    public enum Authentication: String, Sendable, Hashable, Codable, CaseIterable {
        /// Whoever holds the data directory and runs the CLI: trusted local administration,
        /// named with `--actor` (default: the login user). Holds every role.
        case localOperator = "local-operator"
        /// A user presenting an API token.
        case apiToken = "api-token"
        /// A user signed in to the web console.
        case consoleSession = "console-session"
        /// The service's own scheduled runs.
        case scheduler
    }

    /// The name recorded as the actor of every event this principal causes.
    public var name: String
    /// The roles the principal holds.
    public var roles: Set<Role>
    /// How the principal was authenticated.
    public var authentication: Authentication
    /// A principal authenticated by a read-only token may only read, whatever its roles.
    public var readOnly: Bool

    /// The longest principal name.
    public static let maxNameLength = 200

    /// A principal with a checked name (1 to 200 characters, no control characters).
    public init(
        name: String, roles: Set<Role>, authentication: Authentication, readOnly: Bool = false
    ) throws(LetheError) {
        let trimmed = name.trimmed
        guard !trimmed.isEmpty, trimmed.count <= Self.maxNameLength,
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw LetheError(
                .usage,
                "a principal's name must be 1 to \(Self.maxNameLength) characters without control characters (who performs the change); got \(Quoted(name))"
            )
        }
        self.name = trimmed
        self.roles = roles
        self.authentication = authentication
        self.readOnly = readOnly
    }

    /// The operator of the command-line tool: whoever holds the data directory, trusted with every
    /// role, named with `--actor`.
    public static func localOperator(_ name: String) throws(LetheError) -> Principal {
        try Principal(name: name, roles: Set(Role.allCases), authentication: .localOperator)
    }

    /// The service's own identity for scheduled runs.
    public static let scheduler = try! Principal(name: "scheduler", roles: [.scheduler], authentication: .scheduler)

    /// Whether the principal holds any of `roles`.
    public func holdsAny(of roles: Set<Role>) -> Bool { !self.roles.isDisjoint(with: roles) }
}
