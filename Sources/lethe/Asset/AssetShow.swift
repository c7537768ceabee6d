import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset show TAG`.
struct AssetShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one asset.",
        discussion: "Example:\n  lethe asset show LAP-0042 --json")

    @Argument(help: "The asset tag.") var tag: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let app = try global.openApp()
            let asset = try app.asset(tag: tag)
            let children = try app.children(of: tag)
            if output.json {
                var object = AssetView.json(asset).objectValue ?? [:]
                object["attached"] = .array(children.map { .string($0.tag) })
                Output.printJSON(.object(object))
            } else {
                AssetView.printDetails(asset, children: children)
            }
        }
    }
}
