import Foundation
import Hummingbird
import Lethe
import LetheCore

extension ConsoleRoutes {
    /// The largest evidence file an erasure attestation takes.
    static let maxErasureEvidenceBytes = 16 << 20

    /// The data map: the registered stores with how many subjects each holds, and the backups with
    /// their destruction dates.
    func dataMap(view: ConsoleView) async throws -> Response {
        let stores = try await app.erasure.listStores(by: view.principal).stores
        let backups = try await app.backups.list(by: view.principal).backups
        let values: [String: Any] = [
            "stores": stores.map {
                [
                    "name": $0.declaration.name, "kind": $0.json["kind"]?.stringValue ?? "", "holdings": $0.holdings,
                    "applied": RFC3339.format($0.appliedAt),
                ] as [String: Any]
            },
            "hasStores": !stores.isEmpty,
            "backups": backups.map { result -> [String: Any] in
                let backup = result.backup
                return [
                    "id": backup.id, "store": backup.store, "file": backup.file,
                    "created": RFC3339.format(backup.createdAt), "expires": backup.expiresAt.map(RFC3339.format) ?? "",
                    "due": backup.destructionDueAt.map(RFC3339.format) ?? "", "state": result.state.rawValue,
                    "overdue": result.state == .destructionOverdue, "subjects": backup.subjectCount,
                    "kind": backup.residue.map { "rolling: \($0.kind.rawValue) \($0.name)" } ?? backup.kind.rawValue,
                    "retention": backup.residue?.retention?.description ?? "",
                    "undeclared": backup.residue?.undeclaredAt != nil,
                ]
            },
            "hasBackups": !backups.isEmpty,
        ]
        return Self.html("data", values, title: "Data map", view: view)
    }

    /// Erasure requests by due date, with the days left, and the form that files one.
    func erasureList(
        view: ConsoleView, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws
        -> Response
    {
        let requests = try await app.erasure.list(overdue: false, by: view.principal).requests
        let now = app.clock()
        var values: [String: Any] = [
            "requests": requests.map { request -> [String: Any] in
                let days = Int((request.dueAt.timeIntervalSince(now) / 86_400).rounded(.down))
                return [
                    "id": request.id, "reason": request.reason.rawValue, "state": request.state.rawValue,
                    "due": RFC3339.format(request.dueAt), "requestedBy": request.requestedBy,
                    "daysLeft": request.state == .open ? (days < 0 ? "\(-days) days overdue" : "\(days) days") : "",
                    "overdue": request.state == .open && days < 0,
                ]
            },
            "hasRequests": !requests.isEmpty, "canRequest": view.may(.requestErasure),
            "reasons": ErasureReason.allCases.map(\.rawValue),
        ]
        if let error { values["error"] = error }
        return Self.html("erasures", values, title: "Erasure requests", view: view, status: status)
    }

    /// Files an erasure request. The identifier is hashed by the use case and dropped: it is never
    /// put back in a page (not even the form after an error), a URL or a log line.
    func fileErasure(_ form: ConsoleForm, view: ConsoleView) async throws -> Response {
        guard let reason = ErasureReason(rawValue: form["reason"] ?? "") else {
            return try await erasureList(
                view: view, error: "Choose a reason: withdrawal, objection, retention or other.",
                status: .unprocessableContent)
        }
        guard let identifier = form["identifier"], !identifier.trimmingCharacters(in: .whitespaces).isEmpty else {
            return try await erasureList(
                view: view, error: "Type the subject's identifier to file a request.", status: .unprocessableContent)
        }
        let details = try await app.erasure.request(
            identifier: identifier, reason: reason, policies: try ServerPolicies(app: app).load(),
            by: view.principal)
        return Self.redirect("/console/erasure/\(details.request.id)")
    }

    /// One request: its parts and their state, with the forms for the parts this user may act on.
    func erasurePage(_ idText: String, view: ConsoleView) async throws -> Response {
        let id = try Self.erasureID(idText)
        let details = try await app.erasure.details(id, by: view.principal)
        let request = details.request
        let canAttest = view.may(.attestErasure)
        let parts = details.parts.map { part -> [String: Any] in
            var values: [String: Any] = [
                "part": part.id, "store": part.store, "action": part.action.rawValue, "state": part.state.rawValue,
                "backup": part.backupID.map { String($0) } ?? "", "asset": part.assetTag ?? "",
                "job": part.jobID.map { String($0) } ?? "", "final": part.finalAt.map(RFC3339.format) ?? "",
                "canAttest": canAttest && part.action == .attest && part.state != .done,
            ]
            // A declared replica's part names its backup, so the attestation reaches that part.
            if part.action == .attest, let backup = part.backupID { values["attestBackup"] = String(backup) }
            if let retention = part.outcome["retention"]?.stringValue, let until = part.finalAt {
                // Facts, rendered: the date is the declared retention's, not something Lethe saw.
                values["agesOut"] = "ages out by \(RFC3339.format(until)) under the declared retention \(retention)"
            }
            // Only when there is one: an empty string would still open the template's section.
            if let error = part.outcome["error"]?.stringValue, !error.isEmpty { values["error"] = error }
            return values
        }
        let runnable = details.parts.contains { $0.action == .execute && $0.state != .done }
        var values: [String: Any] = [
            "id": request.id, "requestID": request.id, "reason": request.reason.rawValue,
            "state": request.state.rawValue, "due": RFC3339.format(request.dueAt), "requestedBy": request.requestedBy,
            "created": RFC3339.format(request.createdAt),
            "parts": parts, "hasParts": !parts.isEmpty,
            "canRun": runnable && view.may(.runErasure),
        ]
        if let completed = request.completedAt { values["completed"] = RFC3339.format(completed) }
        return Self.html("erasure", values, title: "Erasure request \(request.id)", view: view)
    }

    /// Runs a request's database parts with the identifier typed again (it must hash to the
    /// request's subject); the request's page then shows each part's outcome.
    func runErasure(_ id: Int64, form: ConsoleForm, view: ConsoleView) async throws -> Response {
        _ = try await app.erasure.run(id, identifier: form["identifier"] ?? "", by: view.principal)
        return Self.redirect("/console/erasure/\(id)")
    }

    /// Records that a processor or file share erased the subject, with the attester's notes and an
    /// optional evidence file (its SHA-256 is kept).
    func attestErasure(_ id: Int64, form: ConsoleMultipart, view: ConsoleView) async throws -> Response {
        let evidence = form.file("evidence").map {
            AttestationEvidence(name: Self.evidence($0).name, bytes: Data($0.bytes))
        }
        _ = try await app.erasure.attest(
            id, store: form.fields["store"] ?? "", backup: form.nonEmpty("backup").flatMap { Int64($0) },
            notes: form.nonEmpty("notes") ?? "", evidence: evidence, by: view.principal)
        return Self.redirect("/console/erasure/\(id)")
    }

    /// A form posted on an erasure request: attest is an upload (its optional evidence), run a plain form.
    func erasureForm(_ request: Request, context: LetheRequestContext) async throws -> Response {
        let idText = context.parameters.text("id")
        switch context.parameters.text("verb") {
        case "attest":
            return try await upload(request, maxBytes: Self.maxErasureEvidenceBytes) { view, form in
                try await attestErasure(try Self.erasureID(idText), form: form, view: view)
            }
        case "run":
            return try await self.form(request, context: context) { view, form in
                try await runErasure(try Self.erasureID(idText), form: form, view: view)
            }
        case let verb: throw LetheError(.notFound, "there is no erasure action \(Quoted(verb))")
        }
    }

    static func erasureID(_ text: String) throws(LetheError) -> Int64 {
        guard let id = Int64(text), id > 0 else {
            throw LetheError(.notFound, "there is no erasure request \(Quoted(text))")
        }
        return id
    }
}
