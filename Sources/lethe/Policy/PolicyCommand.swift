import ArgumentParser

/// `lethe policy`: the policies as code.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check and show the sanitization and retention policies (YAML under policies/).",
        discussion: """
            Policies are read from --policies DIR, else $LETHE_POLICIES, else ./policies when it exists, \
            else <data-dir>/policies. Every *.yaml and *.yml file in the directory is read, in name order, \
            as one policy set. See docs/policies.md for every key.
            """,
        subcommands: [PolicyCheck.self, PolicyShow.self]
    )
}
