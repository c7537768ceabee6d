import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// What `erasure reapply` found and did in a restored store.
public struct ReapplyOutcome: Sendable, Hashable {
    /// The store.
    public var store: String
    /// How many erased or suppressed subjects were looked for (by keyed hash).
    public var subjects: Int
    /// How many of them were found again (identity rows matched) and erased again.
    public var subjectRowsFound: Int
    /// Rows touched per table.
    public var tables: [TableOutcome]
    /// Whether the database was compacted afterwards.
    public var compacted: Bool
    /// Erasure parts of this store whose subject had been found again and that are clean now.
    public var cleared: Int
}

extension ErasureService {
    /// Re-applies every completed erasure and every backup suppression of a store after a backup
    /// of it was restored: the store's erasure plan, by keyed-hash match of the identity column, so
    /// no raw identifier is needed (the store's engine, on a thread of its own). Records what it
    /// found as one event; then re-checks the store's erasure parts at once, clearing those a
    /// re-verification had found again.
    public func reapply(store name: String, by principal: Principal) async throws(LetheError) -> ReapplyOutcome {
        try app.authorize(.reapplyErasures, principal)
        let actor = principal.name
        let secrets = try await app.loadedSecrets()
        let declaration = try await declaration(of: name, secrets: secrets)
        let engine = try engine(
            for: declaration,
            refusal:
                "store \(name) is a \(declaration.kind.word) store: Lethe has no executor to re-apply erasures there")
        let hexes = try await app.store.read { (tx) throws(LetheError) in try tx.erasedSubjects(store: name) }
        let subjects = Set(hexes.compactMap(SubjectHash.init(hex:)))
        // One read of the identity column; the engine writes (and compacts) only when a subject is back.
        let result =
            subjects.isEmpty
            ? ErasureResult(store: name, subjectRows: 0, tables: [], compacted: true, duration: 0)
            : try await OwnThread.run { () throws(LetheError) in
                try engine.executor(hasher: secrets.hasher).reapply(subjects: subjects, store: declaration)
            }
        let time = app.now
        try await app.store.write { (tx) throws(LetheError) in
            var payload: [String: JSONValue] = [
                "store": .string(name), "subjects": .integer(Int64(subjects.count)),
                "subject_rows_found": .integer(Int64(result.subjectRows)),
                "tables": .array(
                    result.tables.map {
                        [
                            "table": .string($0.table), "action": .string($0.action),
                            "rows_affected": .integer(Int64($0.rowsAffected)),
                        ]
                    }),
                "compacted": .bool(result.compacted), "vacuumed": .bool(result.vacuumed),
            ]
            payload["compaction_problem"] = result.compactionProblem.map(JSONValue.string)
            try tx.append(EventDraft(type: .erasureReapplied, payload: .object(payload)), actor: actor, at: time)
        }
        // Parts a re-verification found again are checked now and cleared; done parts need no check.
        let refound = try await app.store.read { (tx) throws(LetheError) in
            try tx.erasurePartsToVerify(before: time.addingTimeInterval(1)).contains {
                $0.part.store == name && $0.part.state == .failed
            }
        }
        let app = self.app
        // The re-verification is the verification engine's, synchronous: on a thread of its own.
        let check =
            refound
            ? try await OwnThread.run { () throws(LetheError) in
                try app.verifyErasures(interval: ISODuration(days: 0), store: name, force: true, actor: actor)
            }
            : ErasureVerificationSummary()
        return ReapplyOutcome(
            store: name, subjects: subjects.count, subjectRowsFound: result.subjectRows, tables: result.tables,
            compacted: result.compacted, cleared: check.passed.count)
    }
}
