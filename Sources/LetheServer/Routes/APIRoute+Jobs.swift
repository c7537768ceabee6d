import Lethe
import LetheCore

extension APIRoute {
    static let jobs: [APIRoute] = [
        policies, schedule, listJobs, showJob, approveJob, startJob, cancelJob, recordJob, jobEvidence, jobNwipe,
        attestJob, verifyJob, runVerifications,
    ]

    static let policies = APIRoute(
        .get, "/api/v1/policies", .action(.readPolicies), "The policy set in force: its rules and version")
    static let schedule = APIRoute(
        .post, "/api/v1/schedule", .action(.schedule),
        "Plan disposal jobs for assets awaiting sanitization (and expired backups)",
        body: .json([
            Field("at", "The retirement time to assume for assets already retired (RFC 3339; default now)."),
            Field("dry_run", .boolean, "Show what the run would do; record nothing."),
        ]))
    static let listJobs = APIRoute(
        .get, "/api/v1/jobs", .action(.readJobs), "List disposal jobs by due date",
        query: [
            Field("state", .word(JobState.self), "scheduled, in-progress, executed, verified, failed, cancelled."),
            Field("overdue", .boolean, "Only open jobs past their due date."),
            Field("due_before", "Only jobs due before this date (RFC 3339)."),
            Field("asset", "Only jobs for this asset tag."), Field("limit", .integer, "At most this many (1–1000)."),
        ])
    static let showJob = APIRoute(.get, "/api/v1/jobs/:id", .action(.readJobs), "One job with its plan and evidence")
    static let approveJob = APIRoute(
        .post, "/api/v1/jobs/:id/approve", .action(.approveJob), "Approve a job whose rule needs a second person")
    static let startJob = APIRoute(.post, "/api/v1/jobs/:id/start", .action(.startJob), "Start a scheduled job")
    static let cancelJob = APIRoute(
        .post, "/api/v1/jobs/:id/cancel", .action(.cancelJob), "Cancel an open job",
        body: .json([Field("reason", required: true, "Why the job is cancelled.")]))
    static let workFields: [Field] = [
        Field("technique", .word(Technique.self), required: true, "The technique used (one the job allows)."),
        Field("tool", required: true, "The tool or vendor used."),
        Field("tool_version", required: true, "The tool's version (or the vendor's certificate form)."), .notes,
    ]
    static let recordJob = APIRoute(
        .post, "/api/v1/jobs/:id/record", .action(.recordJob),
        "Record work done outside Lethe (without an evidence file; see /evidence)", body: .json(workFields))
    static let jobEvidence = APIRoute(
        .post, "/api/v1/jobs/:id/evidence", .action(.attachEvidence),
        "Record work done outside Lethe with its evidence file as the body (the work's facts in the query)",
        query: workFields + [Field("name", required: true, "The evidence file's name.")], body: .bytes)
    static let jobNwipe = APIRoute(
        .post, "/api/v1/jobs/:id/nwipe", .action(.importNwipeLog),
        "Record a job's overwrite from an nwipe (ShredOS) log, the body",
        query: [Field("name", "The log's file name (default nwipe.log).")], body: .bytes)
    static let attestJob = APIRoute(
        .post, "/api/v1/jobs/:id/attestations", .action(.attest),
        "Attest a job's result after inspection, with the inspected file (a certificate, a photo) as the body; not by who performed it",
        query: [
            Field("name", required: true, "The inspected file's name."),
            Field("notes", "What was inspected and found."),
            Field("passed", .boolean, "Whether the inspection found the result good (default true)."),
        ], body: .bytes, success: 201)
    static let verifyJob = APIRoute(
        .post, "/api/v1/jobs/:id/verify", .action(.runVerification),
        "Run the job's verification engine (read-back) now")
    static let runVerifications = APIRoute(
        .post, "/api/v1/verifications/run", .action(.runDueVerifications),
        "Run every due verification an engine can do; list what needs a person")
}
