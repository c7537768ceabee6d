import Lethe

extension APIRoute {
    static let records: [APIRoute] = [
        issueCertificate, listCertificates, showCertificate, certificateBundle, revokeCertificate,
    ]
    static let log: [APIRoute] = [logCheckpoint, logProof, logConsistency, logKey, logVerify]

    static let issueCertificate = APIRoute(
        .post, "/api/v1/certificates", .action(.issueRecord),
        "Issue the signed disposal record of a verified job (or of every verified job, or an erasure request)",
        body: .json([
            Field("job", .integer, "The verified job."),
            Field("all_verified", .boolean, "Issue the record of every verified job that has none."),
            Field("erasure", .integer, "A completed erasure request: issue its report as a signed record."),
            Field("performer_title", "Title of the person who performed the sanitization (Appendix G)."),
            Field("validator_title", "Title of the person who validated it (Appendix G)."),
            Field("data_backed_up", .word(DataBackup.self), "Whether the data was backed up: yes, no or unknown."),
            Field("backup_location", "Where the backup is kept, if there is one."),
            Field("post_classification", "Classification after sanitization (Appendix G)."), .notes,
        ]), success: 201)
    static let listCertificates = APIRoute(
        .get, "/api/v1/certificates", .action(.readRecords), "List issued records",
        query: [
            Field("job", .integer, "Only the records of this job."),
            Field("kind", "Only records of this kind (disposal, erasure)."),
            Field("q", "Only records whose serial or asset tag contains this text (any case)."),
            Field("limit", .integer, "At most this many."),
        ])
    static let showCertificate = APIRoute(
        .get, "/api/v1/certificates/:serial", .action(.readRecords), "One record, with its revocation if any")
    static let certificateBundle = APIRoute(
        .get, "/api/v1/certificates/:serial/bundle", .action(.readRecords),
        "The record's evidence bundle (what 'certificate export' writes) as tar.gz or zip; see its VERIFY.txt",
        query: [Field("format", .word(["tar.gz", "zip"]), "tar.gz (default) or zip.")], produces: .archive)
    static let revokeCertificate = APIRoute(
        .post, "/api/v1/certificates/:serial/revoke", .action(.revokeRecord), "Revoke a record",
        body: .json([Field("reason", required: true, "Why it is revoked.")]))

    static let logCheckpoint = APIRoute(
        .get, "/api/v1/log/checkpoint", .action(.signCheckpoint), "A signed checkpoint of the evidence log")
    static let logProof = APIRoute(
        .get, "/api/v1/log/proof", .action(.readLog), "The inclusion proof of one log entry",
        query: [Field("index", .integer, required: true, "The entry's 0-based index.")])
    static let logConsistency = APIRoute(
        .get, "/api/v1/log/consistency", .action(.readLog),
        "The consistency proof from an earlier tree size to the current one",
        query: [Field("from", .integer, required: true, "The earlier tree size (of a checkpoint you kept).")])
    static let logKey = APIRoute(.get, "/api/v1/log/key", .action(.readKeys), "The log's public key")
    static let logVerify = APIRoute(
        .get, "/api/v1/log/verify", .action(.readLog), "Verify the whole log: every entry, root and checkpoint")
}
