import Foundation
import Hummingbird
import Lethe
import LetheCore

extension ConsoleRoutes {
    /// The job queue by state; each open job shows the steps this user may take now, and when a
    /// rule (separation of duties, a missing approval) stands in the way, says which, in words.
    func jobList(_ request: Request, view: ConsoleView) async throws -> Response {
        let stateText = request.uri.queryParameters.get("state") ?? ""
        let state = try stateText.isEmpty ? nil : JobState.parse(stateText, field: "state")
        let listing = try await app.jobs.list(JobFilter(state: state, limit: 200), by: view.principal)
        let rows = listing.jobs.map { status -> [String: Any] in
            let job = status.job
            var actions: [[String: Any]] = []
            var refusals: [String] = []
            if job.plan.secondPerson, job.approvedBy == nil, !job.state.isFinished, view.may(.approveJob) {
                if let refusal = JobRules.approvalRefusal(job, by: view.principal) {
                    refusals.append(refusal.message)
                } else {
                    actions.append(["verb": "approve", "label": "Approve", "id": job.id])
                }
            }
            if job.state == .scheduled, view.may(.startJob) {
                if let refusal = JobRules.workRefusal(job) {
                    refusals.append(refusal.message)
                } else {
                    actions.append(["verb": "start", "label": "Start", "id": job.id])
                }
            }
            return [
                "id": job.id, "tag": job.assetTag, "tagPath": Self.pathComponent(job.assetTag),
                "state": job.state.rawValue, "method": job.plan.method.rawValue, "due": RFC3339.format(job.plan.dueAt),
                "overdue": status.overdue, "requestedBy": job.requestedBy, "approvedBy": job.approvedBy ?? "",
                "actions": actions, "refusals": refusals,
            ]
        }
        let values: [String: Any] = [
            "rows": rows, "hasRows": !rows.isEmpty,
            "stateOptions": JobState.allCases.map { ["value": $0.rawValue, "selected": $0 == state] },
        ]
        return Self.html("jobs", values, title: "Jobs", view: view)
    }

    /// Approves or starts a job; a refusal (separation of duties …) is shown as a 403 or 409 page.
    func jobAction(_ idText: String, verb: String, view: ConsoleView) async throws -> Response {
        guard let id = Int64(idText) else { throw LetheError(.notFound, "there is no job \(Quoted(idText))") }
        switch verb {
        case "approve": try await app.jobs.approve(id, by: view.principal)
        case "start": try await app.jobs.start(id, by: view.principal)
        default: throw LetheError(.notFound, "there is no job action \(Quoted(verb))")
        }
        return Self.redirect("/console/jobs")
    }
}
