import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset history TAG`.
struct AssetHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show an asset's whole story, in order.",
        discussion: "Example:\n  lethe asset history LAP-0042")

    @Argument(help: "The asset tag.") var tag: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let events = try global.openApp().history(tag: tag)
            if output.json {
                Output.printJSON(.array(events.compactMap { try? CanonicalJSON.decode($0.bytes) }))
                return
            }
            Output.printTable(
                header: ["SEQ", "TIME", "ACTOR", "EVENT", "DETAILS"],
                rows: events.map {
                    ["\($0.seq)", RFC3339.format($0.recordedAt), $0.actor, $0.type.rawValue, $0.summary]
                })
        }
    }
}
