import Foundation
import LetheCore
import Testing

/// The `vacuum:` key of a postgres store.
@Suite struct DataMapVacuumTests {
    static func map(kind: String, connection: String, vacuum: String?) -> String {
        """
        stores:
          - name: crm
            kind: \(kind)
            owner: sales
            connection: "\(connection)"
        \(vacuum.map { "    vacuum: \($0)\n" } ?? "")    categories: []
            identity: {table: customers, column: email, erase: delete-row}
        """
    }

    @Test func postgresStoresDeclareTheirVacuumPlainByDefault() throws {
        let url = "postgresql://u:p@db/crm"
        #expect(
            try DataMap.parse(yaml: Self.map(kind: "postgres", connection: url, vacuum: nil), file: "m").stores[0]
                .vacuum == .plain)
        for word in ["plain", "full", "none"] {
            let store = try DataMap.parse(yaml: Self.map(kind: "postgres", connection: url, vacuum: word), file: "m")
                .stores[0]
            #expect(store.vacuum.rawValue == word)
        }
    }

    @Test func anUnknownVacuumOrOneOnASQLiteStoreIsRefusedWithItsPlace() {
        let unknown = #expect(throws: LetheError.self) {
            _ = try DataMap.parse(
                yaml: Self.map(kind: "postgres", connection: "postgresql://u@db/crm", vacuum: "always"), file: "m.yaml")
        }
        #expect(
            unknown?.message.contains("unknown vacuum 'always'; use plain, full or none") == true
                || unknown?.details.contains { $0.contains("unknown vacuum 'always'") } == true)
        let sqlite = #expect(throws: LetheError.self) {
            _ = try DataMap.parse(
                yaml: Self.map(kind: "sqlite", connection: "/tmp/crm.sqlite", vacuum: "full"), file: "m.yaml")
        }
        #expect(
            sqlite?.message.contains("'vacuum' applies only to postgres stores") == true
                || sqlite?.details.contains { $0.contains("'vacuum' applies only to postgres stores") } == true)
    }
}
