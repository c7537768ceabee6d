import Foundation
import Lethe
import LetheCore

extension Principal {
    /// A local operator named `name`: every role, as the CLI's `--actor` makes (erasure and
    /// backup tests).
    public static func dataOfficer(_ name: String) -> Principal { try! Principal.localOperator(name) }

    /// A principal holding only `roles` (erasure and backup tests of authorization).
    public static func erasureTester(_ name: String, roles: Set<Role>) -> Principal {
        try! Principal(name: name, roles: roles, authentication: .apiToken)
    }
}

extension ErasureService {
    /// Applies the data map in the file at `path`, as a front end hands its text to the use case.
    public func applyDataMap(file path: String, by principal: Principal) async throws(LetheError) -> StoreApplyResult {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LetheError(.notFound, "cannot read the data map \(path)")
        }
        return try await applyDataMap(yaml: text, fileName: path, by: principal)
    }

    /// Imports the holdings CSV in the file at `path`, as a front end hands its bytes to the use case.
    public func importHoldings(
        file path: String, by principal: Principal
    ) async throws(LetheError) -> HoldingsImportResult {
        guard let csv = FileManager.default.contents(atPath: path) else {
            throw LetheError(.notFound, "cannot read \(path)")
        }
        return try await importHoldings(csv: .bytes(csv), fileName: path, by: principal)
    }

    /// Scans `files` for the identifiers listed one per line in the file at `list`.
    public func scanFiles(
        _ files: [String], identifiersFile list: String, store: String? = nil,
        caseInsensitive: Bool? = nil, by principal: Principal
    ) async throws -> FileResidueScan {
        let identifiers = ErasureService.identifiers(fromList: try Data(contentsOf: URL(fileURLWithPath: list)))
        return try await scanFiles(
            files, identifiers: identifiers, store: store, caseInsensitive: caseInsensitive, by: principal)
    }
}
