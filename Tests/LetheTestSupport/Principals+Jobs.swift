import LetheCore

extension Principal {
    /// A user signed in with an API token holding `roles`: the principal of the jobs tests, so
    /// that a test says which role each step needs (the CLI's local operator holds every role).
    public static func jobsUser(_ name: String, _ roles: Role...) -> Principal {
        // swift-format-ignore: NeverUseForceTry
        try! Principal(name: name, roles: Set(roles), authentication: .apiToken)
    }
}
