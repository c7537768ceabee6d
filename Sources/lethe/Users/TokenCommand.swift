import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe token …`: API tokens for the HTTP API.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make, list and revoke API tokens.",
        discussion: """
            A token (lethe_<id>_<secret>) is shown once, when it is made, and stored only as the SHA-256 \
            of its secret. Present it as 'Authorization: Bearer TOKEN'. A read-only token allows only reads.
            """,
        subcommands: [TokenAdd.self, TokenList.self, TokenRevoke.self])
}

struct TokenAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Make an API token for a user; prints it once, as the last line.",
        discussion: """
            Examples:
              lethe token add ivy --expires P90D
              lethe token add audit-bot --read-only
            """)

    @Argument(help: "The user the token authenticates.") var user: String
    @Option(help: "Lifetime as an ISO 8601 duration (P90D, PT12H); default: no expiry.") var expires: String?
    @Flag(help: "Allow only reads, whatever the user's roles.") var readOnly = false
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let expires, ISODuration.parse(expires) == nil {
            throw ValidationError("--expires \(Quoted(expires)) is not an ISO 8601 duration such as P90D or PT12H")
        }
    }

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let token = try await global.openApp().users.addToken(
                user: user, expiresIn: expires.flatMap(ISODuration.parse), readOnly: readOnly,
                by: try write.principal())
            if output.json {
                Output.printResult(token)
            } else {
                let expiry = token.token.expiresAt.map { ", expires \($0)" } ?? ""
                print(
                    "API token \(token.token.id) for \(token.token.user)\(token.token.readOnly ? ", read-only" : "")\(expiry), shown once:"
                )
                print(token.secret)
            }
        }
    }
}

struct TokenList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List API tokens (never their secrets).")

    @Option(help: "Only this user's tokens.") var user: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let tokens = try await global.openApp().users.listTokens(user: user, by: try write.principal())
            if output.json {
                Output.printResult(["tokens": tokens])
            } else {
                Output.printTable(
                    header: ["ID", "USER", "STATE", "ACCESS", "EXPIRES", "CREATED"],
                    rows: tokens.map { token in
                        [
                            "\(token.id)", token.user, token.state.rawValue,
                            token.readOnly ? "read-only" : "read-write",
                            token.expiresAt ?? "never", token.createdAt,
                        ]
                    })
            }
        }
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke an API token: it stops working at once.")

    @Argument(help: "The token's number (from 'lethe token list').") var id: Int64
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let token = try await global.openApp().users.revokeToken(id: id, by: try write.principal())
            if output.json {
                Output.printResult(token)
            } else {
                print("API token \(token.id) of \(token.user) revoked")
            }
        }
    }
}
