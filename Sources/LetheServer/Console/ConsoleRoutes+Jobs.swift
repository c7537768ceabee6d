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

    /// A form posted on a job: record, nwipe and attest are uploads (their evidence file), the others
    /// plain forms. A refusal (separation of duties …) is shown as a 403 or 409 page.
    func jobForm(_ request: Request, context: LetheRequestContext) async throws -> Response {
        let idText = context.parameters.text("id")
        let verb = context.parameters.text("verb")
        switch verb {
        case "record":
            return try await upload(request, maxBytes: Self.maxEvidenceBytes) { view, form in
                try await recordJob(try Self.jobID(idText), form: form, view: view)
            }
        case "nwipe":
            return try await upload(request, maxBytes: Self.maxEvidenceBytes) { view, form in
                try await importNwipe(try Self.jobID(idText), form: form, view: view)
            }
        case "attest":
            return try await upload(request, maxBytes: Self.maxEvidenceBytes) { view, form in
                try await attestJob(try Self.jobID(idText), form: form, view: view)
            }
        default:
            return try await form(request, context: context) { view, form in
                try await jobAction(idText, verb: verb, form: form, view: view)
            }
        }
    }

    /// Approves, starts, cancels (with the form's reason) a job, or issues its signed record.
    func jobAction(_ idText: String, verb: String, form: ConsoleForm, view: ConsoleView) async throws -> Response {
        let id = try Self.jobID(idText)
        switch verb {
        case "approve": try await app.jobs.approve(id, by: view.principal)
        case "start": try await app.jobs.start(id, by: view.principal)
        case "issue":
            _ = try await app.evidence.issueDisposalRecord(job: id, by: view.principal)
            return Self.redirect("/console/jobs/\(id)")
        case "cancel":
            try await app.jobs.cancel(id, reason: form["reason"] ?? "", by: view.principal)
            return Self.redirect("/console/jobs/\(id)")
        default: throw LetheError(.notFound, "there is no job action \(Quoted(verb))")
        }
        return Self.redirect("/console/jobs")
    }
}
