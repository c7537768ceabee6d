import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import Logging
import NIOCore

extension ConsoleRoutes {
    /// The renderings a report downloads as.
    static let reportFormats = ["json", "csv", "html", "pdf"]

    /// Issued reports, newest first, each with its downloads; the form that generates a period's
    /// disposal report for those who may.
    func reportList(view: ConsoleView) async throws -> Response {
        let reports = try await app.reports.list(limit: 200, by: view.principal)
        let values: [String: Any] = [
            "reports": reports.map { report -> [String: Any] in
                [
                    "serial": report.serial, "serialPath": Self.pathComponent(report.serial),
                    "kind": report.reportKind, "issued": report.issuedAt, "status": report.status.rawValue,
                    "logSize": report.logSize, "formats": Self.reportFormats,
                ]
            },
            "hasReports": !reports.isEmpty, "canGenerate": view.may(.generateReport),
        ]
        return Self.html("reports", values, title: "Reports", view: view)
    }

    /// Generates, signs and logs the disposal report of the period in the form (YYYY-MM-DD to YYYY-MM-DD).
    func generateReport(_ form: ConsoleForm, view: ConsoleView) async throws -> Response {
        let period = try ReportPeriod(from: form.nonEmpty("from") ?? "", to: form.nonEmpty("to") ?? "")
        _ = try await app.reports.disposal(period: period, by: view.principal)
        return Self.redirect("/console/reports")
    }

    /// A report as a download: its signed record (JSON) or a rendering (CSV, HTML, PDF).
    func downloadReport(
        _ serial: String, format: String, view: ConsoleView, logger: Logger, connection: any Channel
    ) async throws -> Response {
        guard Self.reportFormats.contains(format) else {
            throw LetheError(.notFound, "a report downloads as json, csv, html or pdf, not \(Quoted(format))")
        }
        return try await StreamedResponse.reportDownload(
            serial: serial, format: format, reports: app.reports, by: view.principal, logger: logger,
            connection: connection)
    }
}
