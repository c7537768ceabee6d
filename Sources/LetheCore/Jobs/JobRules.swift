/// The rules about who may do what to a job: approval and separation of duties. Each check
/// returns nil when allowed, or the reason it is not.
public enum JobRules {
    /// Whether `actor` may start or record work on `job`.
    public static func workRefusal(_ job: DisposalJob, actor: String) -> String? {
        if job.plan.secondPerson, job.approvedBy == nil {
            return
                "job \(job.id) for asset \(job.assetTag) needs a second person's approval before work starts; ask someone other than \(job.requestedBy) to run 'lethe job approve \(job.id)'"
        }
        return nil
    }

    /// Whether `actor` may approve `job`.
    public static func approvalRefusal(_ job: DisposalJob, actor: String) -> String? {
        if !job.plan.secondPerson {
            return
                "job \(job.id) for asset \(job.assetTag) needs no approval under policy \(job.policyVersion.prefix(12))"
        }
        if let approver = job.approvedBy {
            return "job \(job.id) was already approved by \(approver)"
        }
        if actor == job.requestedBy {
            return
                "\(actor) requested job \(job.id) and cannot also approve it (separation of duties); a second person must run 'lethe job approve \(job.id) --actor NAME'"
        }
        return nil
    }

    /// Whether `actor` may verify or attest `job`.
    public static func verificationRefusal(_ job: DisposalJob, actor: String) -> String? {
        if job.plan.separationOfDuties, let executor = job.executedBy, executor == actor {
            return
                "\(actor) executed job \(job.id) and cannot also verify it (separation of duties); someone else must verify"
        }
        return nil
    }
}
