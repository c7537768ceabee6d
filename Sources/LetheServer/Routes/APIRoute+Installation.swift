import Lethe

extension APIRoute {
    static let installation: [APIRoute] = [status]

    static let status = APIRoute(
        .get, "/api/v1/status", .action(.readStatus),
        "The installation at a glance: counts, overdue jobs and backups, the log, the keys")
}
