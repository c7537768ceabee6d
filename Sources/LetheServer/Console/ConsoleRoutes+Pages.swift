import Foundation
import Hummingbird
import Lethe
import LetheCore
import LetheStore

extension ConsoleRoutes {
    /// The dashboard: assets by state, overdue jobs, erasure requests and backups past due.
    func dashboard(_ view: ConsoleView) async throws -> Response {
        let status = try await app.status.report(by: view.principal)
        var values: [String: Any] = [
            "states": LifecycleState.allCases.map { ["state": $0.rawValue, "count": status.assets[$0.rawValue] ?? 0] },
            "overdueJobCount": status.overdueJobCount,
            "overdueJobs": status.overdueJobs.map {
                [
                    "id": $0.id, "tag": $0.assetTag, "tagPath": Self.pathComponent($0.assetTag),
                    "state": $0.state.rawValue, "due": RFC3339.format($0.dueAt),
                ]
            },
            "hasOverdueJobs": !status.overdueJobs.isEmpty,
            "hasOverdueBackups": !status.overdueBackups.isEmpty,
            "openErasureRequests": status.openErasureRequests,
            "overdueErasureCount": status.overdueErasureRequests.count,
            "overdueBackups": status.overdueBackups.map {
                ["id": $0.id, "store": $0.store, "due": RFC3339.format($0.destructionDueAt)]
            },
        ]
        if view.may(.readJobs) {
            // Counted in the store and the first 20 listed: never every open job loaded.
            let soon = try await app.jobs.dueSoon(within: 7 * 86_400, limit: 20, by: view.principal)
            values["canReadJobs"] = true
            values["dueSoonCount"] = soon.count
            values["hasDueSoon"] = soon.count > 0
            values["dueSoon"] = soon.first.map {
                [
                    "id": $0.job.id, "tag": $0.job.assetTag, "state": $0.job.state.rawValue,
                    "due": RFC3339.format($0.job.plan.dueAt),
                ]
            }
            let executions = try await app.jobs.executions(
                since: ConsoleDisposalChart.firstWeekStart(now: status.at), by: view.principal)
            values["chart"] = ConsoleDisposalChart.values(executions: executions, now: status.at)
        }
        return Self.html("dashboard", values, title: "Dashboard", view: view)
    }

    /// The register: text search, a state filter and cursor paging (by tag), and the register form
    /// for those who may register.
    func assetList(
        _ request: Request, view: ConsoleView, error: String? = nil, problems: [String] = [], notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let parameters = request.uri.queryParameters
        let q = parameters.get("q")?.trimmingCharacters(in: .whitespaces) ?? ""
        let stateText = parameters.get("state") ?? ""
        let state = try stateText.isEmpty ? nil : LifecycleState.parse(stateText, field: "state")
        let typeText = parameters.get("type") ?? ""
        let mediaType = try typeText.isEmpty ? nil : MediaType.parse(typeText, field: "type")
        let classificationText = parameters.get("classification") ?? ""
        let classification =
            try classificationText.isEmpty ? nil : Classification.parse(classificationText, field: "classification")
        let after = parameters.get("after")
        let page = try await app.assets.list(
            AssetQuery(
                state: state, mediaType: mediaType, afterTag: after, limit: 50, text: q.isEmpty ? nil : q,
                classification: classification),
            by: view.principal)
        var values: [String: Any] = [
            "q": q, "total": page.total,
            "stateOptions": LifecycleState.allCases.map { ["value": $0.rawValue, "selected": $0 == state] },
            "typeOptions": MediaType.allCases.map { ["value": $0.rawValue, "selected": $0 == mediaType] },
            "classificationOptions": Classification.allCases.map {
                ["value": $0.rawValue, "selected": $0 == classification]
            },
            "rows": page.assets.enumerated().map { index, details -> [String: Any] in
                let asset = details.asset
                return [
                    "index": index, "inService": asset.state == .inService,
                    "tag": asset.tag, "tagPath": Self.pathComponent(asset.tag), "mediaType": asset.mediaType.rawValue,
                    "serial": asset.serial ?? "",
                    "custodian": asset.custodian ?? "", "location": asset.location ?? "", "state": asset.state.rawValue,
                ]
            },
            "canRegister": view.may(.registerAsset),
            "canRetire": view.may(.retireAsset) && page.assets.contains { $0.asset.state == .inService },
            "mediaTypes": MediaType.allCases.map(\.rawValue),
            "classifications": Classification.allCases.map(\.rawValue),
        ]
        if let error { values["error"] = error }
        values["problems"] = problems
        values["hasProblems"] = !problems.isEmpty
        values["canImport"] = view.may(.importAssets)
        if let next = page.nextAfter {
            var query = URLComponents()
            query.queryItems = [
                URLQueryItem(name: "q", value: q), URLQueryItem(name: "state", value: stateText),
                URLQueryItem(name: "type", value: typeText),
                URLQueryItem(name: "classification", value: classificationText),
                URLQueryItem(name: "after", value: next),
            ]
            values["next"] = "/console/assets?" + (query.percentEncodedQuery ?? "")
        }
        return Self.html("assets", values, title: "Assets", view: view, notice: notice, status: status)
    }

    /// Registers an asset from the form; the asset's page on success, the list with the error otherwise.
    func register(_ form: ConsoleForm, view: ConsoleView) async throws -> Response {
        guard let tag = form.nonEmpty("tag") else { throw LetheError(.usage, "a registration needs the asset's tag") }
        let fields = AssetFields(
            tag: tag, serial: form.nonEmpty("serial"), make: nil, model: nil, mediaType: form.nonEmpty("media_type"),
            capacity: nil, location: form.nonEmpty("location"), custodian: form.nonEmpty("custodian"),
            classification: form.nonEmpty("classification"), encryption: nil, parentTag: nil, notes: nil, state: nil)
        let registered = try await app.assets.register(fields, by: view.principal)
        return Self.redirect("/console/assets/" + Self.pathComponent(registered.asset.tag))
    }

    /// One asset: its fields, the lifecycle actions open to this user now, and its history.
    func assetPage(_ tag: String, view: ConsoleView) async throws -> Response {
        let details = try await app.assets.show(tag, by: view.principal)
        let history = try await app.assets.history(tag, by: view.principal)
        let asset = details.asset
        let fields: [(String, String?)] = [
            ("State", asset.state.rawValue), ("Media type", asset.mediaType.rawValue),
            ("Classification", asset.classification.rawValue), ("Encryption", asset.encryption.rawValue),
            ("Serial", asset.serial), ("Make", asset.make), ("Model", asset.model),
            ("Capacity (bytes)", asset.capacityBytes.map { String($0) }), ("Custodian", asset.custodian),
            ("Location", asset.location), ("Part of", asset.parentTag), ("Notes", asset.notes),
            ("Registered", RFC3339.format(asset.registeredAt)), ("Updated", RFC3339.format(asset.updatedAt)),
        ]
        var jobs: [[String: Any]] = []
        var records: [[String: Any]] = []
        if view.may(.readJobs) {
            for status in try await app.jobs.list(JobFilter(assetTag: asset.tag, limit: 100), by: view.principal).jobs {
                let job = status.job
                jobs.append([
                    "id": job.id, "state": job.state.rawValue, "method": job.plan.method.rawValue,
                    "due": RFC3339.format(job.plan.dueAt), "overdue": status.overdue,
                ])
                if view.may(.readRecords) {
                    records += try await app.evidence.list(job: job.id, by: view.principal).map {
                        [
                            "serial": $0.serial, "serialPath": Self.pathComponent($0.serial),
                            "status": $0.status.rawValue,
                        ]
                    }
                }
            }
        }
        let values: [String: Any] = [
            "canMove": view.may(.moveAsset) && asset.state != .disposed, "tagPath": Self.pathComponent(asset.tag),
            "custody": history.events.filter { $0.type == .custodyTransferred }.map {
                ["at": RFC3339.format($0.recordedAt), "summary": $0.summary, "actor": $0.actor]
            },
            "jobs": jobs, "hasJobs": !jobs.isEmpty, "records": records, "hasRecords": !records.isEmpty,
            "tag": asset.tag,
            "fields": fields.compactMap { label, value in value.map { ["label": label, "value": $0] } },
            "actions": ConsoleLifecycleAction.open(for: asset.state, view: view).map {
                ["verb": $0.rawValue, "label": $0.label, "tag": Self.pathComponent(asset.tag)]
            },
            "events": history.events.map {
                ["at": RFC3339.format($0.recordedAt), "type": $0.summary, "actor": $0.actor] as [String: Any]
            },
        ]
        return Self.html("asset", values, title: "Asset \(asset.tag)", view: view)
    }

    /// A lifecycle action posted from an asset's page; refused (403, nothing changed) when the
    /// user's roles do not allow it, whatever the page offered.
    func lifecycleAction(_ tag: String, verb: String, form: ConsoleForm, view: ConsoleView) async throws -> Response {
        if verb == "move" {
            let seals = (form["seals"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            _ = try await app.assets.transferCustody(
                tag,
                CustodyTransfer(
                    from: nil, to: form.nonEmpty("to") ?? "", location: form.nonEmpty("location"), at: nil,
                    seals: seals,
                    manifest: nil, notes: form.nonEmpty("notes")), by: view.principal)
            return Self.redirect("/console/assets/" + Self.pathComponent(tag))
        }
        guard let action = ConsoleLifecycleAction(rawValue: verb) else {
            throw LetheError(.notFound, "there is no asset action \(Quoted(verb))")
        }
        switch action {
        case .retire: try await app.assets.retire(tag, reason: form.nonEmpty("reason"), by: view.principal)
        case .lost: try await app.assets.reportLost(tag, reason: form.nonEmpty("reason") ?? "", by: view.principal)
        }
        return Self.redirect("/console/assets/" + Self.pathComponent(tag))
    }

    /// A tag as one URL path segment.
    static func pathComponent(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// The lifecycle actions the console offers on an asset's page.
enum ConsoleLifecycleAction: String, CaseIterable, Sendable {
    case retire, lost

    var label: String {
        switch self {
        case .retire: "Retire"
        case .lost: "Report lost"
        }
    }

    var action: Action {
        switch self {
        case .retire: .retireAsset
        case .lost: .reportAssetLost
        }
    }

    var target: LifecycleState {
        switch self {
        case .retire: .retired
        case .lost: .lost
        }
    }

    /// The actions the lifecycle allows from `state` and the user's roles allow.
    static func open(for state: LifecycleState, view: ConsoleView) -> [Self] {
        allCases.filter { Lifecycle.allowedNext(from: state).contains($0.target) && view.may($0.action) }
    }
}
