import Lethe

/// The one route table. Every route the router serves is here (a test compares the two), with the
/// action the authorization table must allow.
extension APIRoute {
    /// Every route, in the order the OpenAPI document lists them.
    public static let all: [APIRoute] =
        health + users + assets + jobs + records + reports + log + erasure + installation + operations

    static let health: [APIRoute] = [healthz, readyz, openAPI]
    static let healthz = APIRoute(.get, "/healthz", .open, "Liveness: the process answers")
    static let readyz = APIRoute(.get, "/readyz", .open, "Readiness: the database answers and is migrated")
    static let openAPI = APIRoute(.get, "/api/v1/openapi.json", .open, "This OpenAPI 3.1 document")
}

/// Descriptions shared by several routes.
extension APIRoute.Field {
    static let reason = Self("reason", "Why (kept in the event).")
    static let notes = Self("notes", "Free notes.")
}
