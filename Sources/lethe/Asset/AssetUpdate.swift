import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset update TAG`.
struct AssetUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change an asset's descriptive fields.",
        discussion: """
            Only the options given change; an empty value clears an optional field. The lifecycle \
            state changes only through retire, dispose, lost and disposal jobs.

            Examples:
              lethe asset update LAP-0042 --location "Storage room B" --notes "screen cracked"
              lethe asset update SRV-7-D1 --parent ""     # detach a drive from its server
            """)

    @Argument(help: "The asset tag.") var tag: String
    @OptionGroup var fields: AssetFieldOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard fields.fields(tag: nil) != AssetFields() else {
            throw ValidationError("nothing to change: give at least one field option (see --help)")
        }
    }

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let details = try await global.openApp().assets.update(
                tag, fields.fields(tag: nil), by: try write.principal())
            if output.json { Output.printResult(details) } else { print("updated \(details.asset.tag)") }
        }
    }
}
