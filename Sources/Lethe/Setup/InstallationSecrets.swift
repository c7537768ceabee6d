import Foundation
import LetheCore
import LetheSanitize

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The installation's two secrets, kept as 0600 files in the data directory and created on first use:
/// the subject-hashing secret (HMAC-SHA-256 key that turns identifiers into ``SubjectHash``es) and
/// the connection key (AES-256-GCM key that seals connection strings and backup keys).
///
/// Losing the subject secret makes every recorded holding and suppression unmatchable; losing the
/// connection key makes sealed connection strings and backup keys unreadable. Back both up apart
/// from the database. Neither is ever logged or printed.
public struct InstallationSecrets: Sendable {
    /// The file holding the subject-hashing secret.
    public static let subjectSecretFileName = "subject-secret.key"
    /// The file holding the connection key.
    public static let connectionKeyFileName = "connection.key"

    /// Hashes subject identifiers under the installation secret.
    public let hasher: SubjectHasher
    /// Seals connection strings and backup keys under the installation key.
    public let box: SecretBox

    /// Reads both secrets from `directory`, creating each (32 random bytes, mode 0600) when absent.
    ///
    /// - Throws: `io` when a file cannot be read or created; `permission` when a secret file can be
    ///   read by group or others; `invalidInput` when a file has the wrong length.
    public static func load(in directory: DataDirectory) throws(LetheError) -> InstallationSecrets {
        try directory.prepare()
        let secret = try secretFile(
            directory.path + "/" + subjectSecretFileName, length: SubjectHasher.secretLength,
            generate: SubjectHasher.generateSecret)
        let key = try secretFile(
            directory.path + "/" + connectionKeyFileName, length: 32, generate: SecretBox.generateKey)
        return InstallationSecrets(hasher: try SubjectHasher(secret: secret), box: try SecretBox(key: key))
    }

    /// Reads a secret file, or creates it exclusively with mode 0600 (two processes racing on first
    /// use both end up reading the one that won).
    static func secretFile(
        _ path: String, length: Int, generate: () -> [UInt8]
    ) throws(LetheError) -> [UInt8] {
        let name = (path as NSString).lastPathComponent
        let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if created >= 0 {
            let bytes = generate()
            let written = bytes.withUnsafeBytes { write(created, $0.baseAddress, $0.count) }
            let synced = fsync(created)
            close(created)
            guard written == bytes.count, synced == 0 else {
                unlink(path)
                throw LetheError(
                    .io, "cannot write the installation secret \(name): \(String(cString: strerror(errno)))")
            }
            return bytes
        }
        guard errno == EEXIST else {
            throw LetheError(.io, "cannot create the installation secret \(name): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw LetheError(.io, "cannot inspect the installation secret \(name): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw LetheError(
                .permission,
                "the installation secret \(name) has mode \(String(info.st_mode & 0o777, radix: 8)); run 'chmod 600 \(path)'"
            )
        }
        var contents = FileManager.default.contents(atPath: path)
        // Another process may have just created the file and not yet written it: wait up to 1 s.
        var attempts = 0
        while contents?.isEmpty == true, attempts < 20 {
            usleep(50_000)
            attempts += 1
            contents = FileManager.default.contents(atPath: path)
        }
        guard let data = contents else {
            throw LetheError(.io, "cannot read the installation secret \(name); check its permissions")
        }
        guard data.count == length else {
            throw LetheError(
                .invalidInput,
                "the installation secret \(name) holds \(data.count) bytes, not \(length); restore it from your backup")
        }
        return Array(data)
    }
}

extension LetheApp {
    /// The installation's secrets, created in the data directory on first use.
    ///
    /// - Throws: `usage` when the application has no data directory.
    public func secrets() throws(LetheError) -> InstallationSecrets {
        guard let dataDirectory else {
            throw LetheError(.usage, "this installation has no data directory to keep its secrets in")
        }
        try refuseRecreatingSecrets(in: dataDirectory)
        return try InstallationSecrets.load(in: dataDirectory)
    }

    /// Refuses (`notFound`) to create a secret afresh where the installation already holds what
    /// the missing one hashed or sealed: a new subject secret matches no recorded holding or
    /// request again, a new connection key opens no sealed connection string, backup key or webhook
    /// secret. Seen after a partial restore: the data came back without its secrets.
    func refuseRecreatingSecrets(in directory: DataDirectory) throws(LetheError) {
        let missing = [InstallationSecrets.subjectSecretFileName, InstallationSecrets.connectionKeyFileName].filter {
            access(directory.path + "/" + $0, F_OK) != 0
        }
        guard !missing.isEmpty else { return }
        let used = try store.read { (tx) throws(LetheError) -> Bool in
            let stores = try tx.registeredStores()
            let backups = try tx.backups(store: nil)
            let requests = try tx.erasureRequests(openOnly: false, dueBefore: nil)
            return !stores.isEmpty || !backups.isEmpty || !requests.isEmpty
        }
        guard used else { return }
        throw LetheError(
            .notFound,
            "the installation secret \(missing.joined(separator: " and ")) is missing from \(directory.path), but the installation already holds data it hashed or sealed (stores, backups or erasure requests): restore it from your backup (docs/operations.md#backing-up-an-installation); a new one would leave that data unreadable, so none was made"
        )
    }

    /// ``secrets()`` read on a thread of its own, for use cases: the calling task is suspended
    /// while the key files are read (created on first use).
    func loadedSecrets() async throws(LetheError) -> InstallationSecrets {
        let app = self
        return try await OwnThread.run("lethe-secrets") { () throws(LetheError) in try app.secrets() }
    }
}
