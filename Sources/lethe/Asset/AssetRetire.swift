import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset retire TAG`.
struct AssetRetire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire", abstract: "Take an asset out of service (its attached in-service media too).",
        discussion: "Example:\n  lethe asset retire SRV-7 --reason \"end of lease\"")

    @Argument(help: "The asset tag.") var tag: String
    @Option(help: "Why it is retired.") var reason: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let retired = try await global.openApp().assets.retire(
                tag, reason: reason, by: try write.principal())
            if output.json {
                Output.printResult(retired)
            } else {
                for tag in retired.tags { print("retired \(tag)") }
            }
        }
    }
}
