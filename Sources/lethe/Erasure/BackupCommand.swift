import ArgumentParser
import Foundation
import Lethe
import LetheCore

/// `lethe backup`: backups of data stores, and their crypto-erasure.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Register, encrypt, decrypt and crypto-shred backups of data stores.",
        discussion: """
            A backup holds every subject its store held when it was registered: erasure requests add a \
            suppression entry for it (re-applied by 'lethe erasure reapply' after a restore) until it \
            expires or is shredded. 'lethe schedule' schedules the destruction of expired backups, due \
            the policy's backup_destruction_deadline after their expiry; 'lethe verify --due' raises \
            those past due.
            """,
        subcommands: [
            BackupRegister.self, BackupList.self, BackupEncrypt.self, BackupDecrypt.self, BackupShred.self,
            BackupAttest.self,
        ]
    )
}

/// `lethe backup register`.
struct BackupRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Register a backup of a store.",
        discussion: """
            Without --expires, the policy's retention rule for system.backups (trigger backup-created) \
            sets the expiry, when there is one. --media names the registered asset the file lives on \
            (a tape, a backup disk): when the backup expires and Lethe holds no key to shred, 'lethe \
            schedule' retires that asset for sanitization (once no backup on it is still retained), \
            and the verification of its job records the backup destroyed.

            Examples:
              lethe backup register --store crm --file /backups/crm-2026-11-22.sqlite --created 2026-11-22T02:00:00Z
              lethe backup register --store crm --file tape:T-0042/crm --created 2026-11-22 --media T-0042
            """)

    @Option(help: "The store the backup copies.") var store: String
    @Option(help: "The backup file.") var file: String
    @Option(help: "When the backup was made (RFC 3339 or YYYY-MM-DD).") var created: String
    @Option(help: "When its retention ends (RFC 3339 or YYYY-MM-DD).") var expires: String?
    @Option(help: "The asset tag of the medium the file lives on (a tape, a backup disk).") var media: String?
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let createdAt = try RFC3339.parse(created, field: "--created")
            let expiresAt = try expires.map { (text) throws(LetheError) in try RFC3339.parse(text, field: "--expires") }
            let policies = expiresAt == nil ? try policyOptions.load(global: global) : nil
            let result = try await global.openApp().backups.register(
                store: store,
                file: FileManager.default.fileExists(atPath: file) ? CommandLinePath.absolute(file) : file,
                created: createdAt, expires: expiresAt, media: media, policies: policies,
                by: try write.principal())
            if output.json { return Output.printResult(result) }
            let backup = result.backup
            print(
                "backup \(backup.id) of \(backup.store) registered, expires \(backup.expiresAt.map(RFC3339.format) ?? "never")"
            )
        }
    }
}

/// `lethe backup list`.
struct BackupList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List backups.")

    @Option(help: "Only the backups of this store.") var store: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let result = try await global.openApp().backups.list(store: store, by: try ErasureCLI.reader())
            if output.json { return Output.printResult(result) }
            Output.printTable(
                header: [
                    "BACKUP", "STORE", "KIND", "CREATED", "EXPIRES", "RETENTION", "STATE", "SUBJECTS", "MEDIA",
                    "FILE/LOCATION",
                ],
                rows: result.backups.map { listed in
                    let backup = listed.backup
                    return [
                        "\(backup.id)", backup.store, Self.kind(backup), RFC3339.format(backup.createdAt),
                        backup.expiresAt.map(RFC3339.format) ?? "-",
                        backup.residue?.retention?.description ?? "-", listed.state.rawValue,
                        "\(backup.subjectCount)", backup.mediaTag ?? "-", backup.file,
                    ]
                })
        }
    }
}

extension BackupList {
    /// `snapshot`, or a rolling backup's residue kind and name (`wal-archive pitr`), marked when
    /// it is no longer declared.
    static func kind(_ backup: BackupRecord) -> String {
        guard let residue = backup.residue else { return backup.kind.rawValue }
        return "\(residue.kind.rawValue) \(residue.name)" + (residue.undeclaredAt == nil ? "" : " (undeclared)")
    }
}

/// `lethe backup encrypt ID --output FILE`.
struct BackupEncrypt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Encrypt a backup's file under its own data key kept (sealed) by Lethe.",
        discussion: """
            The encrypted file becomes the backup's file; remove the plaintext yourself once it is checked.

            Example:
              lethe backup encrypt 1 --output /backups/crm-2026-11-22.sqlite.lethe
            """)

    @Argument(help: "The backup's number.") var id: Int64
    @Option(help: "The encrypted file to write (must not exist).") var output: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: outputOptions.json) { () async throws(LetheError) in
            let result = try await global.openApp().backups.encrypt(
                id, output: CommandLinePath.absolute(output), by: try write.principal())
            if outputOptions.json { return Output.printResult(result) }
            print("backup \(id) encrypted into \(result.backup.file)")
        }
    }
}

/// `lethe backup decrypt ID --output FILE`.
struct BackupDecrypt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt", abstract: "Decrypt a backup for a restore (fails once it is shredded).",
        discussion: """
            After restoring, run 'lethe erasure reapply --store NAME' before the store is used again. \
            An output in the data directory is always refused; an existing file unless --force.

            Example:
              lethe backup decrypt 1 --output /tmp/crm-restore.sqlite
            """)

    @Argument(help: "The backup's number.") var id: Int64
    @Option(help: "The plaintext file to write.") var output: String
    @Flag(help: "Replace an existing output file.") var force = false
    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: outputOptions.json) { () async throws(LetheError) in
            let result = try await global.openApp().backups.decrypt(
                id, output: output, force: force, by: try ErasureCLI.reader())
            if outputOptions.json { return Output.printResult(result) }
            print(
                "backup \(id) decrypted into \(result.output) (\(result.bytes) bytes); now run 'lethe erasure reapply' on the restored store"
            )
        }
    }
}

/// `lethe backup shred ID`.
struct BackupShred: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shred", abstract: "Crypto-erase a backup: destroy its key, with evidence in the log.",
        discussion: """
            Irreversible: the backup can never be decrypted again.

            Example:
              lethe backup shred 1
            """)

    @Argument(help: "The backup's number.") var id: Int64
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let result = try await global.openApp().backups.shred(id, by: try write.principal())
            if output.json { return Output.printResult(result) }
            print(
                "backup \(id) shredded at \(result.backup.shreddedAt.map(RFC3339.format) ?? "?"): its key is destroyed")
        }
    }
}

/// `lethe backup attest ID`.
struct BackupAttest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest", abstract: "Record that a backup Lethe did not encrypt was destroyed outside Lethe.",
        discussion: """
            For a backup whose file was deleted or whose medium was destroyed by other means (a \
            vendor's shredding, a tape not registered as an asset). Every erasure request's \
            suppression part for it ends, as a shredding's does. A backup Lethe encrypted is \
            crypto-erased with 'lethe backup shred' instead.

            Example:
              lethe backup attest 4 --notes "Tape T-0042 shredded by Acme, certificate 7781" --evidence acme-7781.pdf
            """)

    @Argument(help: "The backup's number.") var id: Int64
    @Option(help: "Who confirmed the destruction, and how.") var notes: String
    @Option(help: "A file that shows it (its SHA-256 is kept).") var evidence: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let result = try await global.openApp().backups.attestDestroyed(
                id, notes: notes, evidence: try ErasureCLI.evidence(evidence), by: try write.principal())
            if output.json { return Output.printResult(result) }
            print("backup \(id) recorded destroyed at \(result.backup.shreddedAt.map(RFC3339.format) ?? "?")")
        }
    }
}

/// Views of backups for `lethe schedule` and `lethe verify --due` (the backup commands print
/// ``BackupResult``).
enum BackupView {
    /// The backup's state at `time` (the application's clock), as the erasure report computes it.
    static func state(_ backup: BackupRecord, at time: Date) -> String { backup.destructionState(at: time).rawValue }

    /// The CLI's words for what destroys the backup (the method is decided once, in `Lethe`).
    static func destruction(_ backup: BackupRecord) -> String {
        switch BackupDestructionMethod(backup) {
        case .cryptoErase: "shred it with 'lethe backup shred \(backup.id)'"
        case .medium:
            "its medium, asset \(backup.mediaTag ?? "?"), goes through its disposal job ('lethe job list --asset \(backup.mediaTag ?? "?")')"
        case .attestation:
            "destroy its medium through a sanitization job (register it with 'lethe asset register' and retire it), or record its destruction with 'lethe backup attest \(backup.id) --notes ...'"
        }
    }

    static func json(_ backup: BackupRecord, at time: Date = Date()) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .integer(backup.id), "store": .string(backup.store), "file": .string(backup.file),
            "created_at": .string(RFC3339.format(backup.createdAt)), "state": .string(state(backup, at: time)),
            "subjects": .integer(Int64(backup.subjectCount)),
        ]
        object["expires_at"] = backup.expiresAt.map { .string(RFC3339.format($0)) }
        object["shredded_at"] = backup.shreddedAt.map { .string(RFC3339.format($0)) }
        object["destruction_scheduled_at"] = backup.destructionScheduledAt.map { .string(RFC3339.format($0)) }
        object["destruction_due_at"] = backup.destructionDueAt.map { .string(RFC3339.format($0)) }
        object["media"] = backup.mediaTag.map(JSONValue.string)
        return .object(object)
    }
}
