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
        guard let (_, session) = await currentSession(request) else {
            throw LetheError(.unauthenticated, "your session has ended; sign in again")
        }
        let view = ConsoleView(principal: session.principal, csrf: session.csrfToken)
        let body = try await request.body.collect(upTo: Self.maxImportBytes)
        let form = try ConsoleMultipart(
            Array(buffer: body), contentType: request.headers[.contentType] ?? "")
        guard ConsoleSessions.constantTimeEqual(form.fields["csrf"] ?? "", session.csrfToken) else {
            throw LetheError(.forbidden, "the form was not sent from this session's page (CSRF check); reload the page")
        }
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
