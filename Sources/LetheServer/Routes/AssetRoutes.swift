import Foundation
import Hummingbird
import Lethe
import LetheCore
import LetheStore

/// The asset register: thin adapters from HTTP to ``AssetService``.
struct AssetRoutes {
    let app: LetheApp
    /// The largest CSV body an import accepts (streamed, never held whole).
    let maxImportBytes: Int
    /// 1 GiB: several million rows.
    static let defaultMaxImportBytes = 1 << 30

    /// The body of `POST /assets` and `PATCH /assets/{tag}`: the CLI's flags, snake_case.
    struct FieldsBody: Decodable {
        var tag, serial, make, model, mediaType, capacity, location, custodian, classification, encryption: String?
        var parentTag, notes, state: String?
        var capacityBytes: Int64?

        enum CodingKeys: String, CodingKey {
            case tag, serial, make, model, capacity, location, custodian, classification, encryption, notes, state
            case mediaType = "media_type"
            case parentTag = "parent_tag"
            case capacityBytes = "capacity_bytes"
        }

        func fields(tag: String?) -> AssetFields {
            AssetFields(
                tag: tag, serial: serial, make: make, model: model, mediaType: mediaType,
                capacity: capacity ?? capacityBytes.map { String($0) }, location: location, custodian: custodian,
                classification: classification, encryption: encryption, parentTag: parentTag, notes: notes,
                state: state)
        }
    }

    struct ReasonBody: Decodable { var reason: String? }
    struct FoundBody: Decodable { var location: String? }
    struct DisposeBody: Decodable { var destination: String; var notes: String? }
    struct MoveBody: Decodable {
        var to: String; var from, location, at, manifest, notes: String?; var seals: [String]?
    }

    func add(to api: RouterGroup<LetheRequestContext>) {
        let assets = app.assets
        api.on(.registerAsset) { request, context, principal in
            let body = try await request.decode(as: FieldsBody.self, context: context)
            guard let tag = body.tag else { throw LetheError(.usage, "a registration needs the asset's tag (\"tag\")") }
            return JSONResult(value: try await assets.register(body.fields(tag: tag), by: principal), status: .created)
        }
        api.on(.listAssets) { request, _, principal in
            JSONResult(value: try await assets.list(try Self.query(request.uri.queryParameters), by: principal))
        }
        api.on(.importAssets) { request, context, principal in
            try await importAssets(request, context: context, principal: principal)
        }
        api.on(.showAsset) { _, context, principal in
            JSONResult(value: try await assets.show(context.parameters.text("tag"), by: principal))
        }
        api.on(.updateAsset) { request, context, principal in
            let body = try await request.decode(as: FieldsBody.self, context: context)
            if body.tag != nil || body.state != nil {
                throw LetheError(
                    .usage,
                    "an update changes descriptive fields only: the tag cannot change, and the state changes through retire, lost, found and dispose"
                )
            }
            return JSONResult(
                value: try await assets.update(context.parameters.text("tag"), body.fields(tag: nil), by: principal))
        }
        api.on(.retireAsset) { request, context, principal in
            let body = try await request.decodeIfPresent(as: ReasonBody.self, context: context)
            return JSONResult(
                value: try await assets.retire(context.parameters.text("tag"), reason: body?.reason, by: principal))
        }
        api.on(.moveAsset) { request, context, principal in
            let body = try await request.decode(as: MoveBody.self, context: context)
            let time = try body.at.map { (text) throws(LetheError) in try RFC3339.parse(text, field: "at") }
            let transfer = CustodyTransfer(
                from: body.from, to: body.to, location: body.location, at: time, seals: body.seals ?? [],
                manifest: body.manifest, notes: body.notes)
            return JSONResult(
                value: try await assets.transferCustody(context.parameters.text("tag"), transfer, by: principal))
        }
        api.on(.lostAsset) { request, context, principal in
            let body = try await request.decode(as: ReasonBody.self, context: context)
            return JSONResult(
                value: try await assets.reportLost(
                    context.parameters.text("tag"), reason: body.reason ?? "", by: principal))
        }
        api.on(.foundAsset) { request, context, principal in
            let body = try await request.decodeIfPresent(as: FoundBody.self, context: context)
            return JSONResult(
                value: try await assets.reportFound(
                    context.parameters.text("tag"), location: body?.location, by: principal))
        }
        api.on(.disposeAsset) { request, context, principal in
            let body = try await request.decode(as: DisposeBody.self, context: context)
            return JSONResult(
                value: try await assets.dispose(
                    context.parameters.text("tag"), destination: try Destination.parse(body.destination),
                    notes: body.notes, by: principal))
        }
        api.on(.assetHistory) { _, context, principal in
            JSONResult(value: try await assets.history(context.parameters.text("tag"), by: principal))
        }
    }

    /// The list's query: the CLI's filters, `q` for text, `after`/`limit` for paging.
    static func query(_ parameters: Parameters) throws(LetheError) -> AssetQuery {
        var limit = 100
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw LetheError(.usage, "limit \(Quoted(text)) must be a whole number from 1 to 1000")
            }
            limit = value
        }
        return AssetQuery(
            state: try parameters.get("state").map { (text) throws(LetheError) in
                try LifecycleState.parse(text, field: "state")
            },
            mediaType: try parameters.get("type").map { (text) throws(LetheError) in
                try MediaType.parse(text, field: "type")
            },
            location: parameters.get("location"), parentTag: parameters.get("parent"),
            afterTag: parameters.get("after"), limit: limit, text: parameters.get("q"),
            classification: try parameters.get("classification").map { (text) throws(LetheError) in
                try Classification.parse(text, field: "classification")
            })
    }

    /// `POST /assets/import`: the body streams into the importer (on its own thread) while it is
    /// received; past `maxImportBytes` the import stops and answers 413, having written nothing.
    func importAssets(
        _ request: Request, context: LetheRequestContext, principal: Principal
    ) async throws -> JSONResult<ImportSummary> {
        let parameters = request.uri.queryParameters
        let formatText = parameters.get("format") ?? ImportFormat.lethe.rawValue
        guard let format = ImportFormat(rawValue: formatText) else {
            throw LetheError(.usage, "format \(Quoted(formatText)) is not an import format; use lethe or snipeit")
        }
        let importRequest = ImportRequest(
            fileName: Self.plainName(parameters.get("file_name")), format: format,
            update: try Self.flag(parameters, "update"), dryRun: try Self.flag(parameters, "dry_run"))
        let bytes = StreamedBody(limit: maxImportBytes)
        let assets = app.assets
        let summary = try await withThrowingTaskGroup(of: ImportSummary?.self) { group in
            group.addTask {
                await bytes.receive(request.body)
                return nil
            }
            group.addTask {
                defer { bytes.abandon() }
                do {
                    return try await assets.importAssets(importRequest, from: bytes, by: principal)
                } catch {
                    if bytes.exceededLimit {
                        throw HTTPError(
                            .contentTooLarge,
                            message: "an import body may be at most \(maxImportBytes) bytes; split the file")
                    }
                    throw error
                }
            }
            var summary: ImportSummary?
            for try await result in group where result != nil { summary = result }
            return summary
        }
        guard let summary else { throw LetheError(.internal, "the import ended without a summary") }
        return JSONResult(value: summary, status: importRequest.dryRun ? .ok : .created)
    }

    /// A true/false query flag (absent is false).
    static func flag(_ parameters: Parameters, _ name: String) throws(LetheError) -> Bool {
        switch parameters.get(name) {
        case nil, "false", "0": false
        case "true", "1", "": true
        case let text?: throw LetheError(.usage, "\(name) \(Quoted(text)) must be true or false")
        }
    }

    /// A client's file name reduced to a plain name for the import's event.
    static func plainName(_ name: String?) -> String {
        let base = (name ?? "").split(separator: "/").last.map(String.init) ?? ""
        let clean = base.filter { $0.isASCII && !$0.isNewline && $0 != "\0" }.prefix(200)
        return clean.isEmpty ? "upload.csv" : String(clean)
    }
}

extension Request {
    /// Decodes a JSON body that may be absent (empty).
    func decodeIfPresent<Value: Decodable>(
        as type: Value.Type, context: LetheRequestContext
    ) async throws -> Value? {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try await request.decode(as: type, context: context)
    }
}
