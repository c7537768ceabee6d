/// Where an asset stands in its life, from service to disposal.
public enum LifecycleState: String, LetheVocabulary {
    case inService = "in-service"
    case retired
    case awaitingSanitization = "awaiting-sanitization"
    case sanitized
    case verified
    case disposed
    case verificationFailed = "verification-failed"
    case lost
    public static let fieldName = "state"

    /// States an asset may be registered or imported in: later states need evidence that only
    /// Lethe's own jobs produce.
    public static let initialStates: [LifecycleState] = [.inService, .retired, .lost]
}
