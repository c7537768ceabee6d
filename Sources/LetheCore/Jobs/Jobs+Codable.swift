import Foundation

// Typed encodings of jobs, their evidence and overwrite runs: the same keys and values as their
// `json` (what `--json` has always printed and events hold), so that use cases can return them in
// `Codable` results that every front end renders.

extension KeyedDecodingContainer {
    fileprivate func rfc3339(_ key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        do { return try RFC3339.parse(text, field: key.stringValue) } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.message)
        }
    }

    fileprivate func rfc3339IfPresent(_ key: Key) throws -> Date? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try rfc3339(key)
    }
}

extension VerificationRequirement: Codable {
    private enum CodingKeys: String, CodingKey {
        case mode
        case ratePercent = "rate_percent"
        case minimum
    }

    /// Decodes `{"mode": "sample", "rate_percent": 1, "minimum": 1000}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            mode: try container.decode(VerificationMode.self, forKey: .mode),
            ratePercent: try container.decodeIfPresent(Int.self, forKey: .ratePercent),
            minimum: try container.decodeIfPresent(Int.self, forKey: .minimum))
    }

    /// Encodes as ``json``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mode, forKey: .mode)
        try container.encodeIfPresent(ratePercent, forKey: .ratePercent)
        try container.encodeIfPresent(minimum, forKey: .minimum)
    }
}

extension DisposalJob: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, state, technique, tool, reason, method, techniques, verification
        case assetTag = "asset"
        case policyVersion = "policy_version"
        case requestedBy = "requested_by"
        case approvedBy = "approved_by"
        case executedBy = "executed_by"
        case executedAt = "executed_at"
        case toolVersion = "tool_version"
        case verifiedBy = "verified_by"
        case verifiedAt = "verified_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case secondPerson = "second_person"
        case separationOfDuties = "separation_of_duties"
        case dueAt = "due_at"
    }

    /// Decodes a job as ``json`` writes it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let plan = JobPlan(
            method: try container.decode(MethodCategory.self, forKey: .method),
            techniques: try container.decode([Technique].self, forKey: .techniques),
            verification: try container.decode(VerificationRequirement.self, forKey: .verification),
            secondPerson: try container.decode(Bool.self, forKey: .secondPerson),
            separationOfDuties: try container.decode(Bool.self, forKey: .separationOfDuties),
            dueAt: try container.rfc3339(.dueAt))
        self.init(
            id: try container.decode(Int64.self, forKey: .id),
            assetTag: try container.decode(String.self, forKey: .assetTag),
            state: try container.decode(JobState.self, forKey: .state), plan: plan,
            policyVersion: try container.decode(String.self, forKey: .policyVersion),
            requestedBy: try container.decode(String.self, forKey: .requestedBy),
            approvedBy: try container.decodeIfPresent(String.self, forKey: .approvedBy),
            executedBy: try container.decodeIfPresent(String.self, forKey: .executedBy),
            executedAt: try container.rfc3339IfPresent(.executedAt),
            technique: try container.decodeIfPresent(Technique.self, forKey: .technique),
            tool: try container.decodeIfPresent(String.self, forKey: .tool),
            toolVersion: try container.decodeIfPresent(String.self, forKey: .toolVersion),
            verifiedBy: try container.decodeIfPresent(String.self, forKey: .verifiedBy),
            verifiedAt: try container.rfc3339IfPresent(.verifiedAt),
            reason: try container.decodeIfPresent(String.self, forKey: .reason),
            createdAt: try container.rfc3339(.createdAt), updatedAt: try container.rfc3339(.updatedAt))
    }

    /// Encodes as ``json``: the plan's members flattened into the job, dates as RFC 3339, absent
    /// values omitted.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}

extension EvidenceDigest: Codable {
    private enum CodingKeys: String, CodingKey {
        case purpose, sha256
        case fileName = "file"
        case sizeBytes = "size_bytes"
        case recordedAt = "recorded_at"
    }

    /// Decodes a digest as ``json`` writes it; its job is not part of it (0 until set).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            jobID: 0, purpose: try container.decode(EvidencePurpose.self, forKey: .purpose),
            fileName: try container.decode(String.self, forKey: .fileName),
            sha256: try container.decode(String.self, forKey: .sha256),
            sizeBytes: try container.decode(Int64.self, forKey: .sizeBytes),
            recordedAt: try container.rfc3339(.recordedAt))
    }

    /// Encodes as ``json``.
    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}

extension SanitizeRun: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, target, pattern, passes, status, pass, offset, milliseconds
        case jobID = "job"
        case resolvedTarget = "resolved_target"
        case isBlockDevice = "block_device"
        case sizeBytes = "size_bytes"
        case seedHex = "seed"
        case bytesWritten = "bytes_written"
        case directIO = "direct_io"
        case serialIgnoredReason = "serial_ignored_reason"
        case sizeIgnoredReason = "size_ignored_reason"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
    }

    /// Decodes a run as ``json`` writes it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(Int64.self, forKey: .id), jobID: try container.decode(Int64.self, forKey: .jobID),
            target: try container.decode(String.self, forKey: .target),
            resolvedTarget: try container.decode(String.self, forKey: .resolvedTarget),
            isBlockDevice: try container.decode(Bool.self, forKey: .isBlockDevice),
            sizeBytes: try container.decode(Int64.self, forKey: .sizeBytes),
            pattern: try container.decode(String.self, forKey: .pattern),
            passes: try container.decode(Int.self, forKey: .passes),
            seedHex: try container.decode(String.self, forKey: .seedHex),
            status: try container.decode(SanitizeRunStatus.self, forKey: .status),
            pass: try container.decode(Int.self, forKey: .pass),
            offset: try container.decode(Int64.self, forKey: .offset),
            bytesWritten: try container.decode(Int64.self, forKey: .bytesWritten),
            milliseconds: try container.decode(Int64.self, forKey: .milliseconds),
            directIO: try container.decode(Bool.self, forKey: .directIO),
            serialIgnoredReason: try container.decodeIfPresent(String.self, forKey: .serialIgnoredReason),
            startedAt: try container.rfc3339(.startedAt), updatedAt: try container.rfc3339(.updatedAt))
        sizeIgnoredReason = try container.decodeIfPresent(String.self, forKey: .sizeIgnoredReason)
    }

    /// Encodes as ``json``.
    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}
