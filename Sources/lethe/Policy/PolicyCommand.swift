import ArgumentParser

/// `lethe policy`: the policies as code.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check and show the sanitization and retention policies (YAML under policies/).",
        discussion: """
            Policies are read from --policies DIR, else $LETHE_POLICIES, else ./policies when it exists, \
            else <data-dir>/policies when it exists, else the NIST SP 800-88 / IEEE 2883 default embedded \
            in the binary. Every *.yaml and *.yml file in the directory is read, in name order, as one \
            policy set. 'lethe policy init DIR' writes the default out to edit. See docs/policies.md.
            """,
        subcommands: [PolicyCheck.self, PolicyShow.self, PolicyInit.self]
    )
}
