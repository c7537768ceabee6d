import Foundation
import Hummingbird
import Lethe
import LetheCore

/// Webhooks (admins): `GET/POST /api/v1/webhooks`, `DELETE /api/v1/webhooks/{id}`,
/// `GET /api/v1/webhooks/{id}/deliveries`.
struct WebhookRoutes {
    let app: LetheApp

    struct AddWebhook: Decodable {
        var url: String
        var events: [String]
        var allowHTTP: Bool?
        enum CodingKeys: String, CodingKey {
            case url, events
            case allowHTTP = "allow_http"
        }
    }

    func add(to api: RouterGroup<LetheRequestContext>) {
        api.on(.listWebhooks) { _, _, principal in
            JSONResult(value: ["webhooks": try await app.webhooks.list(by: principal)])
        }
        api.on(.addWebhook) { request, context, principal in
            let body = try await request.decode(as: AddWebhook.self, context: context)
            let events = try body.events.map { (name) throws(LetheError) in try NotificationEvent.parse(name) }
            let added = try await app.webhooks.add(
                url: body.url, events: events, allowPlainHTTP: body.allowHTTP ?? false, by: principal)
            return JSONResult(value: added, status: .created)
        }
        api.on(.removeWebhook) { _, context, principal in
            let id = try context.parameters.require("id", as: Int64.self)
            return JSONResult(value: try await app.webhooks.remove(id: id, by: principal))
        }
        api.on(.webhookDeliveries) { request, context, principal in
            let id = try context.parameters.require("id", as: Int64.self)
            var limit = 20
            if let text = request.uri.queryParameters.get("limit") {
                guard let value = Int(text) else { throw LetheError(.usage, "limit \(Quoted(text)) is not a number") }
                limit = value
            }
            return JSONResult(value: [
                "deliveries": try await app.webhooks.deliveries(webhookID: id, limit: limit, by: principal)
            ])
        }
    }
}
