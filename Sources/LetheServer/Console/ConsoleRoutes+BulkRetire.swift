import Foundation
import Hummingbird
import Lethe
import LetheCore

extension ConsoleRoutes {
    /// Retires the assets ticked on the list page, all or none: an asset that cannot be retired
    /// (not in service any more, unknown) fails the whole request, and the list shows why with
    /// nothing changed.
    func retireSelected(_ request: Request, form: ConsoleForm, view: ConsoleView) async throws -> Response {
        do {
            let changes = try await app.assets.retire(
                tags: form.all("tag"), reason: form.nonEmpty("reason"), by: view.principal)
            let retired = changes.flatMap(\.tags)
            let attached = retired.count - changes.count
            return try await assetList(
                request, view: view,
                notice: "Retired \(changes.count) selected assets"
                    + (attached > 0 ? " and \(attached) attached to them" : "") + ": "
                    + retired.prefix(20).joined(separator: ", ") + (retired.count > 20 ? " …" : "") + ".")
        } catch let error as LetheError
            where [.usage, .invalidInput, .conflict, .notFound, .illegalTransition].contains(error.code)
        {
            return try await assetList(
                request, view: view, error: "Nothing was retired: " + error.message,
                status: Problem.status(for: error.code))
        }
    }
}
