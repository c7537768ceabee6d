import Crypto
import Foundation
import LetheCore
import X509

/// An evidence bundle: a record, its signature, the issuer's certificates, the issuance log entry,
/// its inclusion proof with a signed checkpoint, and the log's public key — everything an auditor
/// needs to check the record offline.
public struct EvidenceBundle: Sendable {
    /// The file names, in the order they are described.
    public enum File: String, CaseIterable, Sendable {
        case record = "record.json"
        case signature = "record.p7s"
        case issuer = "issuer.pem"
        case logEntry = "log-entry.json"
        case logProof = "log-proof.txt"
        case logKey = "log-key.pub"
        case html = "record.html"
        case instructions = "VERIFY.txt"
    }

    /// The files' bytes by name.
    public var files: [File: [UInt8]]

    /// A bundle from its files.
    public init(files: [File: [UInt8]]) { self.files = files }

    /// The files ``verify(trust:logKey:)`` reads: all but the page for people and the instructions.
    public static let checkedFiles: [File] = [.record, .signature, .issuer, .logEntry, .logProof, .logKey]

    /// Reads a bundle directory (`files` of it, by default all); missing files are simply absent
    /// (verification names them).
    ///
    /// Each file is read straight into its bytes: a year's report is a record.json of hundreds of
    /// megabytes, and reading it through `Data` held it twice.
    public static func read(directory: String, files wanted: [File] = File.allCases) -> EvidenceBundle {
        var files: [File: [UInt8]] = [:]
        for file in wanted {
            if let bytes = readFile(directory + "/" + file.rawValue) { files[file] = bytes }
        }
        return EvidenceBundle(files: files)
    }

    /// The bytes of the file at `path`, or nil when it cannot be read.
    private static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        // Room for the size stated and a little more: a file that grows meanwhile is read on.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Writes the bundle into a directory (created if needed); existing bundle files are replaced.
    public func write(directory: String) throws(LetheError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (file, bytes) in files {
                try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + file.rawValue), options: .atomic)
            }
        } catch {
            throw LetheError(.io, "cannot write the bundle into \(directory): \(error.localizedDescription)")
        }
    }

    /// The result of one check.
    public struct Check: Sendable, Hashable {
        /// The check's name (`signature`, `inclusion` …).
        public var name: String
        /// Whether it passed.
        public var passed: Bool
        /// What was found.
        public var detail: String
    }

    /// The checks, in order: the record's form, its CMS signature and issuer, its log entry, the
    /// checkpoint's signature, and the entry's inclusion under the checkpoint.
    ///
    /// - Parameters:
    ///   - trust: the certificates to trust (an organisation's CA); default: the bundle's own
    ///     `issuer.pem`, which then proves only that the record was signed by that certificate's key.
    ///   - logKey: the log key the auditor keeps; default: the bundle's own `log-key.pub`.
    public func verify(trust: [Certificate]? = nil, logKey: LogVerifierKey? = nil) async -> [Check] {
        var checks: [Check] = []
        func check(_ name: String, _ body: () throws(LetheError) -> String) {
            do {
                checks.append(Check(name: name, passed: true, detail: try body()))
            } catch {
                checks.append(Check(name: name, passed: false, detail: error.message))
            }
        }
        func file(_ file: File) throws(LetheError) -> [UInt8] {
            guard let bytes = files[file] else { throw LetheError(.notFound, "\(file.rawValue) is missing") }
            return bytes
        }
        // The record: canonical JSON of Lethe's subset, with a serial and a log index.
        var record: JSONValue = .null
        check("record") { () throws(LetheError) in
            let bytes = try file(.record)
            // Checked piece by piece, and read without a report's content: a year's report is a
            // record of hundreds of megabytes, and its tree takes several times that.
            record = try DeferredJSON(bytes) { $0 == ["content"] }.value
            guard CanonicalJSON.isCanonical(bytes) else {
                throw LetheError(.invalidInput, "record.json is not in canonical form: it was edited")
            }
            guard let serial = record["serial"]?.stringValue, record["log_index"]?.integerValue != nil else {
                throw LetheError(.invalidInput, "record.json has no serial or log_index")
            }
            return "record.json is canonical JSON, serial \(serial)"
        }
        // The signature, chained to the trusted certificates.
        do {
            let bytes = try file(.record)
            let signature = try file(.signature)
            let roots =
                try trust
                ?? IssuerIdentity.certificates(
                    pem: String(decoding: try file(.issuer), as: UTF8.self), source: "issuer.pem")
            let verified = try await RecordSignature.verify(bytes, signature: signature, trustRoots: roots)
            let expected = record["issuer"]?["certificate_sha256"]?.stringValue
            let fingerprint = IssuerIdentity.fingerprint(verified.signer)
            if let expected, expected != fingerprint {
                throw LetheError(.invalidInput, "the signer's certificate is not the one the record names")
            }
            checks.append(
                Check(
                    name: "signature", passed: true,
                    detail:
                        "record.p7s is a valid CMS signature of record.json by \(verified.signer.subject), signed \(verified.signingTime.map(RFC3339.format) ?? "at an unknown time"), trusted through \(trust == nil ? "the bundle's issuer.pem" : "the given --trust certificates")"
                ))
        } catch {
            checks.append(
                Check(name: "signature", passed: false, detail: (error as? LetheError)?.message ?? "\(error)"))
        }
        // The issuance entry in the log.
        var entry: [UInt8] = []
        check("log entry") { () throws(LetheError) in
            entry = try file(.logEntry)
            let event = try Event(storedBytes: entry)
            guard try CanonicalJSON.encode(try CanonicalJSON.decode(entry)) == entry else {
                throw LetheError(.invalidInput, "log-entry.json is not in canonical form: it was edited")
            }
            let bytes = try file(.record)
            let signature = try file(.signature)
            guard event.type == "record.issued", event.payload["serial"] == record["serial"],
                event.payload["record_sha256"]?.stringValue == Hex.encode(SHA256.hash(data: bytes)),
                event.payload["signature_sha256"]?.stringValue == Hex.encode(SHA256.hash(data: signature)),
                event.seq - 1 == record["log_index"]?.integerValue
            else {
                throw LetheError(
                    .invalidInput,
                    "log-entry.json is not the issuance of this record (serial, digests of record.json and record.p7s, and log index must match)"
                )
            }
            return "log-entry.json records the issuance of record.json and record.p7s at log index \(event.seq - 1)"
        }
        // The checkpoint (the part of log-proof.txt after its first blank line), signed by the log key.
        var checkpoint: Checkpoint?
        check("checkpoint") { () throws(LetheError) in
            // The bundle's key file must be one key in both its forms: openssl reads the PEM, Lethe the line.
            let bundleKey = try LogVerifierKey(
                publicFile: String(decoding: try file(.logKey), as: UTF8.self), source: File.logKey.rawValue)
            let key = logKey ?? bundleKey
            let text = String(decoding: try file(.logProof), as: UTF8.self)
            guard let split = text.range(of: "\n\n") else {
                throw LetheError(.invalidInput, "log-proof.txt has no blank line before its checkpoint")
            }
            // Exactly the lines the manual steps read: three of text, a blank one, one signature
            // (VERIFY.txt takes the signature from the last line), each ending with a newline.
            let note = String(text[split.upperBound...])
            let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count == 6, lines[3].isEmpty, lines[5].isEmpty, !lines[4].isEmpty else {
                throw LetheError(
                    .invalidInput,
                    "log-proof.txt: its checkpoint has \(max(lines.count - 1, 0)) lines after the proof's blank line, not 5 (origin, size, root, a blank line, one signature line); the file was altered"
                )
            }
            let verified = try Checkpoint.verify(signedNote: note, key: key)
            if let origin = record["issuer"]?["log_origin"]?.stringValue, origin != verified.origin {
                throw LetheError(.invalidInput, "the checkpoint is from log \(verified.origin), not \(origin)")
            }
            checkpoint = verified
            return
                "the checkpoint of \(verified.size) entries is signed by \(key.verifierKey) (\(logKey == nil ? "the bundle's log-key.pub: compare it with the key you keep" : "the key you gave"))"
        }
        // The entry's inclusion under the checkpoint.
        check("inclusion") { () throws(LetheError) in
            let proof = try TlogProof(parsing: String(decoding: try file(.logProof), as: UTF8.self))
            guard proof.index == record["log_index"]?.integerValue else {
                throw LetheError(.invalidInput, "log-proof.txt proves index \(proof.index), not the record's log index")
            }
            guard let checkpoint else { throw LetheError(.invalidInput, "the checkpoint did not verify") }
            let hasher = SHA256LogHasher()
            guard
                MerkleProofs.verifyInclusion(
                    leafHash: hasher.leafHash(entry), index: proof.index, size: checkpoint.size, proof: proof.hashes,
                    root: checkpoint.root, hasher: hasher)
            else {
                throw LetheError(.invalidInput, "log-entry.json is not entry \(proof.index) of the checkpointed tree")
            }
            return "log-entry.json is entry \(proof.index) of the log of \(checkpoint.size) entries"
        }
        return checks
    }
}
