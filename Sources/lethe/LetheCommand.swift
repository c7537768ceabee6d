import ArgumentParser
import Foundation
import Lethe
import Logging

#if canImport(Glibc)
    import CMalloc
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
            ~/.local/share/lethe, created 0700 by the first command that writes (a read of a missing \
            one exits 66). --data-dir goes before or after the subcommand: lethe --data-dir X asset list.

            Exit codes (sysexits): 0 ok, 64 usage, 65 bad data, 66 not found, 70 internal, \
            74 I/O, 75 database locked, 77 permissions, 78 newer data directory; \
            'lethe verify --due' exits 1 when anything failed or is overdue; 'lethe status' exits 1 \
            when anything is overdue.
            """,
        version: LetheVersion.current,
        subcommands: [
            Init.self, AssetCommand.self, PolicyCommand.self, Schedule.self, JobCommand.self, Verify.self,
            Sanitize.self,
            EvidenceCommand.self, LogCommand.self, KeysCommand.self, CertificateCommand.self, StoreCommand.self,
            HoldingCommand.self, ErasureCommand.self, BackupCommand.self, UserCommand.self, TokenCommand.self,
            ReportCommand.self, WebhookCommand.self, Serve.self, Status.self,
        ]
    )

    static func main() async {
        umask(0o077)  // every file Lethe creates is private to its user
        #if canImport(Glibc)
            // Every block of 128 KiB or more is mapped on its own, and given back when freed.
            // glibc otherwise raises this threshold to the largest block freed so far (up to
            // 32 MiB), after which tables of that size come from the heap and stay in memory
            // once freed: a yearly report's tables held 7 MB more at its peak.
            _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        #endif
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
            var command = try parseAsRoot(
                DataDirArgument.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
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

/// `--data-dir` before the subcommand (`lethe --data-dir X asset list`): every subcommand takes it
/// in its own ``GlobalOptions``, so it is moved to just after the subcommand's name.
enum DataDirArgument {
    static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            if arguments[index] == "--data-dir", index + 1 < arguments.count {
                leading += arguments[index...index + 1]
                index += 2
            } else if arguments[index].hasPrefix("--data-dir=") {
                leading.append(arguments[index])
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        var command: any ParsableCommand.Type = LetheCommand.self
        var end = 0
        while end < rest.count,
            let next = command.configuration.subcommands.first(where: { $0.configuration.commandName == rest[end] })
        {
            command = next
            end += 1
        }
        guard end > 0 else { return arguments }
        rest.insert(contentsOf: leading, at: end)
        return rest
    }
}

/// The version printed by `lethe --version` and recorded as the tool version in records.
enum LetheVersion {
    static let current = "0.1.0"
}
