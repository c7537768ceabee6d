import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe webhook …`: where the service sends notifications.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Add, list and remove webhooks (notifications that lethe serve POSTs).",
        discussion: """
            Each delivery is an HTTP POST of a JSON body, signed with HMAC-SHA-256 under the webhook's \
            secret (shown once, when the webhook is added); failed deliveries are retried with backoff. \
            Events: \(NotificationEvent.allCases.map(\.rawValue).joined(separator: ", ")). See \
            docs/operations.md for how a receiver checks the signature.
            """,
        subcommands: [WebhookAdd.self, WebhookList.self, WebhookRemove.self, WebhookDeliveries.self])
}

struct WebhookAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a webhook; prints its signing secret once, as the last line.",
        discussion: """
            Examples:
              lethe webhook add https://alerts.example.org/lethe --events job.overdue,verification.failed
              lethe webhook add http://127.0.0.1:9000/hook --events report.ready
            """)

    @Argument(help: "The https URL to POST to (http only to a loopback address, or with --allow-http).")
    var url: String
    @Option(help: "The events it takes, comma-separated.") var events: String
    @Flag(help: "Allow a plain-http URL to a non-loopback address (its deliveries are readable on the network).")
    var allowHTTP = false
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let parsed = try events.split(separator: ",").map { (name) throws(LetheError) in
                try NotificationEvent.parse(String(name))
            }
            let added = try await global.openApp(creating: true).webhooks.add(
                url: url, events: parsed, allowPlainHTTP: allowHTTP, by: try write.principal())
            if output.json {
                Output.printResult(added)
            } else {
                print(
                    "webhook \(added.webhook.id) for \(added.webhook.events.joined(separator: ", ")); signing secret, shown once:"
                )
                print(added.secret)
            }
        }
    }
}

struct WebhookList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List webhooks (never secrets).")

    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let webhooks = try await global.openApp().webhooks.list(by: try write.principal())
            if output.json {
                Output.printResult(["webhooks": webhooks])
            } else {
                Output.printTable(
                    header: ["ID", "URL", "EVENTS", "CREATED"],
                    rows: webhooks.map {
                        ["\($0.id)", $0.url, $0.events.joined(separator: ","), RFC3339.format($0.createdAt)]
                    })
            }
        }
    }
}

struct WebhookRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a webhook: nothing more is sent to it.")

    @Argument(help: "The webhook's number (from 'lethe webhook list').") var id: Int64
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let removed = try await global.openApp().webhooks.remove(id: id, by: try write.principal())
            if output.json {
                Output.printResult(removed)
            } else {
                print("webhook \(removed.id) removed")
            }
        }
    }
}

struct WebhookDeliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "A webhook's recent deliveries and how each stands.")

    @Argument(help: "The webhook's number.") var id: Int64
    @Option(help: "At most this many (1 to 100).") var limit = 20
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let deliveries = try await global.openApp().webhooks.deliveries(
                webhookID: id, limit: limit, by: try write.principal())
            if output.json {
                Output.printResult(["deliveries": deliveries])
            } else {
                Output.printTable(
                    header: ["ID", "EVENT", "STATE", "ATTEMPTS", "LAST", "CREATED"],
                    rows: deliveries.map {
                        [
                            "\($0.id)", $0.event, $0.state.rawValue, "\($0.attempts)",
                            $0.lastStatus.map { "HTTP \($0)" } ?? $0.lastError ?? "-", RFC3339.format($0.createdAt),
                        ]
                    })
            }
        }
    }
}
