import Lethe
import LetheCore

extension APIRoute {
    static let reports: [APIRoute] = [generateReport, listReports, showReport, renderReport, reproduceReport]

    static let generateReport = APIRoute(
        .post, "/api/v1/reports", .action(.generateReport),
        "Generate a report, sign it and enter it in the log (as `lethe report KIND`)",
        body: .json([
            Field("kind", .word(ReportKind.self), required: true, "The kind of report."),
            Field("from", "The period's first day, YYYY-MM-DD (disposal, erasure)."),
            Field("to", "The period's last day, YYYY-MM-DD (disposal, erasure)."),
            Field(
                "program_target_percent", .integer,
                "The program's target for independent re-checks, in percent (disposal; default 5)."),
            Field("manifest", "The vendor manifest (shipment)."),
            Field("tag", "The asset tag (custody)."),
            Field("state", .word(LifecycleState.self), "Only assets in this state (inventory)."),
        ]), success: 201)
    static let listReports = APIRoute(
        .get, "/api/v1/reports", .action(.readReports), "The signed reports, newest first",
        query: [Field("limit", .integer, "At most this many.")])
    static let showReport = APIRoute(
        .get, "/api/v1/reports/:serial", .action(.readReports), "One signed report (the signed record's content)")
    static let renderReport = APIRoute(
        .get, "/api/v1/reports/:serial/rendering", .action(.readReports),
        "A signed report rendered for people: CSV, self-contained HTML or PDF",
        query: [Field("format", .word(["csv", "html", "pdf"]), required: true, "The rendering.")],
        produces: .document)
    static let reproduceReport = APIRoute(
        .get, "/api/v1/reports/:serial/reproduction", .action(.readReports),
        "Compute a signed report again at the log size it states and compare the bytes")
}
