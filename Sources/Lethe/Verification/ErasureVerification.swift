import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// An engine that checks, without any raw identifier, that erased subjects are still absent from
/// a database store (the query check of `lethe verify --due`).
public protocol ErasureQueryVerifier: Sendable {
    /// The engine's name, recorded with every outcome.
    var name: String { get }
    /// Whether it can check this store.
    func canVerify(_ store: DataStoreDeclaration) -> Bool
    /// How many identity rows still match `subjects` by keyed hash.
    func verify(
        subjects: Set<SubjectHash>, store: DataStoreDeclaration, hasher: SubjectHasher
    ) throws(LetheError) -> ErasureVerification
}

/// The query check for SQLite stores, by the ``SQLiteErasureExecutor``.
public struct SQLiteErasureQueryVerifier: ErasureQueryVerifier {
    /// Creates the engine.
    public init() {}
    /// `sqlite-query-check`.
    public var name: String { "sqlite-query-check" }
    /// SQLite stores with an erasure plan.
    public func canVerify(_ store: DataStoreDeclaration) -> Bool {
        if case .sqlite = store.kind { return store.erasure != nil }
        return false
    }
    /// Counts the identity rows whose keyed hash is one of `subjects`.
    public func verify(
        subjects: Set<SubjectHash>, store: DataStoreDeclaration, hasher: SubjectHasher
    ) throws(LetheError) -> ErasureVerification {
        try SQLiteErasureExecutor(hasher: hasher).verify(subjects: subjects, store: store)
    }
}

/// What re-verifying erasures found.
public struct ErasureVerificationSummary: Sendable, Hashable {
    /// Parts checked and still clean: (request, part, store).
    public var passed: [ErasurePart] = []
    /// Parts whose subject was found again in the store (raised until re-applied).
    public var refound: [ErasurePart] = []
    /// Parts whose check could not run, with the error.
    public var errors: [String] = []

    /// Whether anything needs attention.
    public var needsAttention: Bool { !refound.isEmpty || !errors.isEmpty }
}

extension LetheApp {
    /// Re-verifies done erasures whose last check is older than the policy's re-verification
    /// interval (all of them, or those of one store, when `force`), by keyed hash only; a subject
    /// found again fails its part and stays raised until `erasure reapply` clears it.
    /// Each outcome is its own transaction and event.
    func verifyErasures(
        policies: LoadedPolicies, store only: String? = nil, force: Bool = false, actor: String
    ) throws(LetheError) -> ErasureVerificationSummary {
        try verifyErasures(interval: policies.set.reverificationInterval, store: only, force: force, actor: actor)
    }

    func verifyErasures(
        interval: ISODuration, store only: String?, force: Bool, actor: String
    ) throws(LetheError) -> ErasureVerificationSummary {
        let actor = try ActorName.validate(actor)
        let time = now
        var summary = ErasureVerificationSummary()
        let candidates = try store.read { (tx) throws(LetheError) in
            try tx.erasurePartsToVerify(before: time.addingTimeInterval(1))
        }
        let hasStores = try store.read { (tx) throws(LetheError) in !(try tx.registeredStores().isEmpty) }
        guard hasStores, !candidates.isEmpty else { return summary }
        let secrets = try secrets()
        var dueByStore: [String: [(part: ErasurePart, subject: String)]] = [:]
        for (part, subject) in candidates {
            if let only, part.store != only { continue }
            let due = interval.added(to: part.verifiedAt ?? part.updatedAt) <= time
            if force || due {
                dueByStore[part.store, default: []].append((part, subject))
            } else if part.state == .failed {
                summary.refound.append(part)  // raised until re-applied
            }
        }
        for (storeName, due) in dueByStore.sorted(by: { $0.key < $1.key }) {
            var remaining: [Int64: Int] = [:]
            var engineName = ""
            do throws(LetheError) {
                let declaration = try declaration(of: storeName, secrets: secrets)
                guard let engine = verifiers.erasureVerifier(for: declaration) else { continue }
                engineName = engine.name
                let hashes = due.compactMap { SubjectHash(hex: $0.subject) }
                // One pass over the store for all its subjects; per subject only when something is found.
                let all = try engine.verify(subjects: Set(hashes), store: declaration, hasher: secrets.hasher)
                for item in due {
                    if all.passed {
                        remaining[item.part.id] = 0
                    } else if let hash = SubjectHash(hex: item.subject) {
                        remaining[item.part.id] =
                            try engine.verify(subjects: [hash], store: declaration, hasher: secrets.hasher)
                            .remainingRows
                    }
                }
            } catch {
                summary.errors.append("erasure check of store \(storeName): \(error.message)")
                continue
            }
            let checked: [ErasurePart] = due.compactMap { item in
                guard let rows = remaining[item.part.id] else { return nil }
                var updated = item.part
                var outcome = updated.outcome.objectValue ?? [:]
                outcome["last_check"] = [
                    "verifier": .string(engineName), "remaining_rows": .integer(Int64(rows)),
                    "at": .string(RFC3339.format(time)),
                ]
                updated.outcome = .object(outcome)
                updated.state = rows == 0 ? .done : .failed
                updated.verifiedAt = time
                updated.updatedAt = time
                return updated
            }
            try store.write { (tx) throws(LetheError) in
                for recorded in checked {
                    try tx.update(recorded)
                    try tx.append(
                        EventDraft(
                            type: .erasureVerified,
                            payload: [
                                "request": .integer(recorded.requestID), "part": .integer(recorded.id),
                                "store": .string(recorded.store), "passed": .bool(recorded.state == .done),
                                "check": recorded.outcome["last_check"] ?? .null,
                            ]), actor: actor, at: time)
                }
            }
            for recorded in checked {
                if recorded.state == .done {
                    summary.passed.append(recorded)
                } else {
                    summary.refound.append(recorded)
                }
            }
        }
        return summary
    }
}
