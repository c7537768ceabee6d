import Crypto
import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// The facts of an nwipe log kept for the device it wiped: what `evidence import-nwipe` shows and
/// the `job.executed` event holds (`nwipe`).
public struct NwipeLogSummary: Codable, Sendable, Hashable {
    /// nwipe's version.
    public var version: String?
    /// The device as the log names it.
    public var device: String?
    /// The device's model.
    public var model: String?
    /// The device's serial as text.
    public var serial: String?
    /// The serial's raw bytes, hex, when it held bytes that are not text.
    public var serialHex: String?
    /// The wipe method.
    public var method: String?
    /// Rounds.
    public var rounds: Int?
    /// The verification asked for (off, last, all).
    public var verify: String?
    /// The PRNG.
    public var prng: String?
    /// Pass, verification and fdatasync errors.
    public var passErrors: Int64?
    /// Verification errors.
    public var verificationErrors: Int64?
    /// fdatasync errors.
    public var fdatasyncErrors: Int64?
    /// When the run started and ended (RFC 3339).
    public var startedAt: String?
    /// When the run ended (RFC 3339).
    public var endedAt: String?
    /// The drive status (Erased, Failed, Aborted...).
    public var status: String?
    /// The device's size.
    public var sizeBytes: Int64?
    /// Bytes written.
    public var bytesWritten: Int64
    /// Bytes read back.
    public var bytesVerified: Int64
    /// Verification passes that passed.
    public var verificationsPassed: Int
    /// Whether nwipe read back what it wrote.
    public var toolVerified: Bool
    /// Error lines in the log.
    public var errorLines: Int
    /// Devices the log holds.
    public var devicesInLog: Int

    enum CodingKeys: String, CodingKey {
        case version, device, model, serial, method, rounds, verify, prng, status
        case serialHex = "serial_hex"
        case passErrors = "pass_errors"
        case verificationErrors = "verification_errors"
        case fdatasyncErrors = "fdatasync_errors"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case sizeBytes = "size_bytes"
        case bytesWritten = "bytes_written"
        case bytesVerified = "bytes_verified"
        case verificationsPassed = "verifications_passed"
        case toolVerified = "tool_verified"
        case errorLines = "error_lines"
        case devicesInLog = "devices_in_log"
    }

    init(_ log: NwipeLog) {
        version = log.version
        device = log.device
        model = log.model
        serial = log.serial
        serialHex = log.serialHex
        method = log.method
        rounds = log.rounds
        verify = log.verify
        prng = log.prng
        passErrors = log.passErrors
        verificationErrors = log.verificationErrors
        fdatasyncErrors = log.syncErrors
        startedAt = log.startedAt.map(RFC3339.format)
        endedAt = log.endedAt.map(RFC3339.format)
        status = log.status?.rawValue
        sizeBytes = log.json["size_bytes"]?.integerValue
        bytesWritten = log.bytesWritten
        bytesVerified = log.bytesVerified
        verificationsPassed = log.verificationsPassed
        toolVerified = log.toolVerified
        errorLines = log.errorLines.count
        devicesInLog = log.devices.count
    }
}

/// What importing an nwipe log recorded: the job (executed, verified or failed) and the log's facts.
public struct NwipeImport: Codable, Sendable {
    /// The job after the import.
    public var job: DisposalJob
    /// The log's facts for the asset's device.
    public var nwipe: NwipeLogSummary
}

/// How an nwipe log is matched with the asset it is evidence for.
public struct NwipeMatching: Sendable, Hashable {
    /// The device to take from a log of several devices whose serials do not tell them apart.
    public var devicePath: String?
    /// Skips the serial check (a drive that reports another serial than its label), with the
    /// reason kept in the `job.executed` event and the record's notes.
    public var ignoreSerialReason: String?

    /// Creates a matching.
    public init(devicePath: String? = nil, ignoreSerialReason: String? = nil) {
        self.devicePath = devicePath
        self.ignoreSerialReason = ignoreSerialReason
    }
}

/// Sanitization: overwriting a medium on this machine (`sanitize`, `--resume`), and importing the
/// log of a wipe made by nwipe. Every front end calls these.
public struct SanitizationService: Sendable {
    let app: LetheApp

    /// Imports an nwipe log, given as its bytes and file name, as the execution of a job (see
    /// ``LetheApp/importNwipe(jobID:log:policies:matching:principal:)``). Parsing, hashing and
    /// recording run on a thread of their own.
    public func importNwipe(
        jobID: Int64, log: EvidenceContent, matching: NwipeMatching = NwipeMatching(), policies: LoadedPolicies,
        by principal: Principal
    ) async throws(LetheError) -> NwipeImport {
        try app.authorize(.importNwipeLog, principal)
        let app = app
        return try await OwnThread.run("lethe-nwipe") { () throws(LetheError) in
            try app.importNwipe(jobID: jobID, log: log, policies: policies, matching: matching, principal: principal)
        }
    }
}

extension LetheApp {
    /// Sanitization: overwrites and nwipe imports.
    public var sanitization: SanitizationService { SanitizationService(app: self) }

    func importNwipe(
        jobID: Int64, log: EvidenceContent, policies: LoadedPolicies, matching: NwipeMatching, principal: Principal
    ) throws(LetheError) -> NwipeImport {
        let result = try importNwipeLog(
            jobID: jobID, log: log, policies: policies, matching: matching, principal: principal)
        return NwipeImport(job: result.job, nwipe: NwipeLogSummary(result.log))
    }

    /// Imports an nwipe log as the execution of a job: an erased, error-free log records the job
    /// executed (technique overwrite, tool nwipe) and the asset sanitized, and — where nwipe read
    /// back what it wrote, the rule asks for a full or sampled read-back, and separation of duties
    /// does not forbid it — verified; an aborted or failed log records the job failed. The log's
    /// SHA-256 is kept as evidence. Everything in one transaction. Blocks (a thread of its own).
    ///
    /// Refused, with nothing recorded, when the log is not about the asset (its device's serial
    /// and size, see ``NwipeLog/selectingDevice(for:logName:)``), when a log with the same SHA-256
    /// is evidence of another job, when the job's rule does not allow an overwrite, and when the
    /// log says "Erased" but its lines contradict it (``NwipeLog/completenessFindings()``).
    func importNwipeLog(
        jobID: Int64, log content: EvidenceContent, policies: LoadedPolicies, matching: NwipeMatching,
        principal: Principal
    ) throws(LetheError) -> (job: DisposalJob, log: NwipeLog) {
        let actor = principal.name
        let devicePath = matching.devicePath
        let ignoreSerialReason = matching.ignoreSerialReason
        let logPath = content.name
        let data = content.bytes
        let reason = ignoreSerialReason?.trimmed
        if let reason, reason.isEmpty || reason.count > 500 {
            throw LetheError(.usage, "--reason must say in 1 to 500 characters why the serial check is skipped")
        }
        let fileName = content.name
        let parsed = try NwipeLog(bytes: Array(data), fileName: fileName)
        let time = now
        let digest = EvidenceDigest(
            jobID: jobID, purpose: .execution, fileName: fileName, sha256: Hex.encode(SHA256.hash(data: data)),
            sizeBytes: Int64(data.count), recordedAt: time)
        let (executed, log) = try store.write { (tx) throws(LetheError) in
            var job = try Self.requireJob(jobID, in: tx)
            if let refusal = JobRules.workRefusal(job) { throw refusal }
            guard job.plan.techniques.contains(.overwrite) else {
                throw LetheError(
                    .conflict,
                    "job \(jobID) needs \(job.plan.method.rawValue) (\(job.plan.techniques.map(\.rawValue).joined(separator: ", "))); an nwipe overwrite does not reach it (nothing was recorded)"
                )
            }
            if let other = try tx.jobsWithEvidence(sha256: digest.sha256).first(where: { $0 != jobID }) {
                throw LetheError(
                    .conflict,
                    "nwipe log \(logPath) (sha256 \(digest.sha256.prefix(12))…) is already the evidence of job \(other); one run wipes one drive: import the log of the run that wiped \(job.assetTag) (nothing was recorded)"
                )
            }
            let asset = try Self.requireAsset(job.assetTag, in: tx)
            let log = try parsed.selectingDevice(
                for: NwipeExpectation(
                    assetTag: asset.tag, serial: asset.serial, capacityBytes: asset.capacityBytes,
                    devicePath: devicePath, ignoreSerial: reason != nil),
                logName: fileName)
            guard let status = log.status else {
                throw LetheError(
                    .invalidInput,
                    "nwipe log \(logPath) has no Drive Status row for \(log.device ?? "the device") (the run was cut off before its summary); nothing was recorded"
                )
            }
            var payload: [String: JSONValue] = [
                "job": .integer(jobID), "technique": .string("overwrite"), "tool": .string("nwipe"),
                "tool_version": .string(log.version ?? "unknown"), "method": .string(job.plan.method.rawValue),
                "nwipe": log.json, "evidence": .array([digest.json]),
            ]
            if let reason {
                payload["serial_check"] = [
                    "skipped": true, "reason": .string(reason),
                    "asset_serial": asset.serial.map(JSONValue.string) ?? .null,
                    "log_serial_hex": log.serialHex.map(JSONValue.string) ?? .null,
                ]
            }
            if status == .erased {
                let findings = log.completenessFindings()
                if let first = findings.first {
                    throw LetheError(
                        .invalidInput,
                        "nwipe log \(logPath) says \(log.device ?? "the device") was Erased, but \(first)\(findings.count > 1 ? " (and \(findings.count - 1) more)" : ""); this log is not evidence of a complete erasure (nothing was recorded)",
                        details: findings.map(\.description))
                }
            }
            guard log.erasedWithoutErrors else {
                if job.state == .scheduled {
                    job.state = try JobLifecycle.transition(job: jobID, from: .scheduled, to: .inProgress)
                }
                job.state = try JobLifecycle.transition(job: jobID, from: job.state, to: .failed)
                job.reason = "nwipe \(status.rawValue): the log \(fileName) shows no complete erasure"
                job.updatedAt = time
                try tx.update(job)
                try tx.insert(digest)
                try tx.append(
                    EventDraft(type: .jobFailed, assetTag: job.assetTag, payload: .object(payload)), actor: actor,
                    at: time)
                return (job, log)
            }
            job.state = try JobLifecycle.transition(job: jobID, from: job.state, to: .executed)
            job.executedBy = actor
            job.executedAt = time
            job.technique = .overwrite
            job.tool = "nwipe"
            job.toolVersion = log.version ?? "unknown"
            job.updatedAt = time
            try tx.update(job)
            try tx.insert(digest)
            try tx.append(
                EventDraft(type: .jobExecuted, assetTag: job.assetTag, payload: .object(payload)), actor: actor,
                at: time)
            _ = try Self.move(asset, to: .sanitized, in: tx, actor: actor, at: time, details: ["job": .integer(jobID)])
            return (job, log)
        }
        guard executed.state == .executed, log.toolVerified,
            executed.plan.verification.mode == .full || executed.plan.verification.mode == .sample,
            JobRules.verificationRefusal(executed, by: principal) == nil
        else { return (executed, log) }
        let outcome = VerificationOutcome(
            passed: true,
            summary:
                "nwipe read back what it wrote (verify \(log.verify ?? "?"), \(log.bytesVerified) bytes, no errors)",
            method: "full read-back by nwipe", details: ["nwipe_log_sha256": .string(digest.sha256)])
        let (verified, _) = try recordVerification(
            id: jobID, outcome: outcome, verifier: "nwipe", policies: policies, by: principal)
        return (verified, log)
    }
}
