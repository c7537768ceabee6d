/// Where a disposal job stands.
///
/// ```
/// scheduled → in-progress → executed → verified
///     └───────────┴──────────→ executed        (work recorded from outside Lethe)
/// scheduled, in-progress → cancelled (with a reason)
/// in-progress, executed → failed
/// ```
public enum JobState: String, LetheVocabulary {
    case scheduled
    case inProgress = "in-progress"
    case executed
    case verified
    case failed
    case cancelled
    public static let fieldName = "job state"

    /// The states of a job that is not finished: an asset has at most one such job.
    public static let open: [JobState] = [.scheduled, .inProgress, .executed]
    /// The states whose plan may still change when the policy changes (no work done yet, or under way).
    public static let replannable: [JobState] = [.scheduled, .inProgress]

    /// Whether the job is finished (verified, failed or cancelled).
    public var isFinished: Bool { !Self.open.contains(self) }
}

/// The disposal-job lifecycle as a pure state machine, like ``Lifecycle`` for assets.
public enum JobLifecycle {
    /// The states a job in `state` may move to.
    public static func allowedNext(from state: JobState) -> [JobState] {
        switch state {
        case .scheduled: [.inProgress, .executed, .cancelled]
        case .inProgress: [.executed, .failed, .cancelled]
        case .executed: [.verified, .failed]
        case .verified, .failed, .cancelled: []
        }
    }

    /// Checks a transition and returns the new state, or an error naming the job, its state and
    /// the states it may move to.
    public static func transition(
        job id: Int64, from current: JobState, to next: JobState
    ) throws(LetheError)
        -> JobState
    {
        let allowed = allowedNext(from: current)
        guard allowed.contains(next) else {
            let options =
                allowed.isEmpty
                ? "none: \(current.rawValue) is final"
                : allowed.map(\.rawValue).joined(separator: ", ")
            throw LetheError(
                .illegalTransition,
                "job \(id) is \(current.rawValue) and cannot become \(next.rawValue); allowed next states: \(options)")
        }
        return next
    }
}
