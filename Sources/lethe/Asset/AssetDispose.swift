import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset dispose TAG --destination D`.
struct AssetDispose: AsyncParsableCommand {
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

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let details = try await global.openApp().assets.dispose(
                tag, destination: try Destination.parse(destination), notes: notes, by: try write.principal())
            let asset = details.asset
            if output.json {
                Output.printResult(details)
            } else {
                print("disposed \(asset.tag) (\(destination))")
            }
        }
    }
}
