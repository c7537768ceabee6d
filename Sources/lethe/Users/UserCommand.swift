import ArgumentParser
import Foundation
import Lethe
import LetheCore

extension Role: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// `lethe user …`: the people who use the service.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, list and disable the users of the service, and set their console passwords.",
        discussion: """
            Each user holds one or more roles (see docs/security.md): admin, it-staff, technician, \
            verifier, compliance, auditor. Users authenticate to the HTTP API with API tokens ('lethe token') \
            and to the web console with a password. Nothing is deleted: a user is disabled.
            """,
        subcommands: [UserAdd.self, UserList.self, UserDisable.self, UserPassword.self])
}

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a user with roles; prints its first API token once, as the last line.",
        discussion: """
            The token is shown only now and stored only as a hash: hand it to the user over a safe \
            channel. Examples:
              lethe user add ivy --role it-staff
              lethe user add carol --role verifier --role auditor
            """)

    @Argument(help: "The user's name (what events name as the actor).") var name: String
    @Option(name: .customLong("role"), help: "A role to hold; repeat for several.") var roles: [Role] = []
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let added = try await global.openApp(creating: true).users.add(
                name: name, roles: Set(roles), by: try write.principal())
            if output.json {
                Output.printResult(added)
            } else {
                print("user \(added.user.name) added (\(added.user.roles.map(\.rawValue).joined(separator: ", ")))")
                print("API token \(added.token.token.id), shown once:")
                print(added.token.secret)
            }
        }
    }
}

struct UserList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the users and their roles.")

    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let users = try await global.openApp().users.list(by: try write.principal())
            if output.json {
                Output.printResult(["users": users])
            } else {
                Output.printTable(
                    header: ["USER", "ROLES", "STATE", "PASSWORD", "ADDED"],
                    rows: users.map { user in
                        [
                            user.name, user.roles.map(\.rawValue).joined(separator: ","),
                            user.disabled ? "disabled" : "active", user.hasPassword ? "set" : "-", user.createdAt,
                        ]
                    })
            }
        }
    }
}

struct UserDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Disable a user: its tokens and password stop working at once.")

    @Argument(help: "The user's name.") var name: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let user = try await global.openApp().users.disable(name: name, by: try write.principal())
            if output.json { Output.printResult(user) } else { print("user \(user.name) disabled") }
        }
    }
}

struct UserPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password", abstract: "Set a user's console password, read from standard input.",
        discussion: """
            The password (12 to 1,024 characters) is read from standard input, never from the command \
            line where the process list and shell history would show it; it is stored as its scrypt hash. \
            Example:
              printf '%s' "$PASSWORD" | lethe user password ivy
            """)

    @Argument(help: "The user's name.") var name: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let data = FileHandle.standardInput.readDataToEndOfFile()
            var scalars = String(decoding: data, as: UTF8.self).unicodeScalars
            // The line end a shell or editor adds (LF or CR LF; "\r\n" is one Character).
            while let last = scalars.last, last == "\n" || last == "\r" { scalars.removeLast() }
            let password = String(scalars)
            let user = try await global.openApp().users.setPassword(
                name: name, password: password, by: try write.principal())
            if output.json { Output.printResult(user) } else { print("password of \(user.name) set") }
        }
    }
}
