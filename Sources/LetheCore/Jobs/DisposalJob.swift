import Foundation

/// One unit of destruction work: an asset to sanitize to a method category by a due date, under
/// the policy version that required it.
public struct DisposalJob: Sendable, Hashable {
    /// The job number (0 before it is stored).
    public var id: Int64
    /// The asset to sanitize.
    public var assetTag: String
    /// Where the job stands.
    public var state: JobState
    /// The plan the policy made.
    public var plan: JobPlan
    /// The SHA-256 of the policy set that made the plan.
    public var policyVersion: String
    /// Who scheduled the job (the requester).
    public var requestedBy: String
    /// Who approved it, when the plan needs a second person.
    public var approvedBy: String?
    /// Who executed or recorded the work.
    public var executedBy: String?
    /// When the work was executed or recorded.
    public var executedAt: Date?
    /// The technique used.
    public var technique: Technique?
    /// The tool used (nwipe, a vendor's name).
    public var tool: String?
    /// The tool's version.
    public var toolVersion: String?
    /// Who verified (or attested) the result.
    public var verifiedBy: String?
    /// When it was verified.
    public var verifiedAt: Date?
    /// Why it was cancelled or failed.
    public var reason: String?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a job.
    public init(
        id: Int64 = 0, assetTag: String, state: JobState = .scheduled, plan: JobPlan, policyVersion: String,
        requestedBy: String, approvedBy: String? = nil, executedBy: String? = nil, executedAt: Date? = nil,
        technique: Technique? = nil, tool: String? = nil, toolVersion: String? = nil, verifiedBy: String? = nil,
        verifiedAt: Date? = nil, reason: String? = nil, createdAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.assetTag = assetTag
        self.state = state
        self.plan = plan
        self.policyVersion = policyVersion
        self.requestedBy = requestedBy
        self.approvedBy = approvedBy
        self.executedBy = executedBy
        self.executedAt = executedAt
        self.technique = technique
        self.tool = tool
        self.toolVersion = toolVersion
        self.verifiedBy = verifiedBy
        self.verifiedAt = verifiedAt
        self.reason = reason
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// Whether the job is past its due date at `time` and not finished successfully.
    public func isOverdue(at time: Date) -> Bool {
        !state.isFinished && plan.dueAt < time
    }

    /// The job as JSON, for events and `--json` output.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .integer(id), "asset": .string(assetTag), "state": .string(state.rawValue),
            "policy_version": .string(policyVersion), "requested_by": .string(requestedBy),
            "created_at": .string(RFC3339.format(createdAt)), "updated_at": .string(RFC3339.format(updatedAt)),
        ]
        for (key, value) in plan.jsonMembers { object[key] = value }
        object["approved_by"] = approvedBy.map(JSONValue.string)
        object["executed_by"] = executedBy.map(JSONValue.string)
        object["executed_at"] = executedAt.map { .string(RFC3339.format($0)) }
        object["technique"] = technique.map { .string($0.rawValue) }
        object["tool"] = tool.map(JSONValue.string)
        object["tool_version"] = toolVersion.map(JSONValue.string)
        object["verified_by"] = verifiedBy.map(JSONValue.string)
        object["verified_at"] = verifiedAt.map { .string(RFC3339.format($0)) }
        object["reason"] = reason.map(JSONValue.string)
        return .object(object)
    }
}

/// What a policy requires of a job: method, techniques, verification, approval, due date.
public struct JobPlan: Sendable, Hashable {
    /// The required method category.
    public var method: MethodCategory
    /// The techniques allowed.
    public var techniques: [Technique]
    /// How the result is verified.
    public var verification: VerificationRequirement
    /// Whether a second person must approve before work starts.
    public var secondPerson: Bool
    /// Whether verifier and executor (approver and requester) must differ.
    public var separationOfDuties: Bool
    /// When the work must be done.
    public var dueAt: Date

    /// Creates a plan.
    public init(
        method: MethodCategory, techniques: [Technique], verification: VerificationRequirement,
        secondPerson: Bool, separationOfDuties: Bool, dueAt: Date
    ) {
        self.method = method
        self.techniques = techniques
        self.verification = verification
        self.secondPerson = secondPerson
        self.separationOfDuties = separationOfDuties
        self.dueAt = dueAt
    }

    /// The plan a rule makes for a medium retired at `retiredAt`.
    public init(rule: SanitizationRule, retiredAt: Date) {
        self.init(
            method: rule.method, techniques: rule.techniques, verification: rule.verification,
            secondPerson: rule.secondPerson, separationOfDuties: rule.separationOfDuties,
            dueAt: rule.deadline.added(to: retiredAt))
    }

    /// The plan's members as JSON object members.
    public var jsonMembers: [String: JSONValue] {
        [
            "method": .string(method.rawValue), "techniques": .array(techniques.map { .string($0.rawValue) }),
            "verification": verification.json, "second_person": .bool(secondPerson),
            "separation_of_duties": .bool(separationOfDuties), "due_at": .string(RFC3339.format(dueAt)),
        ]
    }
}
