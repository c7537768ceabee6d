import ArgumentParser
import Lethe
import LetheCore

/// Options of commands that sign records: the organisation named in the issuer certificate and
/// in every record (flag > $LETHE_ORGANIZATION > `organization` in the data directory's config.json).
struct IssuerOptions: ParsableArguments {
    @Option(name: .long, help: "The organisation that issues records (default: $LETHE_ORGANIZATION, else config.json).")
    var organization: String?

    /// Opens the installation with the flag applied. A missing one is an error naming the path:
    /// there is nothing to sign or show in it, and a mistyped path must not look like an empty
    /// installation.
    func openApp(_ global: GlobalOptions) throws(LetheError) -> LetheApp {
        var app = try global.openApp()
        if let organization { app.settings[Settings.organization] = organization }
        return app
    }
}

/// The principal of the evidence commands that only read: the local operator (whoever holds the
/// data directory), named after the login user.
enum EvidenceReader {
    static func principal() throws(LetheError) -> Principal { try Principal.localOperator(WriteOptions.loginUser()) }
}
