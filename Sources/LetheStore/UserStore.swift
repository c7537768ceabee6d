import Foundation
import LetheCore

/// A user of the service as stored: roles, whether disabled, and the password's encoded hash.
public struct StoredUser: Sendable, Hashable {
    /// The user's name: the actor of every event the user causes.
    public var name: String
    /// The roles held.
    public var roles: Set<Role>
    /// A disabled user cannot authenticate, by token or password.
    public var disabled: Bool
    /// The password's memory-hard hash (`scrypt$N$r$p$salt$hash`), nil until one is set.
    public var passwordHash: String?
    /// When the user was added.
    public var createdAt: Date
    /// When the user last changed.
    public var updatedAt: Date

    /// Creates a stored user.
    public init(
        name: String, roles: Set<Role>, disabled: Bool = false, passwordHash: String? = nil, createdAt: Date,
        updatedAt: Date
    ) {
        self.name = name
        self.roles = roles
        self.disabled = disabled
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// An API token as stored: never the token itself, only the SHA-256 of its secret part.
public struct StoredToken: Sendable, Hashable {
    /// The token's number, the public part of the token (`lethe_<id>_<secret>`).
    public var id: Int64
    /// The user it authenticates.
    public var user: String
    /// SHA-256 of the secret part (32 bytes).
    public var secretHash: [UInt8]
    /// A read-only token allows only reads, whatever the user's roles.
    public var readOnly: Bool
    /// After this time the token is refused; nil: no expiry.
    public var expiresAt: Date?
    /// When it was made.
    public var createdAt: Date
    /// When it was revoked; nil while it is valid.
    public var revokedAt: Date?

    /// Creates a stored token (`id` 0 for one not yet inserted).
    public init(
        id: Int64 = 0, user: String, secretHash: [UInt8], readOnly: Bool, expiresAt: Date?, createdAt: Date,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.user = user
        self.secretHash = secretHash
        self.readOnly = readOnly
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Reading users and tokens.
public protocol UserStoreReading {
    /// The user with this name, or nil.
    func user(name: String) throws(LetheError) -> StoredUser?
    /// Every user, by name.
    func users() throws(LetheError) -> [StoredUser]
    /// The token with this number, or nil.
    func token(id: Int64) throws(LetheError) -> StoredToken?
    /// The tokens of one user (or of every user), newest first.
    func tokens(user: String?) throws(LetheError) -> [StoredToken]
}

/// Writing users and tokens.
public protocol UserStoreWriting: UserStoreReading {
    /// Stores a new user; a name that exists is a `conflict`.
    func insert(_ user: StoredUser) throws(LetheError)
    /// Replaces a stored user's roles, disabled flag, password hash and update time.
    func update(_ user: StoredUser) throws(LetheError)
    /// Stores a new token and returns it with its number.
    func insert(_ token: StoredToken) throws(LetheError) -> StoredToken
    /// Marks a token revoked.
    func revokeToken(id: Int64, at time: Date) throws(LetheError)
}
