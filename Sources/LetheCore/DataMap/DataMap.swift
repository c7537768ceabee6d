import Yams

/// The declared places that hold customer data: a data-map file (`docs/data-map.md`,
/// example `docs/examples/crm-store.yaml`).
///
/// ```swift
/// let map = try DataMap.parse(yaml: text, file: "stores/crm.yaml")
/// for store in map.stores { … }
/// ```
public struct DataMap: Sendable, Hashable {
    /// The stores, in file order; names are unique.
    public var stores: [DataStoreDeclaration]

    /// Creates a data map.
    public init(stores: [DataStoreDeclaration]) { self.stores = stores }

    /// The store with this name, if declared.
    public func store(named name: String) -> DataStoreDeclaration? { stores.first { $0.name == name } }

    /// Parses a data-map document.
    ///
    /// Every problem found is reported with `file:line:column`; the error's message names the first,
    /// its `details` list all of them (at most 50).
    ///
    /// - Parameters:
    ///   - yaml: the document's text.
    ///   - file: the file name to show in errors.
    /// - Throws: `invalidInput` listing every problem with its place and what to write instead.
    public static func parse(yaml: String, file: String) throws(LetheError) -> DataMap {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw LetheError(.invalidInput, "\(file): not valid YAML: \(error)")
        }
        var parser = DataMapParser(file: file)
        let map = parser.parseRoot(root)
        if !parser.problems.isEmpty {
            let shown = Array(parser.problems.prefix(50))
            let count = parser.problems.count
            throw LetheError(
                .invalidInput,
                count == 1
                    ? parser.problems[0]
                    : "\(file): \(count) problems in the data map; the first: \(parser.problems[0])",
                details: count == 1 ? [] : shown, totalProblems: count == 1 ? 0 : count)
        }
        return map
    }
}
