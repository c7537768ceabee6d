/// One place that holds customer data, as declared in a data-map file (`docs/data-map.md`).
///
/// Only database stores (`sqlite`, `postgres`) carry an ``ErasurePlan``; the other kinds are
/// recorded so that an erasure request can list every place the data lives and open a job for it.
public struct DataStoreDeclaration: Sendable, Hashable {
    /// The unique name of the store (`crm`); used in jobs, events and as the associated data when
    /// its connection secret is sealed.
    public var name: String
    /// What kind of store this is and how to reach it.
    public var kind: DataStoreKind
    /// Who answers for the store (a team or a person).
    public var owner: String
    /// The kinds of personal data the store holds, sorted.
    public var categories: [DataCategory]
    /// How a subject's data is found and erased; present for `sqlite` and `postgres` stores only.
    public var erasure: ErasurePlan?
    /// What follows a committed erasure in a `postgres` store (`vacuum:` in the map; `plain` by default).
    public var vacuum: DatabaseVacuum
    /// The copies of the store's data Lethe cannot reach (`residue:` in the map; `postgres` only),
    /// in file order: each becomes a rolling backup of the store when the map is applied.
    public var residue: [DeclaredResidue]

    /// Creates a declaration.
    public init(
        name: String, kind: DataStoreKind, owner: String, categories: [DataCategory], erasure: ErasurePlan? = nil,
        vacuum: DatabaseVacuum = .plain, residue: [DeclaredResidue] = []
    ) {
        self.residue = residue
        self.name = name
        self.kind = kind
        self.owner = owner
        self.categories = categories
        self.erasure = erasure
        self.vacuum = vacuum
    }
}

/// The `VACUUM` run on the touched tables of a `postgres` store after an erasure commits.
public enum DatabaseVacuum: String, Sendable, Hashable, CaseIterable {
    /// `VACUUM`: dead row versions are removed and their space freed (pages keep their bytes until reused).
    case plain
    /// `VACUUM (FULL)`: each touched table is rewritten into a new file (an exclusive lock meanwhile).
    case full
    /// None: the dead row versions stay until autovacuum (the erasure's outcome says so).
    case none
}

/// The kind of a data store and how to reach it.
public enum DataStoreKind: Sendable, Hashable {
    /// A SQLite database file at this path.
    case sqlite(path: String)
    /// A PostgreSQL database; the connection string is a secret (it may hold a password).
    case postgres(connection: SecretText)
    /// A file share (a path or URL, for people to act on).
    case fileShare(location: String)
    /// A third-party processor that must be asked to erase (a name, a contact or URL).
    case processor(contact: String)
    /// A device or medium registered as an asset, by its asset tag.
    case device(assetTag: String)

    /// The word used in the data-map file: `sqlite`, `postgres`, `file-share`, `processor`, `device`.
    public var word: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        case .fileShare: "file-share"
        case .processor: "processor"
        case .device: "device"
        }
    }

    /// Every word accepted as a kind.
    public static let words = ["sqlite", "postgres", "file-share", "processor", "device"]

    /// Whether Lethe reads and erases the store itself (a database it can query).
    public var isQueryable: Bool {
        switch self {
        case .sqlite, .postgres: true
        case .fileShare, .processor, .device: false
        }
    }
}

/// Text that must not be shown or logged, such as a connection string with a password.
///
/// Its `description` is redacted; read ``revealed`` only to connect or to seal it for storage.
public struct SecretText: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself.
    public let revealed: String

    /// Wraps a secret.
    public init(_ revealed: String) { self.revealed = revealed }

    /// Always `<secret>`.
    public var description: String { "<secret>" }
    /// Always `<secret>`.
    public var debugDescription: String { "<secret>" }
}

/// How a subject's identifier is normalised before it is hashed; declared per store.
public enum IdentityNormalization: String, Sendable, Hashable, CaseIterable {
    /// The bytes of the value exactly as stored or given (customer numbers, case-sensitive ids).
    case exact
    /// Surrounding white space removed and letters lowercased (e-mail addresses).
    case lowercaseTrim = "lowercase-trim"
}

/// What to do with one column of a row that belongs to the subject.
public enum ColumnErasureAction: Sendable, Hashable {
    /// Set the column to NULL.
    case setNull
    /// Set the column to this fixed text.
    case replace(String)
    /// Replace the value by its keyed hash (lowercase hex HMAC-SHA-256 under the installation
    /// secret), keeping rows joinable and countable without the identifier.
    case keyedHash
}

/// What to do with the rows of one table that belong to the subject.
public enum TableErasure: Sendable, Hashable {
    /// Delete the rows.
    case deleteRow
    /// Keep the rows and change these columns (column name → action), in column-name order.
    case columns([ColumnErasure])
}

/// One column and the action applied to it.
public struct ColumnErasure: Sendable, Hashable {
    /// The column name.
    public var column: String
    /// The action.
    public var action: ColumnErasureAction

    /// Creates a column action.
    public init(column: String, action: ColumnErasureAction) {
        self.column = column
        self.action = action
    }
}

/// A table whose rows refer to the subject's identity row, and what to do with them.
public struct TableReference: Sendable, Hashable {
    /// The referring table (`orders`).
    public var table: String
    /// Its column holding the identity row's key (`customer_id`).
    public var column: String
    /// What to do with the referring rows.
    public var erasure: TableErasure

    /// Creates a reference.
    public init(table: String, column: String, erasure: TableErasure) {
        self.table = table
        self.column = column
        self.erasure = erasure
    }
}

/// How a subject is found in a database store and what is done to each row that belongs to it.
///
/// The subject's rows are those of ``identityTable`` whose ``identityColumn``, normalised by
/// ``normalization`` and keyed-hashed, equals the subject's hash; rows of each reference table
/// belong to the subject when their reference column equals the ``keyColumn`` of one of those rows.
public struct ErasurePlan: Sendable, Hashable {
    /// The table with one row per subject (`customers`).
    public var identityTable: String
    /// Its column holding the identifier (`email`).
    public var identityColumn: String
    /// Its column that other tables refer to (`id`); defaults to the identity column.
    public var keyColumn: String
    /// How identifiers are normalised before hashing.
    public var normalization: IdentityNormalization
    /// What to do with the subject's identity rows.
    public var identityErasure: TableErasure
    /// The tables that refer to the identity rows, erased before the identity rows.
    public var references: [TableReference]

    /// Creates a plan.
    public init(
        identityTable: String, identityColumn: String, keyColumn: String? = nil,
        normalization: IdentityNormalization = .exact, identityErasure: TableErasure,
        references: [TableReference] = []
    ) {
        self.identityTable = identityTable
        self.identityColumn = identityColumn
        self.keyColumn = keyColumn ?? identityColumn
        self.normalization = normalization
        self.identityErasure = identityErasure
        self.references = references
    }
}
