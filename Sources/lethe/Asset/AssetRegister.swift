import ArgumentParser
import Lethe
import LetheCore

typealias AssetFieldsInput = AssetFields

/// `lethe asset register TAG`.
struct AssetRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register one asset.",
        discussion: """
            Examples:
              lethe asset register LAP-0042 --type laptop --classification moderate \\
                  --serial 5CG1234XYZ --make HP --model "EliteBook 840" --capacity 512GB \\
                  --location "HQ floor 3" --custodian alice --encryption software
              lethe asset register SRV-7 --type server --classification high
              lethe asset register SRV-7-D1 --type ssd --classification high --parent SRV-7
            """
    )

    @Argument(help: "The asset tag: unique, 1–64 visible ASCII characters.") var tag: String
    @Option(help: "Initial state: in-service (default), retired, lost.") var state: String?
    @OptionGroup var fields: AssetFieldOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard fields.mediaType != nil else { throw ValidationError("--type is required (the media type)") }
        guard fields.classification != nil else {
            throw ValidationError("--classification is required: low, moderate or high")
        }
    }

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            var input = fields.fields(tag: tag)
            input.state = state
            let details = try await global.openApp(creating: true).assets.register(input, by: try write.principal())
            let asset = details.asset
            if output.json {
                Output.printResult(details)
            } else {
                print(
                    "registered \(asset.tag) (\(asset.mediaType.rawValue), \(asset.classification.rawValue), \(asset.state.rawValue))"
                )
            }
        }
    }
}
