import ArgumentParser
import Foundation
import Lethe
import LetheCore

#if canImport(Glibc)
    import Glibc
#endif

/// Options every command takes: where the installation lives.
///
/// `--data-dir` may also be given before the subcommand (`lethe --data-dir X asset list`):
/// ``LetheCommand`` moves it after the subcommand's name.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The data directory (default: $LETHE_DATA_DIR, else ~/.local/share/lethe); before or after the subcommand."
    )
    var dataDir: String?

    @Option(
        name: .long, help: ArgumentHelp("Seconds to wait for another process's database lock.", visibility: .hidden))
    var busyTimeout: Double = 5

    /// Opens the installation. Only a command that writes passes `creating: true` and creates a
    /// missing installation; a read of a missing one is a `notFound` error naming the path.
    func openApp(creating: Bool = false) throws(LetheError) -> LetheApp {
        let directory = DataDirectory.resolve(flag: dataDir, environment: ProcessInfo.processInfo.environment)
        return try LetheApp.open(directory, create: creating, busyTimeout: busyTimeout)
    }
}

/// Options of every command that changes something.
struct WriteOptions: ParsableArguments {
    // Optional so that the help says "the login user" once, not also the name found at run time.
    @Option(name: .customLong("actor"), help: "Who performs the change (default: the login user).")
    var actorName: String?

    /// Who performs the change: `--actor`, else the login user.
    var actor: String { actorName ?? Self.loginUser() }

    /// The principal every write of this command is made by: the local operator (whoever holds
    /// the data directory: trusted local administration, with every role), named `--actor`.
    func principal() throws(LetheError) -> Principal { try Principal.localOperator(actor) }

    static func loginUser() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let name = environment["USER"] ?? environment["LOGNAME"], !name.isEmpty { return name }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid-\(geteuid())"
    }
}

/// Options of every command that prints something.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}
