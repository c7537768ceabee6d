import Foundation
import Hummingbird
import Lethe
import LetheCore
import NIOCore

/// The data map, holdings, erasure requests and backups: thin adapters over ``ErasureService``
/// and ``BackupService``. A subject identifier arrives only in a request body; no route puts it in
/// a URL, a log line or a response.
struct ErasureRoutes {
    let app: LetheApp
    /// The largest holdings CSV accepted. The body is read whole before the import (the holdings
    /// importer reads a stream to its end and could not tell a cut-off upload from the file's end).
    let maxHoldingsBytes: Int
    /// 64 MiB: about a million rows.
    static let defaultMaxHoldingsBytes = 64 << 20

    struct DataMapBody: Decodable {
        var yaml: String
        var fileName: String?
        enum CodingKeys: String, CodingKey {
            case yaml
            case fileName = "file_name"
        }
    }
    struct RequestBody: Decodable { var identifier: String; var reason: String }
    struct IdentifierBody: Decodable { var identifier: String }
    struct AttestBody: Decodable { var store: String; var backup: Int64?; var notes: String }
    struct BackupBody: Decodable { var store, file, created: String; var expires, media: String? }
    struct NotesBody: Decodable { var notes: String }

    func add(to api: RouterGroup<LetheRequestContext>) {
        let (erasure, backups, policies) = (app.erasure, app.backups, ServerPolicies(app: app))
        let maxHoldingsBytes = maxHoldingsBytes
        api.on(.applyStores) { request, context, principal in
            let body = try await request.decode(as: DataMapBody.self, context: context)
            return JSONResult(
                value: try await erasure.applyDataMap(
                    yaml: body.yaml, fileName: AssetRoutes.plainName(body.fileName ?? "datamap.yaml"),
                    by: principal))
        }
        api.on(.listStores) { _, _, principal in JSONResult(value: try await erasure.listStores(by: principal)) }
        api.on(.showStore) { _, context, principal in
            JSONResult(value: try await erasure.showStore(context.parameters.text("name"), by: principal))
        }
        api.on(.scanStore) { _, context, principal in
            JSONResult(value: try await erasure.scanStore(context.parameters.text("name"), by: principal))
        }
        api.on(.reapplyStore) { _, context, principal in
            JSONResult(value: try await erasure.reapply(store: context.parameters.text("name"), by: principal))
        }
        api.on(.importHoldings) { request, _, principal in
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: maxHoldingsBytes)
            } catch let error as HTTPError where error.status == .contentTooLarge {
                throw HTTPError(
                    .contentTooLarge,
                    message: "a holdings body may be at most \(maxHoldingsBytes) bytes; split the file")
            }
            let data = Data(buffer.readableBytesView)
            return JSONResult(
                value: try await erasure.importHoldings(
                    csv: .bytes(data),
                    fileName: AssetRoutes.plainName(request.uri.queryParameters.get("file_name") ?? "holdings.csv"),
                    by: principal))
        }
        api.on(.requestErasure) { request, context, principal in
            let body = try await request.decode(as: RequestBody.self, context: context)
            guard let reason = ErasureReason(rawValue: body.reason) else {
                throw LetheError(.usage, "reason must be withdrawal, objection, retention or other")
            }
            return JSONResult(
                value: try await erasure.request(
                    identifier: body.identifier, reason: reason, policies: try policies.load(), by: principal),
                status: .created)
        }
        api.on(.listErasures) { request, _, principal in
            JSONResult(
                value: try await erasure.list(
                    overdue: try AssetRoutes.flag(request.uri.queryParameters, "overdue"), by: principal))
        }
        api.on(.showErasure) { _, context, principal in
            JSONResult(
                value: try await erasure.details(try context.parameters.id(of: "erasure request"), by: principal))
        }
        api.on(.runErasure) { request, context, principal in
            let id = try context.parameters.id(of: "erasure request")
            let body = try await request.decode(as: IdentifierBody.self, context: context)
            return JSONResult(value: try await erasure.run(id, identifier: body.identifier, by: principal))
        }
        api.on(.attestErasure) { request, context, principal in
            let id = try context.parameters.id(of: "erasure request")
            let body = try await request.decode(as: AttestBody.self, context: context)
            return JSONResult(
                value: try await erasure.attest(
                    id, store: body.store, backup: body.backup, notes: body.notes, evidence: nil, by: principal))
        }
        api.on(.erasureReport) { _, context, principal in
            let report = try await erasure.report(try context.parameters.id(of: "erasure request"), by: principal)
            // The canonical JSON a signed erasure record carries, as `erasure report --format json`.
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try report.canonicalJSON())))
        }
        api.on(.registerBackup) { request, context, principal in
            let body = try await request.decode(as: BackupBody.self, context: context)
            let created = try RFC3339.parse(body.created, field: "created")
            let expires = try body.expires.map { (text) throws(LetheError) in try RFC3339.parse(text, field: "expires")
            }
            return JSONResult(
                value: try await backups.register(
                    store: body.store, file: body.file, created: created, expires: expires, media: body.media,
                    policies: expires == nil ? try policies.load() : nil, by: principal),
                status: .created)
        }
        api.on(.listBackups) { request, _, principal in
            JSONResult(value: try await backups.list(store: request.uri.queryParameters.get("store"), by: principal))
        }
        api.on(.shredBackup) { _, context, principal in
            JSONResult(value: try await backups.shred(try context.parameters.id(of: "backup"), by: principal))
        }
        api.on(.attestBackup) { request, context, principal in
            let id = try context.parameters.id(of: "backup")
            let body = try await request.decode(as: NotesBody.self, context: context)
            return JSONResult(
                value: try await backups.attestDestroyed(id, notes: body.notes, evidence: nil, by: principal))
        }
    }
}
