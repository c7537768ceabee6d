import Lethe

extension APIRoute {
    static let installation: [APIRoute] = [status, checkPolicies, keys, keysCSR, importIssuerCertificate]

    static let status = APIRoute(
        .get, "/api/v1/status", .action(.readStatus),
        "The installation at a glance: counts, overdue jobs and backups, the log, the keys")
}

extension APIRoute {
    static let checkPolicies = APIRoute(
        .get, "/api/v1/policies/check", .action(.readPolicies),
        "Check the policy set in force, listing every problem with file, line and column")
    static let keys = APIRoute(
        .get, "/api/v1/keys", .action(.readKeys), "The issuer certificate and the log key")
    static let keysCSR = APIRoute(
        .get, "/api/v1/keys/csr", .action(.readKeys),
        "A certificate signing request (PEM) for the issuer key, for the organisation's CA", produces: .pem)
    static let importIssuerCertificate = APIRoute(
        .post, "/api/v1/keys/certificate", .action(.manageKeys),
        "Install the certificate the CA issued for the issuer key (refused unless it is for this key)",
        body: .json([
            Field("certificate_pem", required: true, "The issued certificate (PEM)."),
            Field("chain_pem", "Intermediate certificates (PEM), issuer side first."),
        ]))
}
