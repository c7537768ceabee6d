import Crypto
import Foundation
import LetheCore
import LetheStore

/// Whether the data on the media was backed up before sanitization (Appendix G).
public enum DataBackup: String, Sendable, Hashable, Codable, CaseIterable {
    case yes
    case no
    case unknown

    /// Parses a front end's text (`yes`, `no`, `unknown`); anything else is a usage error.
    public init(parsing text: String) throws(LetheError) {
        guard let value = DataBackup(rawValue: text) else {
            throw LetheError(.usage, "--data-backed-up must be yes, no or unknown (got '\(text)')")
        }
        self = value
    }
}

/// What a person adds to a disposal record that Lethe does not know (NIST SP 800-88 Appendix G).
public struct DisposalRecordDetails: Sendable, Hashable {
    /// The title of the person who performed the sanitization.
    public var performerTitle: String?
    /// The title of the person who validated it.
    public var validatorTitle: String?
    /// Whether the data was backed up.
    public var dataBackedUp: DataBackup
    /// Where the backup is, when there is one.
    public var backupLocation: String?
    /// The classification after sanitization (Appendix G); default `unclassified`.
    public var postSanitizationClassification: String
    /// Free notes.
    public var notes: String?

    /// Details; every field optional.
    public init(
        performerTitle: String? = nil, validatorTitle: String? = nil, dataBackedUp: DataBackup = .unknown,
        backupLocation: String? = nil, postSanitizationClassification: String = "unclassified", notes: String? = nil
    ) {
        self.performerTitle = performerTitle
        self.validatorTitle = validatorTitle
        self.dataBackedUp = dataBackedUp
        self.backupLocation = backupLocation
        self.postSanitizationClassification = postSanitizationClassification
        self.notes = notes
    }
}

/// The fields of a disposal record: every field of NIST SP 800-88 Appendix G's certificate of
/// sanitization, plus the job, verification, evidence and policy references.
enum DisposalRecordFields {
    /// Appendix G's method type for a category.
    static func methodType(_ method: MethodCategory) -> String {
        switch method {
        case .clear: "Clear"
        case .purge: "Purge"
        case .destroy: "Destroy"
        }
    }

    /// Appendix G's "method used" for a technique.
    static func methodUsed(_ technique: Technique?) -> String {
        switch technique {
        case .degauss: "Degauss"
        case .overwrite: "Overwrite"
        case .blockErase, .ataSanitize, .scsiSanitize, .nvmeSanitize, .ataSecureErase, .nvmeFormat: "Block Erase"
        case .cryptoErase: "Crypto Erase"
        case .shred, .disintegrate, .incinerate, .pulverize, .melt: "Destruct"
        case .factoryReset, nil: "Other"
        }
    }

    /// Appendix G's verification method for a verification mode.
    static func verificationMethod(_ mode: VerificationMode) -> String {
        switch mode {
        case .full: "Full"
        case .sample: "Quick Sampling"
        case .attest: "Other (inspection and attestation)"
        }
    }

    /// The record's note for a job whose nwipe import skipped the serial check (the reason and
    /// both serials, from its `job.executed` event), or nil.
    static func serialCheckNote(_ execution: Event?) -> String? {
        guard let check = execution?.payload["serial_check"], let reason = check["reason"]?.stringValue else {
            return nil
        }
        let assetSerial = check["asset_serial"]?.stringValue ?? "none recorded"
        let logSerial = check["log_serial_hex"]?.stringValue ?? "none"
        return
            "serial check skipped at the nwipe import: \(reason) (asset serial \(assetSerial), the log's device serial in hex \(logSerial))"
    }

    static func fields(
        job: DisposalJob, asset: Asset, evidence: [EvidenceDigest], verification: Event,
        details: DisposalRecordDetails, settings: Settings, organization: String, execution: Event? = nil
    ) -> [String: JSONValue] {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let noteParts = [details.notes, serialCheckNote(execution)].compactMap { $0 }
        let notes = noteParts.isEmpty ? nil : noteParts.joined(separator: "; ")
        var methodDetails = "technique \(job.technique?.rawValue ?? "unknown")"
        if let notes = verification.payload["details"]?["notes"]?.stringValue { methodDetails += "; \(notes)" }
        let verifierSummary = verification.payload["summary"]?.stringValue
        return [
            "person_performing": [
                "name": text(job.executedBy), "title": text(details.performerTitle),
                "organization": .string(organization), "location": text(settings[Settings.location] ?? asset.location),
                "phone": text(settings[Settings.phone]),
            ],
            "media": [
                "make": text(asset.make), "model": text(asset.model), "serial_number": text(asset.serial),
                "property_number": .string(asset.tag), "media_type": .string(asset.mediaType.rawValue),
                "source": text(asset.parentTag ?? asset.custodian),
                "classification": .string(asset.classification.rawValue),
                "data_backed_up": .string(details.dataBackedUp.rawValue),
                "backup_location": text(details.backupLocation),
            ],
            "sanitization": [
                "method_type": .string(methodType(job.plan.method)), "method_used": .string(methodUsed(job.technique)),
                "method_details": .string(methodDetails), "tool": text(job.tool), "tool_version": text(job.toolVersion),
                "verification_method": .string(verificationMethod(job.plan.verification.mode)),
                "post_sanitization_classification": .string(details.postSanitizationClassification),
                "notes": text(notes),
                "executed_at": job.executedAt.map { .string(RFC3339.format($0)) } ?? .null,
            ],
            "media_destination": [
                "type": asset.destination.map { .string($0.rawValue) } ?? .string("pending"),
                "details": asset.destination == nil ? .string("not yet decided when the record was issued") : .null,
            ],
            "validation": [
                "name": text(job.verifiedBy), "title": text(details.validatorTitle),
                "organization": .string(organization),
                "date": job.verifiedAt.map { .string(RFC3339.format($0)) } ?? .null,
            ],
            "job": [
                "id": .integer(job.id), "method": .string(job.plan.method.rawValue),
                "requested_by": .string(job.requestedBy), "approved_by": text(job.approvedBy),
            ],
            "verification": [
                "log_index": .integer(verification.seq - 1),
                "event_sha256": .string(Hex.encode(Array(SHA256.hash(data: verification.bytes)))),
                "verifier": text(verification.payload["verifier"]?.stringValue), "summary": text(verifierSummary),
            ],
            "evidence": .array(evidence.map(\.json)),
            "policy_version": .string(job.policyVersion),
        ]
    }
}

extension LetheApp {
    /// Issues the disposal record of a verified job in a transaction of its own (the policy's
    /// automatic issuance after a verification; front ends call ``EvidenceService``).
    @discardableResult
    func issueDisposalRecord(
        jobID: Int64, details: DisposalRecordDetails = DisposalRecordDetails(), actor: String
    ) throws(LetheError) -> StoredRecord {
        let actor = try ActorName.validate(actor)
        let issuer = try recordIssuer()
        let time = now
        return try store.write { (tx) throws(LetheError) in
            try Self.issueDisposalRecord(
                jobID: jobID, details: details, issuer: issuer, settings: settings, in: tx, actor: actor, at: time)
        }
    }

    /// Issues, inside `tx`, the records of every verified job that has none (or only revoked
    /// ones), in chunks of `chunkSize` records, with one checkpoint at the end; returns them in
    /// job order.
    static func issuePendingDisposalRecords(
        details: DisposalRecordDetails, issuer: RecordIssuer, settings: Settings, in tx: any StoreWriting,
        actor: String, at time: Date, chunkSize: Int
    ) throws(LetheError) -> [StoredRecord] {
        let certified = try tx.jobsWithValidRecords(kind: "disposal")
        let ids = try tx.jobIDs(state: .verified).filter { !certified.contains($0) }
        // The rows of each chunk are read while the chunk before is signed (see issueRecords).
        return try issueRecords(
            count: ids.count,
            sources: { (range) throws(LetheError) in
                let jobs = try tx.jobs(ids: Array(ids[range]))
                guard jobs.count == range.count else {
                    throw LetheError(.internal, "a verified job disappeared while its record was being issued")
                }
                return try disposalRecordSources(
                    jobs: jobs[...], details: details, organization: issuer.organization, settings: settings, in: tx)
            }, issuer: issuer, in: tx, actor: actor, at: time, chunkSize: chunkSize)
    }

    static func issueDisposalRecord(
        jobID: Int64, details: DisposalRecordDetails, issuer: RecordIssuer, settings: Settings,
        in tx: any StoreWriting, actor: String, at time: Date
    ) throws(LetheError) -> StoredRecord {
        let job = try requireJob(jobID, in: tx)
        for existing in try tx.records(kind: "disposal", jobID: jobID, limit: nil)
        where try tx.revocation(serial: existing.serial) == nil {
            throw LetheError(.conflict, "job \(jobID) already has disposal record \(existing.serial)")
        }
        let draft = try disposalRecordDraft(
            job: job, details: details, organization: issuer.organization, settings: settings, in: tx)
        return try issueRecord(draft, issuer: issuer, in: tx, actor: actor, at: time)
    }

    /// The sources of verified jobs' disposal records: their assets, `job.verified` events and
    /// evidence read in three queries; each record's fields are built later, on a signing thread.
    static func disposalRecordSources(
        jobs: ArraySlice<DisposalJob>, details: DisposalRecordDetails, organization: String, settings: Settings,
        in tx: any StoreReading
    ) throws(LetheError) -> [RecordSource] {
        let tags = jobs.map(\.assetTag)
        let assets = try tx.assets(tags: tags)
        let events = try tx.eventBodies(type: .jobVerified, assetTags: tags)
        let executions = try tx.eventBodies(type: .jobExecuted, assetTags: tags)
        let evidence = try tx.evidence(jobIDs: jobs.map(\.id))
        return try jobs.map { (job) throws(LetheError) in
            guard job.state == .verified else {
                throw LetheError(
                    .illegalTransition,
                    "job \(job.id) is \(job.state.rawValue); a disposal record is issued only for a verified job")
            }
            guard let asset = assets[job.assetTag] else {
                throw LetheError(.notFound, "asset \(job.assetTag) is not registered; see 'lethe asset list'")
            }
            let bodies = events[job.assetTag] ?? []
            let executionBodies = executions[job.assetTag] ?? []
            let digests = evidence[job.id] ?? []
            return RecordSource(kind: "disposal", jobID: job.id, assetTag: job.assetTag) { () throws(LetheError) in
                // The newest job.verified event of this job.
                for body in bodies.reversed() {
                    let event = try Event(storedBytes: body)
                    guard event.payload["job"]?.integerValue == job.id else { continue }
                    var execution: Event?
                    for body in executionBodies.reversed() where execution == nil {
                        let candidate = try Event(storedBytes: body)
                        if candidate.payload["job"]?.integerValue == job.id { execution = candidate }
                    }
                    return DisposalRecordFields.fields(
                        job: job, asset: asset, evidence: digests, verification: event, details: details,
                        settings: settings, organization: organization, execution: execution)
                }
                throw LetheError(.internal, "job \(job.id) is verified but its job.verified event is missing")
            }
        }
    }

    /// The draft of a verified job's disposal record; refused when the job is not verified.
    static func disposalRecordDraft(
        job: DisposalJob, details: DisposalRecordDetails, organization: String, settings: Settings,
        in tx: any StoreReading
    ) throws(LetheError) -> RecordDraft {
        guard job.state == .verified else {
            throw LetheError(
                .illegalTransition,
                "job \(job.id) is \(job.state.rawValue); a disposal record is issued only for a verified job")
        }
        let asset = try requireAsset(job.assetTag, in: tx)
        guard
            let verification = try tx.events(assetTag: job.assetTag, type: .jobVerified).last(where: {
                $0.payload["job"]?.integerValue == job.id
            })
        else {
            throw LetheError(.internal, "job \(job.id) is verified but its job.verified event is missing")
        }
        let execution = try tx.events(assetTag: job.assetTag, type: .jobExecuted).last {
            $0.payload["job"]?.integerValue == job.id
        }
        let fields = DisposalRecordFields.fields(
            job: job, asset: asset, evidence: try tx.evidence(jobID: job.id), verification: verification,
            details: details, settings: settings, organization: organization, execution: execution)
        return RecordDraft(kind: "disposal", jobID: job.id, assetTag: job.assetTag, fields: fields)
    }
}

extension LetheApp {
    /// After a job is verified: issues its disposal record when the policy rule for its asset says
    /// `issue_record: true`. Issuance is its own transaction; when it cannot be done (no
    /// organisation configured) the verification stands, a warning is logged, and the record can
    /// be issued later with `lethe certificate issue`.
    func issueRecordIfPolicyAsks(job: DisposalJob, policies: LoadedPolicies, actor: String) {
        do {
            let asset = try store.read { (tx) throws(LetheError) in try Self.requireAsset(job.assetTag, in: tx) }
            guard policies.set.rule(for: asset.mediaType, asset.classification)?.issueRecord == true else { return }
            let record = try issueDisposalRecord(jobID: job.id, actor: actor)
            logger.info(
                "issued disposal record", metadata: ["record.serial": "\(record.serial)", "job.id": "\(job.id)"])
        } catch {
            logger.warning(
                "the policy asks for a disposal record but it could not be issued; use 'lethe certificate issue'",
                metadata: ["job.id": "\(job.id)", "error": "\(error.message)"])
        }
    }
}
