import Foundation
import Hummingbird
import Lethe
import LetheCore
import LetheEvidence
import Logging
import NIOCore

extension ConsoleRoutes {
    /// The most records one page of the list shows (the newest first).
    static let certificatesShown = 500

    /// Signed records: the list (searched by serial or asset tag), each record's own HTML view, its
    /// bundle for download, and revocation with a reason for those whose roles allow it.
    func certificateList(_ request: Request, view: ConsoleView) async throws -> Response {
        let q = request.uri.queryParameters.get("q")?.trimmingCharacters(in: .whitespaces) ?? ""
        let records = try await app.evidence.list(
            text: q.isEmpty ? nil : q, limit: Self.certificatesShown, by: view.principal)
        let canRevoke = view.may(.revokeRecord)
        let rows = records.map { record -> [String: Any] in
            [
                "serial": record.serial, "serialPath": Self.pathComponent(record.serial), "kind": record.kind,
                "asset": record.asset ?? "", "job": record.job.map { String($0) } ?? "", "issued": record.issuedAt,
                "status": record.status.rawValue, "revoked": record.revokedAt != nil,
                "reason": record.revocationReason ?? "", "canRevoke": canRevoke && record.revokedAt == nil,
            ]
        }
        return Self.html(
            "certificates",
            [
                "rows": rows, "hasRows": !rows.isEmpty, "q": q, "searched": !q.isEmpty,
                "truncated": rows.count == Self.certificatesShown, "shown": Self.certificatesShown,
            ], title: "Certificates", view: view)
    }

    /// The record's own HTML view, as the bundle holds it (served with the console's CSP: no script).
    func certificateHTML(
        _ serial: String, view: ConsoleView, logger: Logger, connection: any Channel
    ) async throws -> Response {
        try await StreamedResponse.bundlePage(
            serial: serial, evidence: app.evidence, by: view.principal,
            headers: [.contentType: "text/html; charset=utf-8"], logger: logger, connection: connection)
    }

    /// The record's bundle (tar.gz) for offline verification.
    func certificateBundle(
        _ serial: String, view: ConsoleView, logger: Logger, connection: any Channel
    ) async throws -> Response {
        try await StreamedResponse.bundleDownload(
            serial: serial, format: .tarGz, evidence: app.evidence, by: view.principal, logger: logger,
            connection: connection)
    }

    /// Revokes a record with the reason from the form.
    func revokeCertificate(_ serial: String, form: ConsoleForm, view: ConsoleView) async throws -> Response {
        _ = try await app.evidence.revoke(serial: serial, reason: form["reason"] ?? "", by: view.principal)
        return Self.redirect("/console/certificates")
    }
}
