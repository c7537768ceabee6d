import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe store`: the data map — where customer data lives.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Register the data stores that hold customer data, list them, and scan their holdings.",
        discussion: """
            Stores are declared in a YAML data map (see docs/data-map.md). Connection strings are kept \
            sealed under the installation key and never shown.
            """,
        subcommands: [StoreApply.self, StoreList.self, StoreShow.self, StoreScan.self]
    )
}

/// `lethe store apply FILE`.
struct StoreApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Register or update every store a data map declares (idempotent).",
        discussion: """
            Every problem in the file is reported with file:line:column and nothing is registered. \
            A SQLite store whose database exists is checked against its schema first. Each \
            residue entry of a postgres store (WAL archive, dump, replica) becomes a rolling backup \
            of the store, kept in step with the map.

            Examples:
              lethe store apply crm-store.yaml
              lethe store apply crm-store.yaml --json
            """)

    @Argument(help: "The data map (YAML).") var file: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            guard let data = FileManager.default.contents(atPath: file) else {
                throw LetheError(.notFound, "cannot read the data map \(file): no such readable file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw LetheError(.invalidInput, "\(file): the data map is not UTF-8 text")
            }
            let directory = (CommandLinePath.absolute(file) as NSString).deletingLastPathComponent
            let result = try await global.openApp(creating: true).erasure.applyDataMap(
                yaml: text, fileName: file, baseDirectory: directory, by: try write.principal())
            if output.json { return Output.printResult(result) }
            for change in result.stores {
                print("store \(change.name): \(change.change.rawValue)")
                for residue in change.residue {
                    print("  residue \(residue.name): \(residue.change.rawValue) (rolling backup \(residue.backup))")
                }
            }
        }
    }
}

/// `lethe store list`.
struct StoreList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List registered stores with the number of subjects each holds.")

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let result = try await global.openApp().erasure.listStores(by: try ErasureCLI.reader())
            if output.json { return Output.printResult(result) }
            let stores = result.stores
            Output.printTable(
                header: ["STORE", "KIND", "OWNER", "SUBJECTS", "CATEGORIES"],
                rows: stores.map {
                    [
                        $0.declaration.name, $0.declaration.kind.word, $0.declaration.owner, "\($0.holdings)",
                        $0.declaration.categories.map(\.name).joined(separator: ","),
                    ]
                })
        }
    }
}

/// `lethe store show NAME`.
struct StoreShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a store's declaration (connection strings read <secret>).")

    @Argument(help: "The store's name.") var name: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let store = try await global.openApp().erasure.showStore(name, by: try ErasureCLI.reader())
            if output.json { return Output.printResult(store) }
            let json = store.json
            print("store \(store.declaration.name) (\(store.declaration.kind.word)), owner \(store.declaration.owner)")
            print("  subjects held: \(store.holdings)")
            print("  categories: \(store.declaration.categories.map(\.name).joined(separator: ", "))")
            for key in ["connection", "location", "contact", "asset_tag"] {
                if let value = json[key]?.stringValue { print("  \(key): \(value)") }
            }
            if let plan = store.declaration.erasure {
                print(
                    "  identity: \(plan.identityTable).\(plan.identityColumn) (key \(plan.keyColumn), \(plan.normalization.rawValue))"
                )
                for reference in plan.references { print("  reference: \(reference.table).\(reference.column)") }
            }
            for residue in store.declaration.residue {
                let retention = residue.retention.map { ", retention \($0)" } ?? ""
                let media = residue.media.map { ", on \($0)" } ?? ""
                print("  residue \(residue.name): \(residue.kind.rawValue) at \(residue.location)\(retention)\(media)")
            }
            print("  applied: \(RFC3339.format(store.appliedAt))")
        }
    }
}

/// `lethe store scan NAME`.
struct StoreScan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Record the store's holdings: read its identity column, keeping keyed hashes only.",
        discussion: """
            Only SQLite stores can be scanned; record other stores' holdings with 'lethe holding import'.

            Example:
              lethe store scan crm
            """)

    @Argument(help: "The store's name.") var name: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let result = try await global.openApp().erasure.scanStore(name, by: try write.principal())
            if output.json { return Output.printResult(result) }
            print("store \(name): \(result.identitiesRead) identities read, \(result.added) new holdings")
        }
    }
}

/// `lethe holding`: holdings recorded from other systems.
struct HoldingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holding", abstract: "Record which stores hold which subjects (as keyed hashes only).",
        subcommands: [HoldingImport.self])
}

/// `lethe holding import FILE.csv`.
struct HoldingImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import holdings from a CSV file with the header identifier,store.",
        discussion: """
            Each identifier is hashed at once with its store's normalisation; only the hash is kept. \
            All or nothing: a bad row is reported with its line number and nothing is recorded.

            Example:
              lethe holding import holdings.csv
            """)

    @Argument(help: "The CSV file (identifier,store).") var file: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw LetheError(.notFound, "cannot read \(file): no such readable file")
            }
            let path = file
            let result = try await global.openApp().erasure.importHoldings(
                csv: HoldingsSource { InputStream(fileAtPath: path) }, fileName: file, by: try write.principal())
            if output.json { return Output.printResult(result) }
            print("\(result.rows) rows read, \(result.added) new holdings")
        }
    }
}
