import Foundation
import Hummingbird
import Lethe
import LetheCore

/// The scheduler's recorded runs (`GET /api/v1/scheduler/runs?before=&limit=`), newest first.
struct SchedulerRoutes {
    let app: LetheApp

    func add(to api: RouterGroup<LetheRequestContext>) {
        api.on(.schedulerRuns) { request, _, principal in
            let query = request.uri.queryParameters
            var before: Int64?
            if let text = query.get("before") {
                guard let value = Int64(text) else {
                    throw LetheError(.usage, "before \(Quoted(text)) is not a run number")
                }
                before = value
            }
            var limit = 20
            if let text = query.get("limit") {
                guard let value = Int(text) else { throw LetheError(.usage, "limit \(Quoted(text)) is not a number") }
                limit = value
            }
            return JSONResult(value: ["runs": try await app.scheduler.runs(before: before, limit: limit, by: principal)]
            )
        }
    }
}
