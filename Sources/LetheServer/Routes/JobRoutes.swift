import Foundation
import Hummingbird
import Lethe
import LetheCore
import NIOCore

/// Policies, the schedule, disposal jobs and their verification: thin adapters over
/// ``JobsService``, ``PolicyService`` and ``SanitizationService``.
struct JobRoutes {
    let app: LetheApp

    struct ScheduleBody: Decodable {
        var at: String?
        var dryRun: Bool?
        enum CodingKeys: String, CodingKey {
            case at
            case dryRun = "dry_run"
        }
    }
    struct CancelBody: Decodable { var reason: String }
    struct WorkBody: Decodable {
        var technique, tool, toolVersion: String
        var notes: String?
        enum CodingKeys: String, CodingKey {
            case technique, tool, notes
            case toolVersion = "tool_version"
        }
    }

    func add(to api: RouterGroup<LetheRequestContext>) {
        let (jobs, policies) = (app.jobs, ServerPolicies(app: app))
        let app = app
        api.on(.policies) { _, _, principal in
            JSONResult(value: try app.policies.show(try policies.files(), by: principal))
        }
        api.on(.schedule) { request, context, principal in
            let body = try await request.decodeIfPresent(as: ScheduleBody.self, context: context)
            let time = try body?.at.map { (text) throws(LetheError) in try RFC3339.parse(text, field: "at") }
            let run = try await jobs.schedule(
                policies: try policies.load(), at: time, dryRun: body?.dryRun ?? false, by: principal)
            return JSONResult(value: run.report)
        }
        api.on(.listJobs) { request, _, principal in
            JSONResult(value: try await jobs.list(try Self.filter(request.uri.queryParameters), by: principal))
        }
        api.on(.showJob) { _, context, principal in
            JSONResult(value: try await jobs.show(try context.parameters.id(of: "job"), by: principal))
        }
        api.on(.approveJob) { _, context, principal in
            JSONResult(value: try await jobs.approve(try context.parameters.id(of: "job"), by: principal))
        }
        api.on(.startJob) { _, context, principal in
            JSONResult(value: try await jobs.start(try context.parameters.id(of: "job"), by: principal))
        }
        api.on(.cancelJob) { request, context, principal in
            let body = try await request.decode(as: CancelBody.self, context: context)
            return JSONResult(
                value: try await jobs.cancel(try context.parameters.id(of: "job"), reason: body.reason, by: principal))
        }
        api.on(.recordJob) { request, context, principal in
            let body = try await request.decode(as: WorkBody.self, context: context)
            let work = JobWorkRecord(
                technique: try Technique.parse(body.technique, field: "technique"), tool: body.tool,
                toolVersion: body.toolVersion, notes: body.notes)
            return JSONResult(
                value: try await jobs.record(try context.parameters.id(of: "job"), work, by: principal))
        }
        api.on(.jobEvidence) { request, context, principal in
            let id = try context.parameters.id(of: "job")
            let query = request.uri.queryParameters
            func required(_ name: String) throws(LetheError) -> String {
                guard let value = query.get(name), !value.isEmpty else {
                    throw LetheError(.usage, "an evidence upload needs \(name)= in its query")
                }
                return value
            }
            let content = try await Self.upload(request, context: context, name: try required("name"))
            let work = JobWorkRecord(
                technique: try Technique.parse(try required("technique"), field: "technique"),
                tool: try required("tool"), toolVersion: try required("tool_version"), evidence: [content],
                notes: query.get("notes"))
            return JSONResult(value: try await jobs.record(id, work, by: principal))
        }
        api.on(.jobNwipe) { request, context, principal in
            let id = try context.parameters.id(of: "job")
            let log = try await Self.upload(
                request, context: context, name: request.uri.queryParameters.get("name") ?? "nwipe.log")
            return JSONResult(
                value: try await app.sanitization.importNwipe(
                    jobID: id, log: log, policies: try policies.load(), by: principal))
        }
        api.on(.attestJob) { request, context, principal in
            let id = try context.parameters.id(of: "job")
            let query = request.uri.queryParameters
            guard let name = query.get("name"), !name.isEmpty else {
                throw LetheError(.usage, "an attestation needs name= (the inspected file's name) in its query")
            }
            let passed = query.get("passed") == nil ? true : try AssetRoutes.flag(query, "passed")
            let attestation = Attestation(
                evidence: [try await Self.upload(request, context: context, name: name)], notes: query.get("notes"),
                passed: passed)
            return JSONResult(
                value: try await jobs.attest(id, attestation, policies: try policies.load(), by: principal),
                status: .created)
        }
        api.on(.verifyJob) { _, context, principal in
            JSONResult(
                value: try await jobs.verify(
                    try context.parameters.id(of: "job"), policies: try policies.load(), by: principal))
        }
        api.on(.runVerifications) { _, _, principal in
            JSONResult(value: try await jobs.verifyDue(policies: try policies.load(), by: principal))
        }
    }

    /// The list's filters, as `job list` takes them.
    static func filter(_ parameters: Parameters) throws(LetheError) -> JobFilter {
        var limit = 1000
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw LetheError(.usage, "limit \(Quoted(text)) must be a whole number from 1 to 1000")
            }
            limit = value
        }
        return JobFilter(
            state: try parameters.get("state").map { (text) throws(LetheError) in try JobState.parse(text) },
            overdue: try AssetRoutes.flag(parameters, "overdue"),
            dueBefore: try parameters.get("due_before").map { (text) throws(LetheError) in
                try RFC3339.parse(text, field: "due_before")
            },
            assetTag: parameters.get("asset"), limit: limit)
    }

    /// An uploaded file (the whole body, within the upload limit) under a plain name.
    static func upload(
        _ request: Request, context: LetheRequestContext, name: String
    ) async throws -> EvidenceContent {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else {
            throw LetheError(.usage, "the upload is empty: send the file as the body")
        }
        return EvidenceContent(name: AssetRoutes.plainName(name), bytes: Data(buffer.readableBytesView))
    }
}
