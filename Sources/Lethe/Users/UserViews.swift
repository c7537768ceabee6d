import Foundation
import LetheCore
import LetheStore

/// A user as every front end shows it (never the password hash).
public struct UserView: Codable, Sendable, Hashable {
    /// The name, the actor of the user's events.
    public var name: String
    /// The roles held, sorted.
    public var roles: [Role]
    /// Whether the user is disabled.
    public var disabled: Bool
    /// Whether a console password is set.
    public var hasPassword: Bool
    /// When the user was added (RFC 3339).
    public var createdAt: String
    /// When the user last changed (RFC 3339).
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case name, roles, disabled
        case hasPassword = "has_password"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ user: StoredUser) {
        name = user.name
        roles = user.roles.sorted()
        disabled = user.disabled
        hasPassword = user.passwordHash != nil
        createdAt = RFC3339.format(user.createdAt)
        updatedAt = RFC3339.format(user.updatedAt)
    }
}

/// An API token as every front end lists it: never its secret.
public struct TokenView: Codable, Sendable, Hashable {
    /// Whether a token can still be used.
    public enum State: String, Codable, Sendable {
        case valid, expired, revoked
    }

    /// Its number (the public part of the token).
    public var id: Int64
    /// The user it authenticates.
    public var user: String
    /// Whether it only allows reads.
    public var readOnly: Bool
    /// When it expires (RFC 3339), if ever.
    public var expiresAt: String?
    /// When it was made.
    public var createdAt: String
    /// When it was revoked, if it was.
    public var revokedAt: String?
    /// Valid, expired or revoked, at the time of the listing.
    public var state: State

    enum CodingKeys: String, CodingKey {
        case id, user, state
        case readOnly = "read_only"
        case expiresAt = "expires_at"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    init(_ token: StoredToken, at time: Date) {
        id = token.id
        user = token.user
        readOnly = token.readOnly
        expiresAt = token.expiresAt.map(RFC3339.format)
        createdAt = RFC3339.format(token.createdAt)
        revokedAt = token.revokedAt.map(RFC3339.format)
        state = token.revokedAt != nil ? .revoked : (token.expiresAt.map { $0 <= time } ?? false) ? .expired : .valid
    }
}

/// A token just made: the only time its text is shown.
public struct NewToken: Codable, Sendable, Hashable {
    /// The token as listed.
    public var token: TokenView
    /// The token itself (`lethe_<id>_<secret>`): shown once, stored nowhere.
    public var secret: String
}

/// A user just added, with the first API token.
public struct NewUser: Codable, Sendable, Hashable {
    /// The user.
    public var user: UserView
    /// The first token, shown once.
    public var token: NewToken
}
