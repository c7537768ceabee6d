import Lethe
import LetheCore

extension APIRoute {
    static let erasure: [APIRoute] = [
        applyStores, listStores, showStore, scanStore, reapplyStore, importHoldings, requestErasure,
        listErasures, showErasure, runErasure, attestErasure, erasureReport, registerBackup, listBackups,
        shredBackup, attestBackup,
    ]

    static let applyStores = APIRoute(
        .post, "/api/v1/stores", .action(.applyDataMap), "Apply a data map (YAML): declare or change data stores",
        body: .json([
            Field("yaml", required: true, "The data map's YAML text."),
            Field("file_name", "The data map's file name, for messages and the event."),
        ]))
    static let listStores = APIRoute(.get, "/api/v1/stores", .action(.readStores), "List data stores")
    static let showStore = APIRoute(.get, "/api/v1/stores/:name", .action(.readStores), "One data store")
    static let scanStore = APIRoute(
        .post, "/api/v1/stores/:name/scan", .action(.scanStore), "Scan a store for the subjects it holds")
    static let reapplyStore = APIRoute(
        .post, "/api/v1/stores/:name/reapply", .action(.reapplyErasures),
        "Re-apply completed erasures to a restored store")
    static let importHoldings = APIRoute(
        .post, "/api/v1/holdings/import", .action(.importHoldings),
        "Import which stores hold which subjects (a CSV body: identifier,store); identifiers are kept keyed-hashed",
        query: [Field("file_name", "The file's name, for the event (default holdings.csv).")], body: .csv)
    static let requestErasure = APIRoute(
        .post, "/api/v1/erasure-requests", .action(.requestErasure),
        "Open an erasure request; the subject identifier goes in the body only and is never returned",
        body: .json([
            Field("identifier", required: true, "The subject's identifier (kept as a keyed hash only)."),
            Field("reason", .word(ErasureReason.self), required: true, "withdrawal, objection, retention or other."),
        ]), success: 201)
    static let listErasures = APIRoute(
        .get, "/api/v1/erasure-requests", .action(.readErasures), "List erasure requests",
        query: [Field("overdue", .boolean, "Only open requests past their due date.")])
    static let showErasure = APIRoute(
        .get, "/api/v1/erasure-requests/:id", .action(.readErasures), "One erasure request with its parts")
    static let runErasure = APIRoute(
        .post, "/api/v1/erasure-requests/:id/run", .action(.runErasure),
        "Run a request's database parts; the identifier again in the body",
        body: .json([Field("identifier", required: true, "The subject's identifier (matched to the request's hash).")]))
    static let attestErasure = APIRoute(
        .post, "/api/v1/erasure-requests/:id/attest", .action(.attestErasure),
        "Attest a part done outside Lethe (a file share, a processor, a backup)",
        body: .json([
            Field("store", required: true, "The store whose part is attested."),
            Field(
                "backup", .integer,
                "The backup whose part is attested: a snapshot destroyed outside Lethe, or a declared replica that replayed the erasure."
            ),
            Field("notes", required: true, "Who confirmed the erasure, and how."),
        ]))
    static let erasureReport = APIRoute(
        .get, "/api/v1/erasure-requests/:id/report", .action(.readErasures), "A request's erasure report")
    static let registerBackup = APIRoute(
        .post, "/api/v1/backups", .action(.registerBackup), "Register a backup of a store (a file on the server)",
        body: .json([
            Field("store", required: true, "The store the backup copies."),
            Field("file", required: true, "The backup file's path on the server."),
            Field("created", required: true, "When the backup was made (RFC 3339 or YYYY-MM-DD)."),
            Field("expires", "When its retention ends (default: from the policy)."),
            Field("media", "The asset tag of the medium the file lives on."),
        ]), success: 201)
    static let listBackups = APIRoute(
        .get, "/api/v1/backups", .action(.readBackups),
        "List backups: snapshots, and the rolling backups of declared residue (kind, residue, retention, location)",
        query: [Field("store", "Only the backups of this store.")])
    static let shredBackup = APIRoute(
        .post, "/api/v1/backups/:id/shred", .action(.shredBackup),
        "Destroy an encrypted backup by destroying its key (crypto-erase)")
    static let attestBackup = APIRoute(
        .post, "/api/v1/backups/:id/attest", .action(.attestBackupDestroyed),
        "Attest that a backup was destroyed outside Lethe",
        body: .json([Field("notes", required: true, "Who confirmed the destruction, and how.")]))
}
