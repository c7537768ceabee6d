import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe store`: the data map — where customer data lives.
struct StoreCommand: ParsableCommand {
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
struct StoreApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Register or update every store a data map declares (idempotent).",
        discussion: """
            Every problem in the file is reported with file:line:column and nothing is registered. \
            A SQLite store whose database exists is checked against its schema first.

            Examples:
              lethe store apply crm-store.yaml
              lethe store apply crm-store.yaml --json
            """)

    @Argument(help: "The data map (YAML).") var file: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let changes = try global.openApp(creating: true).applyStores(file: file, actor: write.actor)
            if output.json {
                Output.printJSON([
                    "stores": .array(changes.map { ["name": .string($0.name), "change": .string($0.change)] })
                ])
                return
            }
            for change in changes { print("store \(change.name): \(change.change)") }
        }
    }
}

/// `lethe store list`.
struct StoreList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List registered stores with the number of subjects each holds.")

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let stores = try global.openApp().listStores()
            if output.json {
                Output.printJSON(["stores": .array(stores.map(StoreView.json))])
                return
            }
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
struct StoreShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a store's declaration (connection strings read <secret>).")

    @Argument(help: "The store's name.") var name: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let store = try global.openApp().showStore(name: name)
            if output.json {
                Output.printJSON(StoreView.json(store))
                return
            }
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
            print("  applied: \(RFC3339.format(store.appliedAt))")
        }
    }
}

/// `lethe store scan NAME`.
struct StoreScan: ParsableCommand {
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

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let result = try global.openApp(creating: true).scanStore(name: name, actor: write.actor)
            if output.json {
                Output.printJSON([
                    "store": .string(name), "identities_read": .integer(Int64(result.read)),
                    "added": .integer(Int64(result.added)),
                ])
                return
            }
            print("store \(name): \(result.read) identities read, \(result.added) new holdings")
        }
    }
}

/// `lethe holding`: holdings recorded from other systems.
struct HoldingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holding", abstract: "Record which stores hold which subjects (as keyed hashes only).",
        subcommands: [HoldingImport.self])
}

/// `lethe holding import FILE.csv`.
struct HoldingImport: ParsableCommand {
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

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let result = try global.openApp(creating: true).importHoldings(file: file, actor: write.actor)
            if output.json {
                Output.printJSON([
                    "rows": .integer(Int64(result.read)), "added": .integer(Int64(result.added)),
                    "by_store": .object(result.byStore.mapValues { .integer(Int64($0)) }),
                ])
                return
            }
            print("\(result.read) rows read, \(result.added) new holdings")
        }
    }
}

/// JSON views of stores.
enum StoreView {
    static func json(_ store: StoreSummary) -> JSONValue {
        var object = store.json.objectValue ?? [:]
        object["subjects_held"] = .integer(Int64(store.holdings))
        object["applied_at"] = .string(RFC3339.format(store.appliedAt))
        return .object(object)
    }
}
