import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset retire TAG`.
struct AssetRetire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire", abstract: "Take an asset out of service (its attached in-service media too).",
        discussion: "Example:\n  lethe asset retire SRV-7 --reason \"end of lease\"")

    @Argument(help: "The asset tag.") var tag: String
    @Option(help: "Why it is retired.") var reason: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let retired = try global.openApp(creating: true).retireAsset(tag: tag, reason: reason, actor: write.actor)
            if output.json {
                Output.printJSON(["retired": .array(retired.map { .string($0.tag) })])
            } else {
                for asset in retired { print("retired \(asset.tag)") }
            }
        }
    }
}
