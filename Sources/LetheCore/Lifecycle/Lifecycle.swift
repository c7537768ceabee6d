/// The asset lifecycle as a pure state machine.
///
/// ```
/// in-service → retired → awaiting-sanitization → sanitized → verified → disposed
///                              ↑                     ↓           ↓
///                              └──── verification-failed ←───────┘
/// any state before disposed → lost → awaiting-sanitization (a found device is sanitized again)
/// ```
public enum Lifecycle {
    /// The states an asset in `state` may move to.
    public static func allowedNext(from state: LifecycleState) -> [LifecycleState] {
        switch state {
        case .inService: [.retired, .lost]
        case .retired: [.awaitingSanitization, .lost]
        case .awaitingSanitization: [.sanitized, .lost]
        case .sanitized: [.verified, .verificationFailed, .lost]
        case .verified: [.disposed, .verificationFailed, .lost]
        case .verificationFailed: [.awaitingSanitization, .lost]
        case .lost: [.awaitingSanitization]
        case .disposed: []
        }
    }

    /// Checks a transition and returns the new state, or an error naming the asset, its current
    /// state and the states it may move to.
    public static func transition(
        tag: String,
        from current: LifecycleState,
        to next: LifecycleState
    ) throws(LetheError) -> LifecycleState {
        let allowed = allowedNext(from: current)
        guard allowed.contains(next) else {
            let options =
                allowed.isEmpty
                ? "none: \(current.rawValue) is final"
                : allowed.map(\.rawValue).joined(separator: ", ")
            throw LetheError(
                .illegalTransition,
                "asset \(tag) is \(current.rawValue) and cannot become \(next.rawValue); allowed next states: \(options)"
            )
        }
        return next
    }
}
