import Foundation
import Hummingbird
import Lethe
import LetheCore

extension ConsoleRoutes {
    /// A file-upload form (`multipart/form-data`) of a signed-in user: the body read whole up to
    /// `maxBytes` (a larger one is refused with 413 before parsing), then the CSRF token checked in
    /// constant time before anything else.
    func upload(
        _ request: Request, maxBytes: Int, _ handle: (ConsoleView, ConsoleMultipart) async throws -> Response
    ) async throws -> Response {
        guard let (_, session) = await currentSession(request) else {
            throw LetheError(.unauthenticated, "your session has ended; sign in again")
        }
        let body = try await request.body.collect(upTo: maxBytes)
        let form = try ConsoleMultipart(Array(buffer: body), contentType: request.headers[.contentType] ?? "")
        guard ConsoleSessions.constantTimeEqual(form.fields["csrf"] ?? "", session.csrfToken) else {
            throw LetheError(.forbidden, "the form was not sent from this session's page (CSRF check); reload the page")
        }
        return try await handle(ConsoleView(principal: session.principal, csrf: session.csrfToken), form)
    }

    /// An uploaded file as evidence: its bytes under a plain name (the browser's name is only a label).
    static func evidence(_ file: ConsoleMultipart.File) -> EvidenceContent {
        let name = file.fileName.isEmpty ? "evidence" : AssetRoutes.plainName(file.fileName)
        return EvidenceContent(name: name, bytes: Data(file.bytes))
    }
}

extension ConsoleMultipart {
    /// The value of a text field, nil when absent or blank.
    func nonEmpty(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    /// A file part that holds bytes, nil when absent or empty (no file chosen).
    func file(_ name: String) -> File? {
        guard let file = files[name], !file.bytes.isEmpty else { return nil }
        return file
    }
}
