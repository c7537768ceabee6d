import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset found TAG [--location TEXT]`.
struct AssetFound: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "found", abstract: "Record that a lost asset has turned up; it goes to awaiting-sanitization.",
        discussion: """
            Its custody was broken, so its data must be destroyed: the asset (and the media lost with \
            it) moves from lost to awaiting-sanitization, and the next 'lethe schedule' plans its job.

            Example:
              lethe asset found LAP-0042 --location "IT storage, cage 2"
            """)

    @Argument(help: "The asset tag.") var tag: String
    @Option(help: "Where it is now (becomes its location).") var location: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let found = try await global.openApp().assets.reportFound(
                tag, location: location, by: try write.principal())
            if output.json {
                Output.printResult(found)
            } else {
                for asset in found.assets {
                    print("found \(asset.tag): now \((asset.state ?? .awaitingSanitization).rawValue)")
                }
                print("run 'lethe schedule' to plan its sanitization")
            }
        }
    }
}
