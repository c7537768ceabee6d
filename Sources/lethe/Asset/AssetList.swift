import ArgumentParser
import Lethe
import LetheCore
import LetheStore

/// `lethe asset list`.
struct AssetList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List assets, filtered and a page at a time.",
        discussion: """
            Assets are ordered by tag. To see the next page, pass the last tag shown as --after.

            Examples:
              lethe asset list --state retired --limit 100
              lethe asset list --type ssd --location "DC-1" --json
              lethe asset list --limit 50 --after LAP-0049
            """)

    @Option(help: "Only assets in this state.") var state: String?
    @Option(name: .customLong("type"), help: "Only assets of this media type.") var mediaType: String?
    @Option(help: "Only assets at this location (exact).") var location: String?
    @Option(help: "Only assets attached to this parent tag.") var parent: String?
    @Option(help: "Only assets whose tag sorts after this one (pagination).") var after: String?
    @Option(help: "At most this many.") var limit: Int = 100
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard limit > 0, limit <= 100_000 else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let query = AssetQuery(
                state: try state.map { (text) throws(LetheError) in try LifecycleState.parse(text) },
                mediaType: try mediaType.map { (text) throws(LetheError) in try MediaType.parse(text) },
                location: location, parentTag: parent, afterTag: after, limit: limit)
            let (assets, total) = try global.openApp().listAssets(query)
            if output.json {
                var page: [String: JSONValue] = [
                    "assets": .array(assets.map(AssetView.json)), "total": .integer(Int64(total)),
                ]
                page["next_after"] = assets.count == limit ? assets.last.map { .string($0.tag) } : nil
                Output.printJSON(.object(page))
                return
            }
            Output.printTable(
                header: ["TAG", "STATE", "TYPE", "CLASS", "LOCATION", "CUSTODIAN"],
                rows: assets.map {
                    [
                        $0.tag, $0.state.rawValue, $0.mediaType.rawValue, $0.classification.rawValue,
                        $0.location ?? "-", $0.custodian ?? "-",
                    ]
                })
            if assets.count == limit, let last = assets.last {
                Output.standardError("(\(assets.count) of \(total) matching; next page: --after \(last.tag))")
            }
        }
    }
}
