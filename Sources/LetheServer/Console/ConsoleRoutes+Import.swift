import Foundation
import Hummingbird
import Lethe
import LetheCore

extension ConsoleRoutes {
    /// The largest CSV file the console's upload form takes (larger files: the CLI or the API).
    static let maxImportBytes = 16 << 20

    /// Imports an uploaded CSV file (the register's own columns): all of it, or nothing when any
    /// row is bad, and then every bad row is listed with its line and column.
    func importAssets(_ request: Request, context: LetheRequestContext) async throws -> Response {
        try await upload(request, maxBytes: Self.maxImportBytes) { view, form in
            try await importAssets(request, form: form, view: view)
        }
    }

    private func importAssets(_ request: Request, form: ConsoleMultipart, view: ConsoleView) async throws -> Response {
        guard let file = form.files["file"], !file.bytes.isEmpty else {
            throw LetheError(.usage, "choose a CSV file to import")
        }
        let importRequest = ImportRequest(
            fileName: AssetRoutes.plainName(file.fileName), maxListedProblems: 1000)
        do {
            let summary = try await app.assets.importAssets(
                importRequest, from: InMemoryBytes(file.bytes), by: view.principal)
            return try await assetList(
                request, view: view,
                notice: "Imported \(importRequest.fileName): \(summary.rows) rows, \(summary.registered) registered.")
        } catch let error as LetheError where error.code == .invalidInput || error.code == .usage {
            return try await assetList(
                request, view: view, error: error.message, problems: error.details,
                status: Problem.status(for: error.code))
        }
    }
}
