import ArgumentParser

/// `lethe help TOPIC…` names commands; ArgumentParser shows the nearest command it knows for a
/// name it does not and exits 0, so a mistyped topic would look like success to a script.
enum HelpTopic {
    /// The first word of `lethe help WORDS…` that names no subcommand, or nil when every word
    /// does (or the arguments are not a `help` request).
    static func unknownWord(in arguments: [String], root: any ParsableCommand.Type) -> String? {
        guard arguments.first == "help" else { return nil }
        var command = root
        for word in arguments.dropFirst() where !word.hasPrefix("-") {
            guard
                let next = command.configuration.subcommands.first(where: {
                    $0._commandName == word || $0.configuration.aliases.contains(word)
                })
            else { return word }
            command = next
        }
        return nil
    }
}
