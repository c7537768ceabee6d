/// What a person (or the service itself) may do in Lethe. A principal holds one or more roles;
/// which role may run which use case is decided in one table, `Authorization` in the `Lethe`
/// target, which every front end asks.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Users, tokens, settings and keys.
    case admin
    /// Registers, imports, updates, moves, retires, loses, finds and disposes of assets.
    case itStaff = "it-staff"
    /// Starts and records disposal work; uploads evidence and nwipe logs; overwrites media.
    case technician
    /// Attests, runs verifications, issues signed records.
    case verifier
    /// Policies, scheduling, reports, erasure requests, stores, holdings, backups, revocations.
    case compliance
    /// Reads everything but secrets and raw identifiers: records, bundles, proofs, checkpoints.
    case auditor
    /// The service's own identity for its scheduled runs.
    case scheduler

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses a role name (`it-staff`), naming the valid ones when it is not one.
    public static func parse(_ text: String) throws(LetheError) -> Role {
        guard let role = Role(rawValue: text.trimmed.lowercased()) else {
            throw LetheError(
                .usage,
                "\(Quoted(text)) is not a role; use one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }
}
