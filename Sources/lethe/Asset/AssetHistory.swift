import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset history TAG`.
struct AssetHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show an asset's whole story, in order.",
        discussion: "Example:\n  lethe asset history LAP-0042")

    @Argument(help: "The asset tag.") var tag: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let history = try await global.openApp().assets.history(
                tag, by: try Principal.localOperator(WriteOptions.loginUser()))
            if output.json {
                Output.printResult(history)
                return
            }
            Output.printTable(
                header: ["SEQ", "TIME", "ACTOR", "EVENT", "DETAILS"],
                rows: history.events.map {
                    ["\($0.seq)", RFC3339.format($0.recordedAt), $0.actor, $0.type.rawValue, $0.summary]
                })
        }
    }
}
