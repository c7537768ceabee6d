import Lethe

extension APIRoute {
    static let operations: [APIRoute] = [
        schedulerRuns, listWebhooks, addWebhook, removeWebhook, webhookDeliveries,
    ]

    static let schedulerRuns = APIRoute(
        .get, "/api/v1/scheduler/runs", .action(.readStatus), "The scheduler's recorded runs, newest first",
        query: [
            Field("before", .integer, "Only runs numbered below this one (the next page)."),
            Field("limit", .integer, "At most this many, 1 to 100 (default 20)."),
        ])
    static let listWebhooks = APIRoute(
        .get, "/api/v1/webhooks", .action(.manageWebhooks), "List webhooks (never their secrets)")
    static let addWebhook = APIRoute(
        .post, "/api/v1/webhooks", .action(.manageWebhooks), "Add a webhook; its signing secret is shown once",
        body: .json([
            Field(
                "url", required: true, "The https URL to POST to (http only to a loopback address, or with allow_http)."
            ),
            Field(
                "events", .strings, required: true,
                "job.overdue, verification.failed, erasure.due-soon, erasure.overdue, report.ready."),
            Field("allow_http", .boolean, "Allow a plain-http URL to a non-loopback address."),
        ]), success: 201)
    static let removeWebhook = APIRoute(
        .delete, "/api/v1/webhooks/:id", .action(.manageWebhooks), "Remove a webhook: nothing more is sent to it")
    static let webhookDeliveries = APIRoute(
        .get, "/api/v1/webhooks/:id/deliveries", .action(.manageWebhooks),
        "A webhook's recent deliveries and how each stands",
        query: [Field("limit", .integer, "At most this many, 1 to 100 (default 20).")])
}
