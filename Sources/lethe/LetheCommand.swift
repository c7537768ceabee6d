import ArgumentParser
import Foundation
import Lethe
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `lethe`: the command-line interface to Lethe.
@main
struct LetheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lethe",
        abstract: "Track where data lives, see it destroyed, and prove it.",
        discussion: """
            Lethe keeps an asset register with lifecycle and chain of custody, and records every change \
            in an append-only evidence log. Data lives in --data-dir, else $LETHE_DATA_DIR, else \
            ~/.local/share/lethe (created 0700 on first use).

            Exit codes (sysexits): 0 ok, 64 usage, 65 bad data, 66 not found, 70 internal, \
            74 I/O, 75 database locked, 77 permissions, 78 newer data directory; \
            'lethe verify --due' exits 1 when anything failed or is overdue.
            """,
        version: LetheVersion.current,
        subcommands: [
            AssetCommand.self, PolicyCommand.self, Schedule.self, JobCommand.self, Verify.self, Sanitize.self,
            EvidenceCommand.self, LogCommand.self, KeysCommand.self, CertificateCommand.self, StoreCommand.self,
            HoldingCommand.self, ErasureCommand.self, BackupCommand.self,
        ]
    )

    static func main() async {
        umask(0o077)  // every file Lethe creates is private to its user
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            let level = ProcessInfo.processInfo.environment["LETHE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            handler.logLevel = level ?? .warning
            return handler
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let word = HelpTopic.unknownWord(in: arguments, root: LetheCommand.self) {
            Output.standardError(
                "lethe: error: there is no command '\(word)' to show help for; see 'lethe --help' for the commands")
            Foundation.exit(64)  // usage, as for any other unknown command
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// The version printed by `lethe --version` and recorded as the tool version in records.
enum LetheVersion {
    static let current = "0.1.0"
}
