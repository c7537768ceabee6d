import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe asset import FILE.csv`.
struct AssetImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import assets from a CSV file, all or nothing.",
        discussion: """
            Formats:
              lethe     columns asset_tag, media_type, classification (required), serial, make, model,
                        capacity, location, custodian, encryption, parent_tag, notes, state
              snipeit   a Snipe-IT asset export or importer file: Asset Tag, Serial (Serial Number),
                        Model (Model Name), Model No., Manufacturer, Category, Status, Location,
                        Checked Out To (Full Name, Username, Email, First/Last Name), Notes; headers
                        match ignoring case. Every other column is listed as ignored in the summary.
                        Categories and status labels map through the built-in mapping, extended by
                        --mapping FILE

            Any bad row fails the whole import: the first 50 problems are listed with line, column, \
            value and reason, and nothing is written.

            Examples:
              lethe asset import assets.csv --dry-run
              lethe asset import snipeit-export.csv --format snipeit --mapping snipeit-mapping.yaml
              lethe asset import assets.csv --update
            """)

    @Argument(help: "The CSV file (RFC 4180, UTF-8).") var file: String
    @Option(help: "Column layout: lethe or snipeit.") var format: String = "lethe"
    @Option(help: "A YAML file extending the Snipe-IT mapping of categories and status labels.") var mapping: String?
    @Flag(help: "Update assets that are already registered, by tag.") var update = false
    @Flag(help: "Check the file only; write nothing.") var dryRun = false
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard ImportFormat(rawValue: format) != nil else { throw ValidationError("--format must be lethe or snipeit") }
        if mapping != nil && format != "snipeit" { throw ValidationError("--mapping goes with --format snipeit") }
    }

    static func describe(_ column: IgnoredColumn) -> String {
        switch column.reason {
        case .notUsed: "column \(column.column) '\(column.name)': Lethe has no such field"
        case .duplicate(let first): "column \(column.column) '\(column.name)': column \(first) already gives this field"
        }
    }

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            var request = ImportRequest(
                fileName: (file as NSString).lastPathComponent, format: ImportFormat(rawValue: format)!,
                update: update, dryRun: dryRun)
            if let mapping {
                guard let text = try? String(contentsOfFile: mapping, encoding: .utf8) else {
                    throw LetheError(.notFound, "cannot read the mapping file \(mapping)")
                }
                request.mappingFile = NamedText(name: mapping, text: text)
            }
            guard FileManager.default.isReadableFile(atPath: file), let handle = FileHandle(forReadingAtPath: file)
            else {
                throw LetheError(.notFound, "cannot read \(file): no such readable file")
            }
            defer { try? handle.close() }
            let showProgress = Output.standardErrorIsTerminal && !output.json
            let summary = try await global.openApp(creating: true).assets.importAssets(
                request, from: FileHandleBytes(handle, name: file), by: try write.principal()
            ) { rows in
                if showProgress && rows % 20_000 < 2_000 { Output.progress("read \(rows) rows…") }
            }
            if showProgress { Output.progress(nil) }
            if output.json {
                Output.printResult(summary)
            } else {
                let verb = summary.dryRun ? "would register" : "registered"
                print(
                    "\(summary.dryRun ? "dry run: " : "")\(summary.rows) rows valid; \(verb) \(summary.registered), updated \(summary.updated), unchanged \(summary.unchanged) (sha256 \(summary.sha256.prefix(16))…)"
                )
                if !summary.ignoredColumns.isEmpty {
                    print(
                        "ignored \(summary.ignoredColumns.count) column\(summary.ignoredColumns.count == 1 ? "" : "s"):"
                    )
                    for column in summary.ignoredColumns { print("  \(Self.describe(column))") }
                }
            }
        }
    }
}
