extension EventType {
    /// A disposal job was created for an asset.
    public static let jobScheduled: EventType = "job.scheduled"
    /// An open job's plan was remade under a new policy version (payload names both versions).
    public static let jobReplanned: EventType = "job.replanned"
    /// A second person approved a job.
    public static let jobApproved: EventType = "job.approved"
    /// Work on a job started.
    public static let jobStarted: EventType = "job.started"
    /// Work on a job was executed or recorded, with its evidence digests.
    public static let jobExecuted: EventType = "job.executed"
    /// A job's result was verified (by an engine or a person's attestation).
    public static let jobVerified: EventType = "job.verified"
    /// A job failed (its verification failed, or the work did).
    public static let jobFailed: EventType = "job.failed"
    /// A job was cancelled, with a reason.
    public static let jobCancelled: EventType = "job.cancelled"
}
