import LetheCore

/// The one table of who may do what: which roles may run each ``Action``. The CLI, the HTTP API
/// and the web console ask it through ``LetheApp/authorize(_:_:)``; `docs/security.md` prints it
/// (a test keeps the two equal).
///
/// Least privilege: no role but the local operator's holds everything. Every authenticated role
/// reads (the register, jobs, records, proofs, erasure requests by keyed hash only); writes belong
/// to the role whose job they are. Separation of duties is checked on top of this, per job,
/// between principals' names.
public enum Authorization {
    /// The actions every role may run: reading, and asking for a signed checkpoint of the log.
    static let reads: Set<Action> = [
        .readAssets, .readPolicies, .readJobs, .readRecords, .readLog, .readKeys, .readStores, .readErasures,
        .readBackups, .readStatus, .signCheckpoint, .readReports,
    ]

    /// The roles that may run each action that writes.
    static let writes: [Role: Set<Action>] = [
        .admin: [.manageUsers, .manageTokens, .manageSettings, .manageKeys, .manageWebhooks],
        .itStaff: [
            .registerAsset, .importAssets, .updateAsset, .moveAsset, .retireAsset, .reportAssetLost, .reportAssetFound,
            .disposeAsset,
        ],
        .technician: [.startJob, .recordJob, .attachEvidence, .importNwipeLog, .sanitize],
        .verifier: [.attest, .runVerification, .runDueVerifications, .issueRecord],
        .compliance: [
            .schedule, .approveJob, .cancelJob, .revokeRecord, .applyDataMap, .scanStore, .importHoldings,
            .requestErasure, .runErasure, .attestErasure, .reapplyErasures, .scanForResidue, .registerBackup,
            .encryptBackup, .decryptBackup, .shredBackup, .attestBackupDestroyed, .generateReport,
        ],
        .auditor: [],
        .scheduler: [.schedule, .runDueVerifications, .generateReport],
    ]

    /// The roles that may run `action`.
    public static func roles(for action: Action) -> Set<Role> { table[action] ?? [] }

    /// ``reads`` and ``writes`` turned around once: every request asks it at least once.
    private static let table: [Action: Set<Role>] = Dictionary(
        uniqueKeysWithValues: Action.allCases.map { action in
            (
                action,
                reads.contains(action) ? Set(Role.allCases) : Set(writes.filter { $0.value.contains(action) }.keys)
            )
        })

    /// Whether `principal` may run `action`.
    public static func allows(_ principal: Principal, _ action: Action) -> Bool {
        if principal.readOnly && !action.isRead { return false }
        return principal.holdsAny(of: roles(for: action))
    }

    /// Refuses `action` to a principal whose roles do not allow it (`forbidden`), naming the roles
    /// that would.
    public static func check(_ principal: Principal, _ action: Action) throws(LetheError) {
        guard !allows(principal, action) else { return }
        if principal.readOnly && !action.isRead {
            throw LetheError(
                .forbidden,
                "\(principal.name) used a read-only token, which cannot \(action.rawValue); use a token that may write")
        }
        let needed = roles(for: action).sorted().map(\.rawValue).joined(separator: " or ")
        let held = principal.roles.sorted().map(\.rawValue).joined(separator: ", ")
        throw LetheError(
            .forbidden,
            "\(principal.name) (\(held.isEmpty ? "no role" : held)) may not \(action.rawValue): it needs the \(needed) role; see docs/security.md"
        )
    }

    /// The table as Markdown, one row per action: what docs/security.md prints.
    public static func markdownTable() -> String {
        var lines = ["| action | " + Role.allCases.map(\.rawValue).joined(separator: " | ") + " |"]
        lines.append("| --- |" + String(repeating: " :-: |", count: Role.allCases.count))
        for action in Action.allCases {
            let allowed = roles(for: action)
            lines.append(
                "| `\(action.rawValue)` | "
                    + Role.allCases.map { allowed.contains($0) ? "✔" : "" }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

extension LetheApp {
    /// Refuses `action` when `principal`'s roles do not allow it: the first step of every use case.
    public func authorize(_ action: Action, _ principal: Principal) throws(LetheError) {
        try Authorization.check(principal, action)
    }
}
