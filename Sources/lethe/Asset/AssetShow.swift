import ArgumentParser
import Lethe
import LetheCore

/// `lethe asset show TAG`.
struct AssetShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one asset.",
        discussion: "Example:\n  lethe asset show LAP-0042 --json")

    @Argument(help: "The asset tag.") var tag: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let details = try await global.openApp().assets.show(
                tag, by: try Principal.localOperator(WriteOptions.loginUser()))
            if output.json {
                Output.printResult(details)
            } else {
                Self.printDetails(details)
            }
        }
    }

    static func printDetails(_ details: AssetDetails) {
        let asset = details.asset
        let children = details.attached ?? []
        let rows: [(String, String?)] = [
            ("Tag", asset.tag), ("State", asset.state.rawValue), ("Destination", asset.destination?.rawValue),
            ("Media type", asset.mediaType.rawValue), ("Classification", asset.classification.rawValue),
            ("Encryption", asset.encryption.rawValue), ("Serial", asset.serial), ("Make", asset.make),
            ("Model", asset.model),
            ("Capacity", asset.capacityBytes.map { "\(Capacity.format($0)) (\($0) bytes)" }),
            ("Location", asset.location), ("Custodian", asset.custodian), ("Parent", asset.parentTag),
            (
                "Attached",
                children.isEmpty
                    ? nil : children.map { "\($0.tag) (\($0.state?.rawValue ?? "?"))" }.joined(separator: ", ")
            ),
            ("Notes", asset.notes), ("Registered", RFC3339.format(asset.registeredAt)),
            ("Updated", RFC3339.format(asset.updatedAt)),
        ]
        for (label, value) in rows {
            guard let value else { continue }
            print((label + ":").padding(toLength: 16, withPad: " ", startingAt: 0) + value)
        }
    }
}
