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

/// The example data map's CRM store and a processor, with the CRM at `path`.
func crmMap(_ path: String, identityColumn: String = "email") -> String {
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
      - name: billing
        kind: postgres
        owner: finance
        connection: "postgresql://lethe:change-me-7731@billing.internal/billing"
        categories: [user.name]
        identity:
          table: accounts
          column: customer_number
          erase: delete-row
      - name: mailer
        kind: processor
        owner: marketing
        contact: privacy@mailer.example
        categories: [user.contact.email]

    """
}

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

@Test func applyIsIdempotentAndSealsTheConnectionString() throws {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let map = installation.root.write("stores.yaml", crmMap(crm))
    let first = try installation.app.applyStores(file: map, actor: "dpo")
    #expect(first.map(\.change) == ["added", "added", "added"])
    let second = try installation.app.applyStores(file: map, actor: "dpo")
    #expect(second.map(\.change) == ["unchanged", "unchanged", "unchanged"])
    #expect(try installation.count("event") == 3)
    let billing = try installation.app.showStore(name: "billing")
    #expect(billing.json["connection"]?.stringValue == "<secret>")
    #expect(try filesContaining("change-me-7731", under: installation.dataDirectory.path).isEmpty)
}

@Test func aDataMapErrorNamesFileLineAndColumnAndRegistersNothing() throws {
    let installation = try TestInstallation()
    let map = installation.root.write("stores.yaml", "stores:\n  - name: crm\n    kind: oracle\n    owner: x\n")
    do {
        _ = try installation.app.applyStores(file: map, actor: "dpo")
        Issue.record("an unknown kind was accepted")
    } catch {
        #expect(error.code == .invalidInput)
        #expect((error.details + [error.message]).contains { $0.contains("stores.yaml:3:") }, "\(error)")
    }
    #expect(try installation.app.listStores().isEmpty)
}

@Test func anIdentityColumnThatDoesNotExistIsRefusedAtApply() throws {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    let map = installation.root.write("stores.yaml", crmMap(crm, identityColumn: "e_mail"))
    do {
        _ = try installation.app.applyStores(file: map, actor: "dpo")
        Issue.record("a missing identity column was accepted")
    } catch {
        #expect(error.message.contains("e_mail"), "\(error)")
    }
    #expect(try installation.app.listStores().isEmpty)
}

@Test func theWholeErasureLeavesNoRawIdentifierInLethesDataDirectory() throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crmDirectory = installation.root.file("crm")
    try FileManager.default.createDirectory(atPath: crmDirectory, withIntermediateDirectories: true)
    let crm = crmDirectory + "/crm.sqlite"
    try makeCRM(at: crm)
    _ = try app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    let scanned = try app.scanStore(name: "crm", actor: "dpo")
    #expect(scanned.read == 3 && scanned.added == 3)
    let csv = installation.root.write(
        "holdings.csv", "identifier,store\nada@example.com,mailer\nzed.unique@example.com,mailer\n")
    #expect(try app.importHoldings(file: csv, actor: "dpo").added == 2)

    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    #expect(request.parts.map(\.action) == [.execute, .attest])
    #expect(request.request.dueAt == installation.clock.now.addingTimeInterval(30 * 86_400).rounded)
    let outcomes = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    #expect(outcomes.count == 1)
    #expect(outcomes[0].part.state == "done", "\(outcomes)")
    #expect(outcomes[0].part.outcome["residue_clean"] == .bool(true))
    #expect(try filesContaining("ada@example.com", under: crmDirectory).isEmpty)
    #expect(try !filesContaining("grace@example.org", under: crmDirectory).isEmpty)
    _ = try app.attestErasure(
        id: request.request.id, store: "mailer", notes: "mailer ticket 5521", evidence: nil, actor: "dpo")
    #expect(try app.erasureDetails(id: request.request.id).request.state == "completed")

    for identifier in ["ada@example.com", "zed.unique@example.com", "grace@example.org", "alan@example.net"] {
        #expect(try filesContaining(identifier, under: installation.dataDirectory.path).isEmpty, "\(identifier)")
    }
    #expect(try !filesContaining("mailer ticket 5521", under: installation.dataDirectory.path).isEmpty)
}

@Test func aRunWithAnotherIdentifierErasesNothing() throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    _ = try app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    _ = try app.scanStore(name: "crm", actor: "dpo")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .objection, policies: testPolicies, actor: "dpo")
    #expect(throws: LetheError.self) {
        try app.runErasure(id: request.request.id, identifier: "grace@example.org", actor: "dpo")
    }
    #expect(try app.erasureDetails(id: request.request.id).parts[0].state == "pending")
}

@Test func aLockedOrMissingStoreFailsThePartAndLeavesTheDatabaseUnchanged() throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    _ = try app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    _ = try app.scanStore(name: "crm", actor: "dpo")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    let before = try Data(contentsOf: URL(fileURLWithPath: crm))

    let lock = try SQLiteLockHolder(path: crm)
    let locked = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    lock.release()
    #expect(locked[0].part.state == "failed")
    #expect(locked[0].part.outcome["error_code"] == "locked", "\(locked)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: crm)) == before)
    #expect(try app.erasureDetails(id: request.request.id).request.state == "open")

    let moved = crm + ".away"
    try FileManager.default.moveItem(atPath: crm, toPath: moved)
    let missing = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    #expect(missing[0].part.state == "failed")
    #expect(missing[0].part.outcome["error"]?.stringValue?.contains("crm") == true, "\(missing)")
    #expect(!FileManager.default.fileExists(atPath: crm), "a missing store must not be created")
    try FileManager.default.moveItem(atPath: moved, toPath: crm)

    let again = try app.runErasure(id: request.request.id, identifier: "ada@example.com", actor: "dpo")
    #expect(again[0].part.state == "done", "\(again)")
    #expect(try app.erasureDetails(id: request.request.id).request.state == "completed")
}

@Test func aSubjectWithNoHoldingsIsRecordedWithAnEmptyPlan() throws {
    let installation = try TestInstallation()
    let details = try installation.app.requestErasure(
        identifier: "nobody@example.com", reason: .other, policies: testPolicies, actor: "dpo")
    #expect(details.parts.isEmpty)
    #expect(details.request.state == "completed")
    #expect(try installation.app.listErasures(overdue: false).count == 1)
}

@Test func aHoldingsFileWithABadRowRecordsNothingAndNamesTheLines() throws {
    let installation = try TestInstallation()
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    _ = try installation.app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    let csv = installation.root.write(
        "h.csv", "identifier,store\nada@example.com,mailer\nbob@example.com,nowhere\n,mailer\n")
    do {
        _ = try installation.app.importHoldings(file: csv, actor: "dpo")
        Issue.record("a bad holdings file was imported")
    } catch {
        #expect(error.details.contains { $0.contains("h.csv:3:") && $0.contains("nowhere") }, "\(error)")
        #expect(error.details.contains { $0.contains("h.csv:4:") }, "\(error)")
    }
    #expect(try installation.app.listStores().allSatisfy { $0.holdings == 0 })
}

extension Date {
    fileprivate var rounded: Date { Date(timeIntervalSince1970: floor(timeIntervalSince1970)) }
}

@Test func anOpenRequestPastItsDueDateIsListedAsOverdue() throws {
    let installation = try TestInstallation()
    let app = installation.app
    _ = try app.applyStores(
        file: installation.root.write(
            "stores.yaml",
            "stores:\n  - name: mailer\n    kind: processor\n    owner: m\n    contact: a@b\n    categories: []\n"),
        actor: "dpo")
    _ = try app.importHoldings(
        file: installation.root.write("h.csv", "identifier,store\nada@example.com,mailer\n"), actor: "dpo")
    let request = try app.requestErasure(
        identifier: "ada@example.com", reason: .withdrawal, policies: testPolicies, actor: "dpo")
    #expect(try app.listErasures(overdue: true).isEmpty)
    installation.clock.advance(31 * 86_400)
    #expect(try app.listErasures(overdue: true).map(\.id) == [request.request.id])
    _ = try app.attestErasure(id: request.request.id, store: "mailer", notes: "confirmed", evidence: nil, actor: "dpo")
    #expect(try app.listErasures(overdue: true).isEmpty)
}

@Test func aResidueScanOfFilesReportsLinesNotIdentifiers() throws {
    let installation = try TestInstallation()
    let list = installation.root.write("erased.txt", "ada@example.com\nbob@example.com\n")
    let export = installation.root.write("export.csv", "id,email\n1,grace@example.org\n2,BOB@example.com\n")
    let plain = try installation.app.scanFilesForResidue(files: [export], identifiersFile: list, caseInsensitive: false)
    #expect(plain.report.clean)
    let folded = try installation.app.scanFilesForResidue(
        files: [export], identifiersFile: list, caseInsensitive: true)
    #expect(folded.report.totalMatches == 1)
    #expect(folded.report.matches.first?.patternIndex == 1)
    #expect(folded.report.matches.first?.offset == 31)  // 9 + 20 bytes of earlier lines, then "2,"
}

@Test func aRepeatedScanRecordsOnlyTheNewSubjects() throws {
    let installation = try TestInstallation()
    let app = installation.app
    let crm = installation.root.file("crm.sqlite")
    try makeCRM(at: crm)
    _ = try app.applyStores(file: installation.root.write("stores.yaml", crmMap(crm)), actor: "dpo")
    let csv = installation.root.write("h.csv", "identifier,store\nalan@example.net,crm\nnew.one@example.com,crm\n")
    #expect(try app.importHoldings(file: csv, actor: "dpo").added == 2)
    let first = try app.scanStore(name: "crm", actor: "dpo")
    #expect(first.read == 3 && first.added == 2, "\(first)")  // Ada and Grace; Alan was imported
    #expect(try app.scanStore(name: "crm", actor: "dpo").added == 0)
    #expect(try app.showStore(name: "crm").holdings == 4)
}
