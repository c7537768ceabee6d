import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe init`: create an installation on purpose.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the installation in the data directory (what the first change does anyway).",
        discussion: """
            Creates the data directory (0700), its database, the log's signing key and the installation \
            secrets, and prints where. Running it on an existing installation changes nothing. Reads of a \
            missing installation fail (exit 66) instead of creating one, so scripts that set one up before \
            reading call this first.
            """)

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    struct Created: Encodable {
        var dataDirectory: String
        var logOrigin: String
        enum CodingKeys: String, CodingKey {
            case dataDirectory = "data_directory"
            case logOrigin = "log_origin"
        }
    }

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let app = try global.openApp(creating: true)
            let key = try await app.evidence.logKey(by: try EvidenceReader.principal())
            // swift-format-ignore: NeverForceUnwrap
            let created = Created(dataDirectory: app.dataDirectory!.path, logOrigin: key.name)
            if output.json { return Output.printResult(created) }
            print("installation in \(created.dataDirectory) (log \(created.logOrigin))")
        }
    }
}
