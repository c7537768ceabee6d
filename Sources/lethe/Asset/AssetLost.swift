import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset lost TAG --reason TEXT`.
struct AssetLost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lost", abstract: "Record that an asset is lost or stolen (an incident).",
        discussion: """
            Attached media are marked lost with it. A lost asset that turns up again goes to \
            awaiting-sanitization: its custody was broken, so its data must be destroyed.

            Example:
              lethe asset lost LAP-0042 --reason "stolen from car, police ref 2026-1188"
            """)

    @Argument(help: "The asset tag.") var tag: String
    @Option(help: "What happened (required).") var reason: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let lost = try await global.openApp().assets.reportLost(
                tag, reason: reason, by: try write.principal())
            if output.json {
                Output.printResult(lost)
            } else {
                for tag in lost.tags { print("marked \(tag) lost") }
            }
        }
    }
}
