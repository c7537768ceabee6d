import Foundation

/// A throwaway PostgreSQL cluster for the tests of the `postgres` store kind: `initdb` into a
/// temporary directory, `pg_ctl start` on 127.0.0.1 at a free port (password authentication,
/// `scram-sha-256`) and on a Unix socket in that directory (trust); one per test process, started
/// on first use and stopped (`pg_ctl stop -m immediate`, directory removed) when the process exits.
/// As root, the server's commands run as the `postgres` user (`runuser`): PostgreSQL refuses root.
///
/// ```swift
/// @Suite(.enabled(if: PostgresCluster.shared.available, Comment(rawValue: PostgresCluster.shared.skipReason))) …
/// let cluster = try PostgresCluster.shared.require()
/// let url = try cluster.createDatabase("crm_test")    // postgresql://lethe_test:…@127.0.0.1:PORT/crm_test
/// try cluster.psql(database: "crm_test", "CREATE TABLE …")
/// ```
public final class PostgresCluster: Sendable {
    /// The cluster of this test process that tests share.
    public static let shared = PostgresCluster()
    /// A second cluster for tests that need no other transaction running anywhere in the cluster
    /// (any open transaction holds back what `VACUUM` may remove): run such suites `.serialized`.
    public static let quiet = PostgresCluster()
    /// A third, for the application-level flows (whose parts fail honestly when `VACUUM` is held back).
    public static let flows = PostgresCluster()
    /// A fourth, with TLS (`ssl=on`, a server certificate for `localhost` signed by a throwaway CA
    /// made with `openssl`) and TCP logins accepted over TLS only (`hostssl`; `hostnossl` rejects).
    public static let tls = PostgresCluster(tls: true)

    /// The cluster's data directory (the heap files live under it), when it runs.
    public let dataDirectory: String?
    /// The TCP port on 127.0.0.1.
    public let port: Int
    /// The directory of the server's Unix socket.
    public let socketDirectory: String?
    /// Why the cluster is not available (nil when it runs).
    public let failure: String?
    /// The superuser's password (the cluster lives only for this process).
    public let password = "lethe-test-\(UInt32.random(in: 0..<UInt32.max))"
    /// For a TLS cluster: the PEM file of the CA that signed the server's certificate (whose only
    /// name is `DNS:localhost`).
    public let certificateAuthority: String?
    /// For a TLS cluster: the PEM file of another CA, which signed nothing the server presents.
    public let otherCertificateAuthority: String?
    private let binDirectory: String?

    /// Whether the cluster runs.
    public var available: Bool { failure == nil }
    /// Why tests that need it are skipped.
    public var skipReason: String { failure ?? "" }

    private init(tls: Bool = false) {
        var failure: String?
        var data: String?
        var socket: String?
        var bin: String?
        var port = 0
        var authority: String?
        var other: String?
        do {
            bin = try Self.findBinaries()
            let asRoot = getuid() == 0
            Self.stopAbandoned(bin: bin!, asRoot: asRoot)
            let root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "lethe-pg-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
            ).path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            if asRoot { try Self.run("/bin/chown", ["postgres:", root]) }
            let passwordFile = root + "/pw"
            try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            if asRoot { try Self.run("/bin/chown", ["postgres:", passwordFile]) }
            data = root + "/data"
            socket = root
            try Self.server(
                bin! + "/initdb",
                [
                    "-D", data!, "-U", "postgres", "--pwfile", passwordFile, "--auth-local=trust",
                    "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync",
                ], asRoot: asRoot)
            var options = "-k \(root) -c fsync=off -c max_connections=100 -c autovacuum=off"
            if tls {
                let certificates = try Self.makeCertificates(in: root, asRoot: asRoot)
                authority = certificates.authority
                other = certificates.other
                options += " -c ssl=on -c ssl_cert_file=\(certificates.certificate) -c ssl_key_file=\(certificates.key)"
                // TCP logins over TLS only: a plain connection is refused, so one that works used TLS.
                let hba = data! + "/pg_hba.conf"
                let rules = try String(contentsOfFile: hba, encoding: .utf8).split(separator: "\n")
                    .map { $0.hasPrefix("host ") ? "hostssl" + $0.dropFirst(4) : String($0) }
                    .joined(separator: "\n")
                try (rules + "\nhostnossl all all 0.0.0.0/0 reject\nhostnossl all all ::/0 reject\n")
                    .write(toFile: hba, atomically: false, encoding: .utf8)
            }
            // The port is chosen just before the start (initdb takes seconds, and another test may
            // take a port chosen earlier), and chosen again if the start fails all the same.
            var attempt = 1
            while true {
                port = try Self.freePort()
                do {
                    try Self.server(
                        bin! + "/pg_ctl",
                        [
                            "-D", data!, "-l", root + "/server.log", "-w", "-t", "120", "-o",
                            "-h 127.0.0.1 -p \(port) " + options, "start",
                        ], asRoot: asRoot)
                    break
                } catch {
                    guard attempt < 3 else { throw error }
                    attempt += 1
                }
            }
            PostgresClusterExit.register(bin: bin! + "/pg_ctl", data: data!, root: root, asRoot: asRoot)
        } catch {
            failure = "PostgreSQL could not be started for the tests (\(error)); install Debian's postgresql"
        }
        self.failure = failure
        self.dataDirectory = failure == nil ? data : nil
        self.socketDirectory = failure == nil ? socket : nil
        self.binDirectory = bin
        self.port = port
        self.certificateAuthority = failure == nil ? authority : nil
        self.otherCertificateAuthority = failure == nil ? other : nil
    }

    /// Makes, with `openssl`, a CA and a server certificate it signs for `DNS:localhost` only
    /// (P-256 keys, valid two days), and a second CA; the server's key is the server's own (0600).
    static func makeCertificates(
        in root: String, asRoot: Bool
    ) throws -> (authority: String, other: String, certificate: String, key: String) {
        let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let openssl else { throw ClusterError(message: "openssl was not found (install Debian's openssl)") }
        let directory = root + "/tls"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for name in ["ca", "other-ca"] {
            try run(
                openssl,
                ["req", "-x509"] + key + [
                    "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).pem", "-days", "2",
                    "-subj", "/CN=Lethe test \(name)", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ])
        }
        try run(
            openssl,
            ["req"] + key + [
                "-keyout", "\(directory)/server.key", "-out", "\(directory)/server.csr", "-subj", "/CN=localhost",
            ])
        let extensions = directory + "/server.ext"
        try """
        basicConstraints=CA:FALSE
        keyUsage=critical,digitalSignature
        extendedKeyUsage=serverAuth
        subjectAltName=DNS:localhost

        """.write(toFile: extensions, atomically: true, encoding: .utf8)
        try run(
            openssl,
            [
                "x509", "-req", "-in", "\(directory)/server.csr", "-CA", "\(directory)/ca.pem", "-CAkey",
                "\(directory)/ca.key", "-CAcreateserial", "-out", "\(directory)/server.pem", "-days", "2",
                "-extfile", extensions,
            ])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: "\(directory)/server.key")
        if asRoot {
            try run("/bin/chown", ["postgres:", directory, "\(directory)/server.key", "\(directory)/server.pem"])
        }
        return (
            "\(directory)/ca.pem", "\(directory)/other-ca.pem", "\(directory)/server.pem", "\(directory)/server.key"
        )
    }

    /// The cluster, or an error saying why there is none.
    public func require() throws -> PostgresCluster {
        if let failure { throw ClusterError(message: failure) }
        return self
    }

    /// The connection string of the superuser to `database` over TCP at `host` (a name or address
    /// of this machine), with `parameters` appended.
    public func url(
        database: String, password: String? = nil, host: String = "127.0.0.1", parameters: String = "sslmode=disable"
    ) -> String {
        "postgresql://postgres:\(password ?? self.password)@\(host):\(port)/\(database)?\(parameters)"
    }

    /// Creates a fresh database (dropped first if a previous run left it) and returns its URL.
    @discardableResult
    public func createDatabase(_ name: String) throws -> String {
        try psql(database: "postgres", "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
        try psql(database: "postgres", "CREATE DATABASE \"\(name)\"")
        return url(database: name)
    }

    /// Runs SQL with `psql` (stops at the first error) and returns its unaligned, tuples-only output.
    @discardableResult
    public func psql(database: String, _ sql: String) throws -> String {
        guard let binDirectory else { throw ClusterError(message: failure ?? "no cluster") }
        let psql =
            FileManager.default.isExecutableFile(atPath: binDirectory + "/psql")
            ? binDirectory + "/psql" : "/usr/bin/psql"
        return try Self.run(
            psql,
            [
                "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres",
                "-d", database, "-c", sql,
            ], environment: ["PGPASSWORD": password])
    }

    /// The bytes of a table's heap file (`pg_relation_filepath`) after a `CHECKPOINT`.
    public func heapFile(database: String, table: String) throws -> Data {
        guard let dataDirectory else { throw ClusterError(message: failure ?? "no cluster") }
        try psql(database: database, "CHECKPOINT")
        let path = try psql(database: database, "SELECT pg_relation_filepath('\(table)')")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return try Data(contentsOf: URL(fileURLWithPath: dataDirectory + "/" + path))
    }

    /// An error of the test cluster.
    public struct ClusterError: Error, CustomStringConvertible {
        /// What went wrong.
        public let message: String
        /// The message.
        public var description: String { message }
    }

    static func findBinaries() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = "/usr/lib/postgresql/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb") { return bin }
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if FileManager.default.isExecutableFile(atPath: "\(directory)/initdb") { return String(directory) }
        }
        throw ClusterError(message: "initdb was not found in /usr/lib/postgresql/*/bin or on PATH")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ClusterError(message: "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a server command (initdb, pg_ctl), as `postgres` when root, and waits for it with
    /// `waitpid`. Its output goes to a file: the server pg_ctl starts inherits the descriptors, and
    /// Foundation's `Process` would wait on them and never see the command end.
    static func server(_ tool: String, _ arguments: [String], asRoot: Bool) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-pgcmd-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        // From /tmp: the postgres user may not read the test's working directory.
        let command = asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--", tool] + arguments : [tool] + arguments
        let argv = ["/bin/sh", "-c", "cd /tmp && exec \"$@\"", "sh"] + command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process: the server outlives the command (pg_ctl start), and an
        // inherited pipe (another test's tool output, read to its end) would never reach its end.
        closeInheritedDescriptors(&actions)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw ClusterError(message: "cannot start \(argv[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7F) == 0
        let code = (status >> 8) & 0xFF
        guard exited && code == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw ClusterError(
                message: "\((tool as NSString).lastPathComponent) exited \(exited ? code : -1): \(text.suffix(400))")
        }
    }

    /// Adds "close every descriptor from 3 up" to a spawn's actions, with glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; Swift does not import it). An
    /// older C library leaves the descriptors inherited, as before.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }

    /// Stops clusters that test processes which no longer run left behind (killed before exit).
    static func stopAbandoned(bin: String, asRoot: Bool) {
        let temporary = FileManager.default.temporaryDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        where name.hasPrefix("lethe-pg-") {
            let parts = name.split(separator: "-")
            guard parts.count >= 4, let pid = Int32(parts[2]), kill(pid, 0) != 0 else { continue }
            let root = temporary + "/" + name
            if FileManager.default.fileExists(atPath: root + "/data/postmaster.pid") {
                try? server(bin + "/pg_ctl", ["-D", root + "/data", "-m", "immediate", "-w", "stop"], asRoot: asRoot)
            }
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Runs a client command and returns its standard output. Its output goes to files, read once
    /// it has exited: a pipe would reach its end only when every process holding it had closed it,
    /// and a server another test starts meanwhile may inherit it for its whole life.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let stem = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-pgrun-\(UUID().uuidString)")
        let (outputFile, errorFile) = (stem.appendingPathExtension("out"), stem.appendingPathExtension("err"))
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        let errors = try FileHandle(forWritingTo: errorFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            try? output.close()
            try? errors.close()
            throw error
        }
        process.waitUntilExit()
        try? output.close()
        try? errors.close()
        guard process.terminationStatus == 0 else {
            let err = (try? Data(contentsOf: errorFile)) ?? Data()
            throw ClusterError(
                message:
                    "\((tool as NSString).lastPathComponent) exited \(process.terminationStatus): \(String(decoding: err, as: UTF8.self).prefix(400))"
            )
        }
        return String(decoding: try Data(contentsOf: outputFile), as: UTF8.self)
    }
}

/// Stops the clusters when the test process exits.
private enum PostgresClusterExit {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var commands: [(bin: String, data: String, root: String, asRoot: Bool)] = []

    static func register(bin: String, data: String, root: String, asRoot: Bool) {
        let first = lock.withLock {
            commands.append((bin, data, root, asRoot))
            return commands.count == 1
        }
        guard first else { return }
        atexit {
            for command in PostgresClusterExit.lock.withLock({ PostgresClusterExit.commands }) {
                try? PostgresCluster.server(
                    command.bin, ["-D", command.data, "-m", "immediate", "-w", "stop"], asRoot: command.asRoot)
                try? FileManager.default.removeItem(atPath: command.root)
            }
        }
    }
}
