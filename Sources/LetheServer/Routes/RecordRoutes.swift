import Foundation
import Hummingbird
import Lethe
import LetheCore
import LetheEvidence
import NIOCore

/// Signed records and the evidence log: thin adapters over ``EvidenceService``.
struct RecordRoutes {
    let app: LetheApp

    struct IssueBody: Decodable {
        var job, erasure: Int64?
        var allVerified: Bool?
        var performerTitle, validatorTitle, dataBackedUp, backupLocation, postClassification, notes: String?
        enum CodingKeys: String, CodingKey {
            case job, erasure, notes
            case allVerified = "all_verified"
            case performerTitle = "performer_title"
            case validatorTitle = "validator_title"
            case dataBackedUp = "data_backed_up"
            case backupLocation = "backup_location"
            case postClassification = "post_classification"
        }
    }
    struct RevokeBody: Decodable { var reason: String }

    func add(to api: RouterGroup<LetheRequestContext>) {
        let evidence = app.evidence
        api.on(.issueCertificate) { request, context, principal -> Response in
            let body = try await request.decode(as: IssueBody.self, context: context)
            let chosen = [body.job != nil, body.allVerified == true, body.erasure != nil].filter { $0 }.count
            guard chosen == 1 else { throw LetheError(.usage, "give exactly one of job, all_verified, erasure") }
            if let erasure = body.erasure {
                return try Self.json(
                    try await evidence.issueErasureRecord(request: erasure, by: principal), request, context)
            }
            let details = DisposalRecordDetails(
                performerTitle: body.performerTitle, validatorTitle: body.validatorTitle,
                dataBackedUp: try DataBackup(parsing: body.dataBackedUp ?? "unknown"),
                backupLocation: body.backupLocation,
                postSanitizationClassification: body.postClassification ?? "unclassified", notes: body.notes)
            if let job = body.job {
                return try Self.json(
                    try await evidence.issueDisposalRecord(job: job, details: details, by: principal), request,
                    context)
            }
            return try Self.json(
                try await evidence.issuePendingDisposalRecords(details: details, by: principal), request, context)
        }
        api.on(.listCertificates) { request, _, principal in
            let query = request.uri.queryParameters
            return JSONResult(
                value: try await evidence.list(
                    kind: query.get("kind"), job: try Self.integer(query, "job"), text: query.get("q"),
                    limit: try Self.integer(query, "limit").map { Int($0) },
                    by: principal))
        }
        api.on(.showCertificate) { _, context, principal in
            JSONResult(value: try await evidence.record(serial: context.parameters.text("serial"), by: principal))
        }
        api.on(.certificateBundle) { request, context, principal -> Response in
            let text = request.uri.queryParameters.get("format") ?? BundleArchive.Format.tarGz.rawValue
            guard let format = BundleArchive.Format(rawValue: text) else {
                throw LetheError(.usage, "format \(Quoted(text)) is not an archive format; use tar.gz or zip")
            }
            return try await StreamedResponse.bundleDownload(
                serial: context.parameters.text("serial"), format: format, evidence: evidence, by: principal,
                logger: context.logger, connection: context.channel)
        }
        api.on(.revokeCertificate) { request, context, principal in
            let body = try await request.decode(as: RevokeBody.self, context: context)
            return JSONResult(
                value: try await evidence.revoke(
                    serial: context.parameters.text("serial"), reason: body.reason, by: principal))
        }
        api.on(.logCheckpoint) { _, _, principal in JSONResult(value: try await evidence.checkpoint(by: principal)) }
        api.on(.logProof) { request, _, principal in
            guard let index = try Self.integer(request.uri.queryParameters, "index", minimum: 0) else {
                throw LetheError(.usage, "a proof needs index= (the entry's 0-based index)")
            }
            return JSONResult(value: try await evidence.inclusionProof(index: index, by: principal))
        }
        api.on(.logConsistency) { request, _, principal in
            guard let from = try Self.integer(request.uri.queryParameters, "from", minimum: 0) else {
                throw LetheError(.usage, "a consistency proof needs from= (the earlier tree size)")
            }
            return JSONResult(value: try await evidence.consistencyProof(from: from, by: principal))
        }
        api.on(.logKey) { _, _, principal in JSONResult(value: try await evidence.logKey(by: principal)) }
        api.on(.logVerify) { _, _, principal in JSONResult(value: try await evidence.verifyLog(by: principal)) }
    }

    /// A 201 JSON response with the CLI's encoding.
    static func json(
        _ value: some Encodable & Sendable, _ request: Request, _ context: LetheRequestContext
    ) throws -> Response {
        try JSONResult(value: value, status: .created).response(from: request, context: context)
    }

    /// An integer query parameter, or nil when absent; a usage error when it is not one.
    static func integer(
        _ parameters: Parameters, _ name: String, minimum: Int64 = 1
    ) throws(LetheError) -> Int64? {
        guard let text = parameters.get(name) else { return nil }
        guard let value = Int64(text), value >= minimum else {
            throw LetheError(.usage, "\(name) \(Quoted(text)) must be a whole number of at least \(minimum)")
        }
        return value
    }
}
