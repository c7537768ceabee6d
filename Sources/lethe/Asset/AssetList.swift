import ArgumentParser
import Lethe
import LetheCore
import LetheStore

/// `lethe asset list`.
struct AssetList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List assets, filtered and a page at a time.",
        discussion: """
            Assets are ordered by tag. To see the next page, pass the last tag shown as --after.

            Examples:
              lethe asset list --state retired --limit 100
              lethe asset list --type ssd --location "DC-1" --json
              lethe asset list --classification high --search "Latitude"
              lethe asset list --limit 50 --after LAP-0049
            """)

    @Option(help: "Only assets in this state.") var state: String?
    @Option(name: .customLong("type"), help: "Only assets of this media type.") var mediaType: String?
    @Option(help: "Only assets of this classification (low, moderate, high).") var classification: String?
    @Option(help: "Only assets at this location (exact).") var location: String?
    @Option(
        name: .customLong("search"),
        help: "Only assets whose tag, serial, make, model, location or custodian contains this text (any case).")
    var text: String?
    @Option(help: "Only assets attached to this parent tag.") var parent: String?
    @Option(help: "Only assets whose tag sorts after this one (pagination).") var after: String?
    @Option(help: "At most this many.") var limit: Int = 100
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard limit > 0, limit <= 100_000 else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let query = AssetQuery(
                state: try state.map { (text) throws(LetheError) in try LifecycleState.parse(text) },
                mediaType: try mediaType.map { (text) throws(LetheError) in try MediaType.parse(text) },
                location: location, parentTag: parent, afterTag: after, limit: limit, text: text,
                classification: try classification.map { (text) throws(LetheError) in
                    try Classification.parse(text, field: "classification")
                })
            let page = try await global.openApp().assets.list(
                query, by: try Principal.localOperator(WriteOptions.loginUser()))
            if output.json {
                Output.printResult(page)
                return
            }
            let assets = page.assets.map(\.asset)
            Output.printTable(
                header: ["TAG", "STATE", "TYPE", "CLASS", "LOCATION", "CUSTODIAN"],
                rows: assets.map {
                    [
                        $0.tag, $0.state.rawValue, $0.mediaType.rawValue, $0.classification.rawValue,
                        $0.location ?? "-", $0.custodian ?? "-",
                    ]
                })
            if let next = page.nextAfter {
                Output.standardError("(\(assets.count) of \(page.total) matching; next page: --after \(next))")
            }
        }
    }
}
