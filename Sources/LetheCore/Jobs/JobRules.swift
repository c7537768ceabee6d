/// The rules about who may do what to a job: approval and separation of duties, between
/// principals' names. Each check returns nil when allowed, or the error refusing it: `conflict`
/// when the job's state does not allow it (an approval missing or already given), `forbidden` when
/// separation of duties does not let this principal do it.
public enum JobRules {
    /// Whether work on `job` may start or be recorded: not before a required approval (whoever
    /// does it; the approval is what separates the two people).
    public static func workRefusal(_ job: DisposalJob) -> LetheError? {
        if job.plan.secondPerson, job.approvedBy == nil {
            return LetheError(
                .conflict,
                "job \(job.id) for asset \(job.assetTag) needs a second person's approval before work starts; ask someone other than \(job.requestedBy) to run 'lethe job approve \(job.id)'"
            )
        }
        return nil
    }

    /// Whether `principal` may approve `job`.
    public static func approvalRefusal(_ job: DisposalJob, by principal: Principal) -> LetheError? {
        if !job.plan.secondPerson {
            return LetheError(
                .conflict,
                "job \(job.id) for asset \(job.assetTag) needs no approval under policy \(job.policyVersion.prefix(12))"
            )
        }
        if let approver = job.approvedBy {
            return LetheError(.conflict, "job \(job.id) was already approved by \(approver)")
        }
        if principal.name == job.requestedBy {
            return LetheError(
                .forbidden,
                "\(principal.name) requested job \(job.id) and cannot also approve it (separation of duties); a second person must run 'lethe job approve \(job.id) --actor NAME'"
            )
        }
        return nil
    }

    /// Whether `principal` may verify or attest `job`.
    public static func verificationRefusal(_ job: DisposalJob, by principal: Principal) -> LetheError? {
        if job.plan.separationOfDuties, let executor = job.executedBy, executor == principal.name {
            return LetheError(
                .forbidden,
                "\(principal.name) executed job \(job.id) and cannot also verify it (separation of duties); someone else must verify"
            )
        }
        return nil
    }
}
