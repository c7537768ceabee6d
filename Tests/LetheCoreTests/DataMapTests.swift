import Foundation
import LetheCore
import Testing

@Suite struct DataMapTests {
    static let exampleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/examples/crm-store.yaml")

    @Test func parsesTheDocumentedExample() throws {
        let text = try String(contentsOf: Self.exampleURL, encoding: .utf8)
        let map = try DataMap.parse(yaml: text, file: "crm-store.yaml")
        #expect(map.stores.map(\.name) == ["crm", "billing", "exports-share", "mailer", "sales-laptop-17"])
        let crm = try #require(map.store(named: "crm"))
        #expect(crm.kind == .sqlite(path: "/var/lib/crm/crm.sqlite"))
        #expect(crm.categories.contains(DataCategory("user.contact.email")!))
        let plan = try #require(crm.erasure)
        #expect(plan.identityTable == "customers" && plan.identityColumn == "email" && plan.keyColumn == "id")
        #expect(plan.normalization == .lowercaseTrim)
        #expect(
            plan.identityErasure
                == .columns([
                    .init(column: "email", action: .keyedHash), .init(column: "name", action: .setNull),
                    .init(column: "phone", action: .replace("erased")), .init(column: "notes", action: .setNull),
                ]))
        #expect(plan.references.map(\.table) == ["orders", "tickets"])
        #expect(plan.references[1].erasure == .deleteRow)
        let billing = try #require(map.store(named: "billing"))
        guard case .postgres(let secret) = billing.kind else {
            Issue.record("billing should be postgres")
            return
        }
        #expect("\(secret)" == "<secret>")
        #expect(!"\(billing)".contains("change-me"))
        #expect(billing.erasure?.keyColumn == "customer_number")
        #expect(map.store(named: "sales-laptop-17")?.kind == .device(assetTag: "LT-0017"))
    }

    /// Parses and returns the error's message and details in one text.
    private func problems(_ yaml: String) -> String {
        do {
            _ = try DataMap.parse(yaml: yaml, file: "map.yaml")
            return ""
        } catch {
            return error.description
        }
    }

    private let good = """
        stores:
          - name: crm
            kind: sqlite
            owner: ops
            connection: /tmp/crm.sqlite
            categories: [user.contact.email]
            identity:
              table: customers
              column: email
              erase: delete-row

        """

    @Test func theGoodBaselineParses() {
        #expect(problems(good) == "")
    }

    @Test func unknownKeyIsReportedWithLineAndColumn() {
        let text = problems(good + "    colour: blue\n")
        #expect(text.contains("map.yaml:11:5: unknown key 'colour' in a store"))
    }

    @Test func unknownKindAndActionAndCategoryAreAllReported() {
        let yaml = """
            stores:
              - name: crm
                kind: mysql
                owner: ops
                categories: [user.contact.email, user.shoe_size]
              - name: db2
                kind: sqlite
                owner: ops
                connection: /tmp/db2.sqlite
                categories: []
                identity:
                  table: customers
                  column: email
                  erase: { email: shred }
            """
        let text = problems(yaml)
        #expect(text.contains("map.yaml:3:11: unknown kind 'mysql'"))
        #expect(text.contains("map.yaml:5:38: unknown data category 'user.shoe_size'"))
        #expect(text.contains("map.yaml:14:23: unknown erasure action 'shred' for column 'email'"))
        #expect(text.contains("3 problems"))
    }

    @Test func anUnknownCategoryListsTheValidNamesAndTheDocumentNotASwiftType() {
        let yaml = good.replacingOccurrences(of: "categories: [", with: "categories: [user.shoe_size, ")
        let text = problems(yaml)
        #expect(text.contains("unknown data category 'user.shoe_size'"))
        #expect(text.contains("docs/data-map.md"))
        #expect(!text.contains("DataCategory"))
        for entry in DataCategory.taxonomy { #expect(text.contains(entry.name)) }
    }

    @Test func missingIdentityColumnIsReportedAtTheIdentityMapping() {
        let yaml = good.replacingOccurrences(of: "      column: email\n", with: "")
        #expect(problems(yaml).contains("map.yaml:8:7: the identity of store 'crm' is missing the key 'column'"))
    }

    @Test func wrongTypesAreReported() {
        #expect(problems("stores: crm\n").contains("map.yaml:1:9: 'stores' must be a list"))
        let text = problems(good.replacingOccurrences(of: "[user.contact.email]", with: "user.contact.email"))
        #expect(text.contains("map.yaml:6:17: 'categories' must be a list"))
        let erase = problems(good.replacingOccurrences(of: "erase: delete-row", with: "erase: [email]"))
        #expect(erase.contains("map.yaml:10:14: 'erase' must be delete-row or a non-empty mapping"))
    }

    @Test func anIdentityErasureThatKeepsTheIdentifierIsRefused() {
        let yaml = good.replacingOccurrences(of: "erase: delete-row", with: "erase: { name: set-null }")
        #expect(problems(yaml).contains("map.yaml:10:14: the erasure of the identity table keeps column 'email'"))
    }

    @Test func duplicateStoresAndMisplacedKeysAreReported() {
        let twice = good + good.replacingOccurrences(of: "stores:\n", with: "")
        #expect(problems(twice).contains("store 'crm' is declared twice"))
        let misplaced = good.replacingOccurrences(of: "connection:", with: "location:")
        #expect(problems(misplaced).contains("'location' does not apply to a sqlite store; use 'connection'"))
        let noIdentity = """
            stores:
              - { name: crm, kind: sqlite, owner: ops, connection: /x, categories: [user] }
            """
        #expect(
            problems(noIdentity).contains("map.yaml:2:5: store 'crm' is a database and needs an 'identity' section"))
    }

    @Test func everyTaxonomyEntryIsAcceptedAndChildrenAreWithinParents() throws {
        for entry in DataCategory.taxonomy { #expect(DataCategory(entry.name) != nil) }
        #expect(DataCategory("user.contact.email")!.isWithin(DataCategory("user.contact")!))
        #expect(!DataCategory("user.contact")!.isWithin(DataCategory("user.contact.email")!))
        #expect(DataCategory("user.nonsense") == nil)
    }
}
