import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset found TAG [--location TEXT]`.
struct AssetFound: ParsableCommand {
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

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let found = try global.openApp(creating: true).reportFound(
                tag: tag, location: location, actor: write.actor)
            if output.json {
                Output.printJSON(["found": .array(found.map { .string($0.tag) })])
            } else {
                for asset in found { print("found \(asset.tag): now \(asset.state.rawValue)") }
                print("run 'lethe schedule' to plan its sanitization")
            }
        }
    }
}
