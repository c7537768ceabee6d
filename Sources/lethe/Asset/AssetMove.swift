import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe asset move TAG --to PARTY`.
struct AssetMove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move",
        abstract: "Record a custody transfer: who handed the asset to whom, where, with what seals.",
        discussion: """
            Examples:
              lethe asset move LAP-0042 --to "IT storage (bob)" --location "Storage room B"
              lethe asset move LAP-0042 --to "ACME Shredding" --location "ACME truck" \\
                  --seal SEAL-0091 --seal SEAL-0092 --manifest "ACME-WB-55120" --at 2026-11-20T14:05:00Z
            """)

    @Argument(help: "The asset tag.") var tag: String
    @Option(help: "Who receives it.") var to: String
    @Option(help: "Who hands it over (default: the current custodian).") var from: String?
    @Option(help: "Where it is now.") var location: String?
    @Option(help: "When the hand-over happened (RFC 3339 or YYYY-MM-DD; default now).") var at: String?
    @Option(help: "A tamper-evident seal number (repeatable).") var seal: [String] = []
    @Option(help: "The vendor's manifest or waybill reference.") var manifest: String?
    @Option(help: "Free notes.") var notes: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let time = try at.map { (text) throws(LetheError) in try RFC3339.parse(text, field: "--at") }
            let transfer = CustodyTransfer(
                from: from, to: to, location: location, at: time, seals: seal, manifest: manifest, notes: notes)
            let details = try await global.openApp().assets.transferCustody(
                tag, transfer, by: try write.principal())
            let asset = details.asset
            if output.json {
                Output.printResult(details)
            } else {
                print("moved \(asset.tag) to \(asset.custodian ?? to)\(asset.location.map { " at \($0)" } ?? "")")
            }
        }
    }
}
