import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import NIOCore

/// Signed reports: thin adapters over ``ReportService``.
struct ReportRoutes {
    let app: LetheApp

    struct GenerateBody: Decodable {
        var kind: String
        var from, to, manifest, tag, state: String?
        var programTargetPercent: Int64?
        enum CodingKeys: String, CodingKey {
            case kind, from, to, manifest, tag, state
            case programTargetPercent = "program_target_percent"
        }
    }

    func add(to api: RouterGroup<LetheRequestContext>) {
        let reports = app.reports
        api.on(.generateReport) { request, context, principal in
            let body = try await request.decode(as: GenerateBody.self, context: context)
            return JSONResult(value: try await Self.generate(body, reports: reports, by: principal), status: .created)
        }
        api.on(.listReports) { request, _, principal in
            let limit = try request.uri.queryParameters.get("limit").map { (text) throws(LetheError) -> Int in
                guard let value = Int(text), value > 0 else {
                    throw LetheError(.usage, "limit \(Quoted(text)) is not a positive whole number")
                }
                return value
            }
            return JSONResult(value: ["reports": try await reports.list(limit: limit, by: principal)])
        }
        api.on(.showReport) { _, context, principal in
            JSONResult(value: try await reports.summary(serial: context.parameters.text("serial"), by: principal))
        }
        api.on(.renderReport) { request, context, principal -> Response in
            let format = request.uri.queryParameters.get("format") ?? ""
            guard ["csv", "html", "pdf"].contains(format) else {
                throw LetheError(.usage, "format \(Quoted(format)) is not a rendering; use csv, html or pdf")
            }
            return try await StreamedResponse.reportDownload(
                serial: context.parameters.text("serial"), format: format, reports: reports, by: principal,
                logger: context.logger, connection: context.channel)
        }
        api.on(.reproduceReport) { _, context, principal in
            JSONResult(value: try await reports.reproduce(serial: context.parameters.text("serial"), by: principal))
        }
    }

    /// The use case a body names, with the parameters its kind needs.
    static func generate(
        _ body: GenerateBody, reports: ReportService, by principal: Principal
    ) async throws(LetheError) -> IssuedReport {
        guard let kind = ReportKind(rawValue: body.kind) else {
            throw LetheError(
                .invalidInput,
                "kind \(Quoted(body.kind)) is not a kind of report; use \(ReportKind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        func period() throws(LetheError) -> ReportPeriod {
            guard let from = body.from, let to = body.to else {
                throw LetheError(.usage, "a \(kind.rawValue) report needs from and to (YYYY-MM-DD)")
            }
            return try ReportPeriod(from: from, to: to)
        }
        switch kind {
        case .disposal:
            return try await reports.disposal(
                period: try period(),
                programTargetPercent: body.programTargetPercent ?? ReportParameters.defaultProgramTargetPercent,
                by: principal)
        case .erasure: return try await reports.erasure(period: try period(), by: principal)
        case .shipment: return try await reports.shipment(manifest: body.manifest ?? "", by: principal)
        case .custody:
            guard let tag = body.tag else { throw LetheError(.usage, "a custody report needs tag") }
            return try await reports.custody(tag: tag, by: principal)
        case .inventory:
            let state = try body.state.map { (text) throws(LetheError) in try LifecycleState.parse(text, field: "state")
            }
            return try await reports.inventory(state: state, by: principal)
        }
    }
}
