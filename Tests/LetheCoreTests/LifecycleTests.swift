import LetheCore
import Testing

/// The lifecycle table written out independently of the implementation: every pair of states is
/// checked against it, so a wrong edge in `Lifecycle` cannot hide.
private let legal: Set<String> = [
    "in-service>retired", "in-service>lost",
    "retired>awaiting-sanitization", "retired>lost",
    "awaiting-sanitization>sanitized", "awaiting-sanitization>lost",
    "sanitized>verified", "sanitized>verification-failed", "sanitized>lost",
    "verified>disposed", "verified>verification-failed", "verified>lost",
    "verification-failed>awaiting-sanitization", "verification-failed>lost",
    "lost>awaiting-sanitization",
]

private let allPairs: [(LifecycleState, LifecycleState)] = LifecycleState.allCases.flatMap { from in
    LifecycleState.allCases.map { (from, $0) }
}

@Test(
    "every legal transition is allowed",
    arguments: allPairs.filter { legal.contains("\($0.0.rawValue)>\($0.1.rawValue)") })
func legalTransition(from: LifecycleState, to: LifecycleState) throws {
    #expect(try Lifecycle.transition(tag: "T-1", from: from, to: to) == to)
}

@Test(
    "every illegal transition is refused, naming the asset, its state and the allowed ones",
    arguments: allPairs.filter { !legal.contains("\($0.0.rawValue)>\($0.1.rawValue)") })
func illegalTransition(from: LifecycleState, to: LifecycleState) {
    #expect {
        try Lifecycle.transition(tag: "T-1", from: from, to: to)
    } throws: { error in
        guard let error = error as? LetheError else { return false }
        let allowed = Lifecycle.allowedNext(from: from)
        return error.code == .illegalTransition && error.message.contains("T-1")
            && error.message.contains("is \(from.rawValue)")
            && allowed.allSatisfy { error.message.contains($0.rawValue) }
    }
}

@Test func theTableCoversEveryPair() {
    #expect(allPairs.count == 64)
    #expect(allPairs.filter { legal.contains("\($0.0.rawValue)>\($0.1.rawValue)") }.count == legal.count)
}

@Test func disposedIsFinal() {
    #expect(Lifecycle.allowedNext(from: .disposed).isEmpty)
    #expect(throws: LetheError.self) { try Lifecycle.transition(tag: "X", from: .disposed, to: .lost) }
}
