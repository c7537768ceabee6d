import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset dispose TAG --destination D`.
struct AssetDispose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispose", abstract: "Record where a verified asset went.",
        discussion: """
            Destinations: internal-reuse, external-reuse, recycling, manufacturer, destroyed. \
            Only a verified asset can be disposed, and a parent only once its attached media are \
            verified or disposed.

            Example:
              lethe asset dispose LAP-0042 --destination recycling --notes "ACME Recycling, lot 7731"
            """)

    @Argument(help: "The asset tag.") var tag: String
    @Option(help: "Where it went.") var destination: String
    @Option(help: "Free notes (vendor, lot, receipt).") var notes: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let asset = try global.openApp(creating: true).disposeAsset(
                tag: tag, destination: try Destination.parse(destination), notes: notes, actor: write.actor)
            if output.json {
                Output.printJSON(AssetView.json(asset))
            } else {
                print("disposed \(asset.tag) (\(destination))")
            }
        }
    }
}
