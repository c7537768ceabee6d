import Hummingbird
import Lethe

/// `GET /api/v1/status`: ``StatusService``'s report.
struct StatusRoutes {
    let app: LetheApp

    func add(to api: RouterGroup<LetheRequestContext>) {
        let status = app.status
        api.on(.status) { _, _, principal in JSONResult(value: try await status.report(by: principal)) }
    }
}
