import LetheCore

/// Principals for the evidence tests: the local operator by name, and principals that hold only
/// some roles (to show what each role is refused).
extension Principal {
    /// The local operator named `name` (every role), as the CLI's `--actor` gives.
    public static func evidenceOperator(_ name: String) -> Principal { try! .localOperator(name) }

    /// A principal signed in through the API, holding only `roles`.
    public static func evidenceUser(_ name: String, _ roles: Role...) -> Principal {
        try! Principal(name: name, roles: Set(roles), authentication: .apiToken)
    }
}
