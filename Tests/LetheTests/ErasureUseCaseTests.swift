import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// A CRM database made with the system's sqlite3 (WAL, no secure_delete): Ada is customer 1.
func makeCRM(at path: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path]
    let input = Pipe()
    process.standardInput = input
    try process.run()
    input.fileHandleForWriting.write(
        Data(
            """
            PRAGMA journal_mode = wal;
            PRAGMA secure_delete = OFF;
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, phone TEXT, notes TEXT);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                                 total INTEGER NOT NULL, shipping_address TEXT);
            CREATE TABLE tickets (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), body TEXT);
            INSERT INTO customers VALUES (1, 'Ada@Example.com', 'Ada Lovelace', '+44 20 7946 0001', 'prefers e-mail'),
                (2, 'grace@example.org', 'Grace Hopper', '+1 555 0100', NULL), (3, 'alan@example.net', 'Alan Turing', NULL, NULL);
            INSERT INTO orders (customer_id, total, shipping_address) VALUES (1, 120, '12 St James Sq, for ada@example.com'),
                (2, 80, 'Arlington'), (1, 40, '12 St James Sq');
            INSERT INTO tickets (customer_id, body) VALUES (1, 'please write to ada@example.com'), (3, 'hello');

            """.utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
}

/// An installation with the crm store (SQLite at `crm`, its three customers) and the mailer
/// processor declared, nothing scanned yet.
func installationWithCRM() async throws -> (installation: TestInstallation, crm: String) {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    _ = try await installation.app.erasure.applyDataMap(
        file: installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo")
    ).stores
    return (installation, crm)
}

/// The crm store (SQLite at `path`) and the mailer processor; with `billing`, also a PostgreSQL
/// store no test can reach (never scanned: every request would then plan a search of it).
func crmMap(_ path: String, identityColumn: String = "email", billing: Bool = false) -> String {
    """
    version: 1
    stores:
      - name: crm
        kind: sqlite
        owner: sales-operations
        connection: \(path)
        categories: [user.contact.email, user.name]
        identity_normalization: lowercase-trim
        identity:
          table: customers
          column: \(identityColumn)
          key: id
          erase:
            email: keyed-hash
            name: set-null
            phone: { replace: "erased" }
            notes: set-null
        references:
          - table: orders
            column: customer_id
            erase:
              shipping_address: { replace: "[erased]" }
          - table: tickets
            column: customer_id
            erase: delete-row
    \(billing ? billingStore : "")
      - name: mailer
        kind: processor
        owner: marketing
        contact: privacy@mailer.example
        categories: [user.contact.email]

    """
}

private let billingStore = """
      - name: billing
        kind: postgres
        owner: finance
        connection: "postgresql://lethe:change-me-7731@billing.internal/billing"
        categories: [user.name]
        identity:
          table: accounts
          column: customer_number
          erase: delete-row

    """

let testPolicies = LoadedPolicies(
    directory: "/none", files: [], set: PolicySet(sanitization: []), version: String(repeating: "a", count: 64))

/// Every file under `directory` (recursively), read whole.
func filesContaining(_ needle: String, under directory: String) throws -> [String] {
    let lowered = Array(needle.lowercased().utf8)
    var found: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let name = enumerator?.nextObject() as? String {
        let path = directory + "/" + name
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            continue
        }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path))).map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        if bytes.count >= lowered.count,
            (0...(bytes.count - lowered.count)).contains(where: {
                bytes[$0..<$0 + lowered.count].elementsEqual(lowered)
            })
        {
            found.append(name)
        }
    }
    return found
}

@Test func applyIsIdempotentAndSealsTheConnectionString() async throws {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let map = installation.root.write("stores.yaml", crmMap(crm, billing: true))
    let first = try await installation.app.erasure.applyDataMap(file: map, by: .dataOfficer("dpo")).stores
    #expect(first.map(\.change) == [.added, .added, .added])
    let second = try await installation.app.erasure.applyDataMap(file: map, by: .dataOfficer("dpo")).stores
    #expect(second.map(\.change) == [.unchanged, .unchanged, .unchanged])
    #expect(try installation.count("event") == 3)
    let billing = try await installation.app.erasure.showStore("billing", by: .dataOfficer("reader"))
    #expect(billing.json["connection"]?.stringValue == "<secret>")
    #expect(try filesContaining("change-me-7731", under: installation.dataDirectory.path).isEmpty)
}

@Test func aDataMapErrorNamesFileLineAndColumnAndRegistersNothing() async throws {
    let installation = try TestInstallation()
    let map = installation.root.write("stores.yaml", "stores:\n  - name: crm\n    kind: oracle\n    owner: x\n")
    do {
        _ = try await installation.app.erasure.applyDataMap(file: map, by: .dataOfficer("dpo")).stores
        Issue.record("an unknown kind was accepted")
    } catch {
        #expect(error.code == .invalidInput)
        #expect((error.details + [error.message]).contains { $0.contains("stores.yaml:3:") }, "\(error)")
    }
    #expect(try await installation.app.erasure.listStores(by: .dataOfficer("reader")).stores.isEmpty)
}

@Test func anIdentityColumnThatDoesNotExistIsRefusedAtApply() async throws {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let map = installation.root.write("stores.yaml", crmMap(crm, identityColumn: "e_mail"))
    do {
        _ = try await installation.app.erasure.applyDataMap(file: map, by: .dataOfficer("dpo")).stores
        Issue.record("a missing identity column was accepted")
    } catch {
        #expect(error.message.contains("e_mail"), "\(error)")
    }
    #expect(try await installation.app.erasure.listStores(by: .dataOfficer("reader")).stores.isEmpty)
}

@Test func theWholeErasureLeavesNoRawIdentifierInLethesDataDirectory() async throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crmDirectory = installation.root.file("crm")
    try FileManager.default.createDirectory(atPath: crmDirectory, withIntermediateDirectories: true)
    let crm = crmDirectory + "/crm.sqlite"
    try makeCRM(at: crm)
    _ = try await app.erasure.applyDataMap(
        file: installation.root.write("stores.yaml", crmMap(crm)), by: .dataOfficer("dpo")
    ).stores
    let scanned = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    #expect(scanned.identitiesRead == 3 && scanned.added == 3)
    let csv = installation.root.write(
        "holdings.csv", "identifier,store\nada@example.com,mailer\nzed.unique@example.com,mailer\n")
    #expect(try await app.erasure.importHoldings(file: csv, by: .dataOfficer("dpo")).added == 2)

    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(request.parts.map(\.action) == [.execute, .attest])
    #expect(request.request.dueAt == installation.clock.now.addingTimeInterval(30 * 86_400).rounded)
    let outcomes = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo"))
        .parts
    #expect(outcomes.count == 1)
    #expect(outcomes[0].part.state == .done, "\(outcomes)")
    #expect(outcomes[0].part.outcome["residue_clean"] == .bool(true))
    #expect(try filesContaining("ada@example.com", under: crmDirectory).isEmpty)
    #expect(try !filesContaining("grace@example.org", under: crmDirectory).isEmpty)
    _ = try await app.erasure.attest(
        request.request.id, store: "mailer", notes: "mailer ticket 5521", evidence: nil, by: .dataOfficer("dpo")
    ).part
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .completed)

    for identifier in ["ada@example.com", "zed.unique@example.com", "grace@example.org", "alan@example.net"] {
        #expect(try filesContaining(identifier, under: installation.dataDirectory.path).isEmpty, "\(identifier)")
    }
    #expect(try !filesContaining("mailer ticket 5521", under: installation.dataDirectory.path).isEmpty)
}

@Test func aRunWithAnotherIdentifierErasesNothing() async throws {
    let (installation, _) = try await installationWithCRM()
    let app = installation.app
    _ = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .objection, policies: testPolicies, by: .dataOfficer("dpo"))
    await #expect(throws: LetheError.self) {
        try await app.erasure.run(request.request.id, identifier: "grace@example.org", by: .dataOfficer("dpo")).parts
    }
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).parts[0].state == .pending)
}

@Test func aLockedOrMissingStoreFailsThePartAndLeavesTheDatabaseUnchanged() async throws {
    let (installation, crm) = try await installationWithCRM()
    let app = installation.app
    _ = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    let before = try Data(contentsOf: URL(fileURLWithPath: crm))

    let lock = try SQLiteLockHolder(path: crm)
    let locked = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo"))
        .parts
    lock.release()
    #expect(locked[0].part.state == .failed)
    #expect(locked[0].part.outcome["error_code"] == "locked", "\(locked)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: crm)) == before)
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .open)

    let moved = crm + ".away"
    try FileManager.default.moveItem(atPath: crm, toPath: moved)
    let missing = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo"))
        .parts
    #expect(missing[0].part.state == .failed)
    #expect(missing[0].part.outcome["error"]?.stringValue?.contains("crm") == true, "\(missing)")
    #expect(!FileManager.default.fileExists(atPath: crm), "a missing store must not be created")
    try FileManager.default.moveItem(atPath: moved, toPath: crm)

    let again = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo"))
        .parts
    #expect(again[0].part.state == .done, "\(again)")
    #expect(try await app.erasure.details(request.request.id, by: .dataOfficer("reader")).request.state == .completed)
}

@Test func aSubjectWithNoHoldingsIsRecordedWithAnEmptyPlan() async throws {
    let installation = try TestInstallation()
    let details = try await installation.app.erasure.request(
        identifier: "nobody@example.com", reason: .other, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(details.parts.isEmpty)
    #expect(details.request.state == .completed)
    #expect(try await installation.app.erasure.list(overdue: false, by: .dataOfficer("reader")).requests.count == 1)
}

@Test func aHoldingsFileWithABadRowRecordsNothingAndNamesTheLines() async throws {
    let (installation, _) = try await installationWithCRM()
    let csv = installation.root.write(
        "h.csv", "identifier,store\nada@example.com,mailer\nbob@example.com,nowhere\n,mailer\n")
    do {
        _ = try await installation.app.erasure.importHoldings(file: csv, by: .dataOfficer("dpo"))
        Issue.record("a bad holdings file was imported")
    } catch {
        #expect(error.details.contains { $0.contains("h.csv:3:") && $0.contains("nowhere") }, "\(error)")
        #expect(error.details.contains { $0.contains("h.csv:4:") }, "\(error)")
    }
    #expect(
        try await installation.app.erasure.listStores(by: .dataOfficer("reader")).stores.allSatisfy { $0.holdings == 0 }
    )
}

extension Date {
    fileprivate var rounded: Date { Date(timeIntervalSince1970: floor(timeIntervalSince1970)) }
}

@Test func anOpenRequestPastItsDueDateIsListedAsOverdue() async throws {
    let installation = try TestInstallation()
    let app = installation.app
    _ = try await app.erasure.applyDataMap(
        yaml: "stores:\n  - name: mailer\n    kind: processor\n    owner: m\n    contact: a@b\n    categories: []\n",
        fileName: "stores.yaml", by: .dataOfficer("dpo"))
    _ = try await app.erasure.importHoldings(
        file: installation.root.write("h.csv", "identifier,store\nada@example.com,mailer\n"), by: .dataOfficer("dpo"))
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    #expect(try await app.erasure.list(overdue: true, by: .dataOfficer("reader")).requests.isEmpty)
    installation.clock.advance(31 * 86_400)
    #expect(
        try await app.erasure.list(overdue: true, by: .dataOfficer("reader")).requests.map(\.id) == [request.request.id]
    )
    _ = try await app.erasure.attest(
        request.request.id, store: "mailer", notes: "confirmed", evidence: nil, by: .dataOfficer("dpo")
    ).part
    #expect(try await app.erasure.list(overdue: true, by: .dataOfficer("reader")).requests.isEmpty)
}

@Test func aResidueScanOfFilesReportsLinesNotIdentifiers() async throws {
    let installation = try TestInstallation()
    let list = installation.root.write("erased.txt", "ada@example.com\nbob@example.com\n")
    let export = installation.root.write("export.csv", "id,email\n1,grace@example.org\n2,BOB@example.com\n")
    let plain = try await installation.app.erasure.scanFiles(
        [export], identifiersFile: list, caseInsensitive: false, by: .dataOfficer("reader"))
    #expect(plain.report.clean)
    let folded = try await installation.app.erasure.scanFiles(
        [export], identifiersFile: list, caseInsensitive: true, by: .dataOfficer("reader"))
    #expect(folded.report.totalMatches == 1)
    #expect(folded.report.matches.first?.patternIndex == 1)
    #expect(folded.report.matches.first?.offset == 31)  // 9 + 20 bytes of earlier lines, then "2,"
}

@Test func aRepeatedScanRecordsOnlyTheNewSubjects() async throws {
    let (installation, _) = try await installationWithCRM()
    let app = installation.app
    let csv = installation.root.write("h.csv", "identifier,store\nalan@example.net,crm\nnew.one@example.com,crm\n")
    #expect(try await app.erasure.importHoldings(file: csv, by: .dataOfficer("dpo")).added == 2)
    let first = try await app.erasure.scanStore("crm", by: .dataOfficer("dpo"))
    #expect(first.identitiesRead == 3 && first.added == 2, "\(first)")  // Ada and Grace; Alan was imported
    #expect(try await app.erasure.scanStore("crm", by: .dataOfficer("dpo")).added == 0)
    #expect(try await app.erasure.showStore("crm", by: .dataOfficer("reader")).holdings == 4)
}

/// The walk-through declared a store whose scan then failed: a request for a subject in it was
/// completed at once with a signed record saying there was nothing to erase.
@Test func aDatabaseStoreNeverScannedIsSearchedWhenTheRequestRunsNotPassedOver() async throws {
    // Given a crm store declared but never scanned (no holdings recorded)
    let (installation, _) = try await installationWithCRM()
    let app = installation.app
    // When a subject it holds asks for erasure
    let request = try await app.erasure.request(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, by: .dataOfficer("dpo"))
    // Then the plan searches the store rather than saying nothing was held
    #expect(request.request.state == .open)
    #expect(request.parts.map(\.action) == [.execute])
    #expect(request.parts.first?.outcome["holdings_recorded"] == .bool(false))
    // And the run finds the subject there and erases it
    let run = try await app.erasure.run(request.request.id, identifier: "ada@example.com", by: .dataOfficer("dpo"))
    #expect(run.parts.first?.part.state == .done, "\(run.parts)")
    #expect(run.requestState == .completed)
    #expect(run.parts.first?.part.outcome["subject_rows"] == .integer(1))
    #expect(run.parts.first?.part.outcome["query_check_remaining_rows"] == .integer(0))
}
