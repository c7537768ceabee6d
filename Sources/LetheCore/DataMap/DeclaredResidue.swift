/// What holds a copy of a store's data that Lethe cannot reach: a `residue:` entry of a
/// `postgres` store in the data map (`docs/data-map.md`, "Declared residue").
///
/// `lethe store apply` turns each entry into a *rolling* backup of the store: it never expires as
/// a whole, and data erased at time T lingers in it until T plus ``retention``.
public struct DeclaredResidue: Sendable, Hashable {
    /// The entry's name, unique within its store (`wal-archive`, `nightly-dump`, `replica-b`).
    public var name: String
    /// What it is.
    public var kind: ResidueKind
    /// Where it is: a path or URL (never a secret; one carrying credentials is refused).
    public var location: String
    /// How long its oldest content is kept (the oldest archived WAL segment, the oldest dump);
    /// present for `wal-archive` and `dump`, absent for `replica`.
    public var retention: ISODuration?
    /// The registered asset it lives on, when declared.
    public var media: String?

    /// Creates an entry.
    public init(name: String, kind: ResidueKind, location: String, retention: ISODuration?, media: String? = nil) {
        self.name = name
        self.kind = kind
        self.location = location
        self.retention = retention
        self.media = media
    }
}

/// The kinds of residue a `postgres` store may declare.
public enum ResidueKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// WAL (and base-backup) archives kept for point-in-time recovery.
    case walArchive = "wal-archive"
    /// Logical dumps (`pg_dump` files), kept for a retention period.
    case dump
    /// A physical replica: it replays the primary's WAL, the erasure and its VACUUM included.
    case replica

    /// Whether the data map must give a `retention` (it must not for a replica).
    public var hasRetention: Bool { self != .replica }
}

extension DeclaredResidue {
    /// The reason `location` may not be recorded, or nil: a URL's user information with a
    /// password (`user:password@`) or a query parameter that names a secret (`password=`,
    /// `token=`, a signature). A location is shown and logged; secrets belong elsewhere.
    public static func credentialProblem(in location: String) -> String? {
        // The authority of a URL, or the host part of an scp-style `user:password@host:/path`.
        let rest = location.range(of: "://").map { location[$0.upperBound...] } ?? location[...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
            return "it carries a password in 'user:password@'"
        }
        if let query = location.firstIndex(of: "?") {
            let secretNames: Set<String> = [
                "password", "passwd", "pwd", "secret", "token", "access_token", "access_key", "secret_key", "sig",
                "signature", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
                "x-goog-credential", "sharedaccesssignature",
            ]
            for pair in location[location.index(after: query)...].split(whereSeparator: { $0 == "&" || $0 == ";" }) {
                let name = pair.prefix { $0 != "=" }.lowercased()
                if secretNames.contains(name) { return "its query parameter '\(name)' carries a secret" }
            }
        }
        return nil
    }
}
