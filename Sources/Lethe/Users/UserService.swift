import Foundation
import LetheCore
import LetheStore

extension EventType {
    /// A user was added (name and roles).
    public static let userAdded: EventType = "user.added"
    /// A user was disabled.
    public static let userDisabled: EventType = "user.disabled"
    /// A user's console password was set (never the password or its hash).
    public static let userPasswordSet: EventType = "user.password-set"
    /// An API token was made (its number, user, expiry; never the secret).
    public static let tokenAdded: EventType = "token.added"
    /// An API token was revoked.
    public static let tokenRevoked: EventType = "token.revoked"
}

/// Users of the service, their roles, console passwords and API tokens; and authentication.
///
/// Every change is an event naming the user or token, never a secret. Nothing is deleted: a user
/// is disabled and a token revoked, so every event's actor stays known.
public struct UserService: Sendable {
    let app: LetheApp

    /// Adds a user with `roles` and makes its first API token, shown once; with `password`, the
    /// user's console password is set in the same change (checked before anything is written).
    public func add(
        name: String, roles: Set<Role>, password: String? = nil, by principal: Principal
    ) async throws(LetheError) -> NewUser {
        try app.authorize(.manageUsers, principal)
        guard !roles.isEmpty else {
            throw LetheError(
                .usage,
                "a user needs at least one role: \(Role.allCases.filter { $0 != .scheduler }.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard !roles.contains(.scheduler) else {
            throw LetheError(.usage, "the scheduler role is the service's own; give people the roles of their work")
        }
        let name = try Principal(name: name, roles: roles, authentication: .apiToken).name
        // The service's own identity acts under its name: a person named so would pass for it in
        // every event they leave.
        guard name.lowercased() != Principal.scheduler.name else {
            throw LetheError(
                .invalidInput, "\(Quoted(name)) is the name the service's scheduler acts under; choose another")
        }
        let passwordHash: String? = if let password { try await Self.newPasswordHash(password) } else { nil }
        let time = app.now
        let secret = Credentials.newSecret()
        // Requests authenticated after this change see it (TokenCache).
        defer { app.tokenCache.removeAll() }
        return try await app.store.write { (tx) throws(LetheError) in
            guard try tx.user(name: name) == nil else {
                throw LetheError(.conflict, "user \(Quoted(name)) exists already; see 'lethe user list'")
            }
            var user = StoredUser(name: name, roles: roles, createdAt: time, updatedAt: time)
            user.passwordHash = passwordHash
            try tx.insert(user)
            try tx.append(
                EventDraft(
                    type: .userAdded,
                    payload: ["user": .string(name), "roles": .array(roles.sorted().map { .string($0.rawValue) })]),
                actor: principal.name, at: time)
            if passwordHash != nil {
                try tx.append(
                    EventDraft(type: .userPasswordSet, payload: ["user": .string(name)]), actor: principal.name,
                    at: time)
            }
            let token = try Self.insertToken(
                user: name, secret: secret, readOnly: false, expiresAt: nil, in: tx, by: principal, at: time)
            return NewUser(user: UserView(user), token: token)
        }
    }

    /// Every user.
    public func list(by principal: Principal) async throws(LetheError) -> [UserView] {
        try app.authorize(.manageUsers, principal)
        return try await app.store.read { (tx) throws(LetheError) in try tx.users().map(UserView.init) }
    }

    /// Disables a user: its tokens and password stop working at once.
    public func disable(name: String, by principal: Principal) async throws(LetheError) -> UserView {
        try app.authorize(.manageUsers, principal)
        let time = app.now
        // Requests authenticated after this change see it (TokenCache).
        defer { app.tokenCache.removeAll() }
        return try await app.store.write { (tx) throws(LetheError) in
            var user = try Self.require(name, in: tx)
            guard !user.disabled else { return UserView(user) }
            // Over the API and the console, only an admin manages users: disabling the last one
            // would leave nobody there who could (the local operator's CLI still could).
            if user.roles.contains(.admin),
                try !tx.users().contains(where: { $0.name != user.name && !$0.disabled && $0.roles.contains(.admin) })
            {
                throw LetheError(
                    .conflict,
                    "\(Quoted(name)) is the last enabled admin: add another admin ('lethe user add NAME --role admin') before disabling them (nothing was changed)"
                )
            }
            user.disabled = true
            user.updatedAt = time
            try tx.update(user)
            try tx.append(
                EventDraft(type: .userDisabled, payload: ["user": .string(name)]), actor: principal.name, at: time)
            return UserView(user)
        }
    }

    /// Sets a user's console password (12 to 1,024 characters), stored as its scrypt hash.
    public func setPassword(
        name: String, password: String, by principal: Principal
    ) async throws(LetheError)
        -> UserView
    {
        try app.authorize(.manageUsers, principal)
        let hash = try await Self.newPasswordHash(password)
        let time = app.now
        // Requests authenticated after this change see it (TokenCache).
        defer { app.tokenCache.removeAll() }
        return try await app.store.write { (tx) throws(LetheError) in
            var user = try Self.require(name, in: tx)
            user.passwordHash = hash
            user.updatedAt = time
            try tx.update(user)
            try tx.append(
                EventDraft(type: .userPasswordSet, payload: ["user": .string(name)]), actor: principal.name, at: time)
            return UserView(user)
        }
    }

    /// Makes an API token for a user, shown once; `expiresIn` from now, `readOnly` for reads only.
    public func addToken(
        user name: String, expiresIn: ISODuration?, readOnly: Bool, by principal: Principal
    ) async throws(LetheError) -> NewToken {
        try app.authorize(.manageTokens, principal)
        let time = app.now
        let expiresAt = expiresIn.map { $0.added(to: time) }
        if let expiresAt, expiresAt <= time {
            throw LetheError(.usage, "a token's lifetime must be positive (for example P90D)")
        }
        let secret = Credentials.newSecret()
        // Requests authenticated after this change see it (TokenCache).
        defer { app.tokenCache.removeAll() }
        return try await app.store.write { (tx) throws(LetheError) in
            let user = try Self.require(name, in: tx)
            guard !user.disabled else {
                throw LetheError(.conflict, "user \(Quoted(name)) is disabled; a token for it would not work")
            }
            return try Self.insertToken(
                user: name, secret: secret, readOnly: readOnly, expiresAt: expiresAt, in: tx, by: principal, at: time)
        }
    }

    /// The tokens of one user, or of everyone.
    public func listTokens(user: String?, by principal: Principal) async throws(LetheError) -> [TokenView] {
        try app.authorize(.manageTokens, principal)
        let time = app.now
        return try await app.store.read { (tx) throws(LetheError) in
            try tx.tokens(user: user).map { TokenView($0, at: time) }
        }
    }

    /// Revokes a token: it stops working at once.
    public func revokeToken(id: Int64, by principal: Principal) async throws(LetheError) -> TokenView {
        try app.authorize(.manageTokens, principal)
        let time = app.now
        // Requests authenticated after this change see it (TokenCache).
        defer { app.tokenCache.removeAll() }
        return try await app.store.write { (tx) throws(LetheError) in
            guard var token = try tx.token(id: id) else {
                throw LetheError(.notFound, "token \(id) does not exist; see 'lethe token list'")
            }
            guard token.revokedAt == nil else { return TokenView(token, at: time) }
            try tx.revokeToken(id: id, at: time)
            token.revokedAt = time
            try tx.append(
                EventDraft(type: .tokenRevoked, payload: ["token": .integer(id), "user": .string(token.user)]),
                actor: principal.name, at: time)
            return TokenView(token, at: time)
        }
    }

    /// Whether any user exists (the service creates `admin` on its first start otherwise).
    public func hasUsers() async throws(LetheError) -> Bool {
        try await app.store.read { (tx) throws(LetheError) in !(try tx.users().isEmpty) }
    }

    /// The principal a presented API token stands for; `unauthenticated` for anything else
    /// (unknown, malformed, revoked, expired, or a disabled user), with one message for all.
    public func authenticate(token text: String) async throws(LetheError) -> Principal {
        let refused = LetheError(.unauthenticated, "the API token is not valid (unknown, expired or revoked)")
        guard let presented = Credentials.parse(token: text) else { throw refused }
        let time = app.now
        // A token verified in the last second is checked against what the store said then (see
        // TokenCache: every user or token change empties it).
        if let cached = app.tokenCache.entry(id: presented.id) {
            guard Credentials.constantTimeEqual(cached.secretHash, presented.secretHash),
                cached.expiresAt.map({ $0 > time }) ?? true
            else { throw refused }
            return cached.principal
        }
        let generation = app.tokenCache.currentGeneration()
        let found = try await app.store.briefRead { (tx) throws(LetheError) -> (StoredToken, StoredUser)? in
            guard let token = try tx.token(id: presented.id), let user = try tx.user(name: token.user) else {
                return nil
            }
            return (token, user)
        }
        // Compare even when the row is missing, so the time taken does not tell which tokens exist.
        let stored = found?.0.secretHash ?? Credentials.newSecret().hash
        let matches = Credentials.constantTimeEqual(stored, presented.secretHash)
        guard matches, let (token, user) = found, token.revokedAt == nil, !user.disabled,
            token.expiresAt.map({ $0 > time }) ?? true
        else { throw refused }
        let principal = try Principal(
            name: user.name, roles: user.roles, authentication: .apiToken, readOnly: token.readOnly)
        app.tokenCache.store(
            id: token.id,
            .init(secretHash: token.secretHash, principal: principal, expiresAt: token.expiresAt, verifiedAt: .now),
            generation: generation)
        return principal
    }

    /// The principal a console session stands for now: the user's current roles, re-read on every
    /// request so that disabling a user (through the API, the console or the command line) ends
    /// their sessions at once; `unauthenticated` when the user is disabled or unknown.
    public func sessionPrincipal(name: String) async throws(LetheError) -> Principal {
        let user = try await app.store.briefRead { (tx) throws(LetheError) in try tx.user(name: name) }
        guard let user, !user.disabled else {
            throw LetheError(.unauthenticated, "the user \(Quoted(name)) is disabled; the session has ended")
        }
        return try Principal(name: user.name, roles: user.roles, authentication: .consoleSession)
    }

    /// The principal a console sign-in stands for; `unauthenticated` for a wrong name or
    /// password, a disabled user or one without a password, with one message for all.
    public func authenticate(name: String, password: String) async throws(LetheError) -> Principal {
        let refused = LetheError(.unauthenticated, "the user name or password is not right")
        let user = try await app.store.read { (tx) throws(LetheError) in try tx.user(name: name) }
        // A hash is checked even for an unknown user, so the time taken does not tell who exists.
        let stored = user?.passwordHash
        let matches = try await OwnThread.run("lethe-scrypt") { () throws(LetheError) in
            // The decoy is made (once, with scrypt) here too, off the concurrency threads.
            Credentials.verifyPassword(password, against: stored ?? Self.decoyHash)
        }
        guard matches, let user, !user.disabled else { throw refused }
        return try Principal(name: user.name, roles: user.roles, authentication: .consoleSession)
    }

    /// A valid hash of no one's password, checked for unknown users.
    private static let decoyHash = (try? Credentials.hashPassword(UUID().uuidString + UUID().uuidString)) ?? ""

    /// The scrypt hash of a new console password, once it is checked (12 to 1,024 characters).
    /// scrypt is a tenth of a second of CPU and 32 MiB: on a thread of its own.
    private static func newPasswordHash(_ password: String) async throws(LetheError) -> String {
        try Credentials.checkNewPassword(password)
        return try await OwnThread.run("lethe-scrypt") { () throws(LetheError) in
            try Credentials.hashPassword(password)
        }
    }

    private static func require(_ name: String, in tx: any StoreReading) throws(LetheError) -> StoredUser {
        guard let user = try tx.user(name: name) else {
            throw LetheError(.notFound, "user \(Quoted(name)) does not exist; see 'lethe user list'")
        }
        return user
    }

    private static func insertToken(
        user: String, secret: (secret: [UInt8], hash: [UInt8]), readOnly: Bool, expiresAt: Date?,
        in tx: any StoreWriting, by principal: Principal, at time: Date
    ) throws(LetheError) -> NewToken {
        let token = try tx.insert(
            StoredToken(user: user, secretHash: secret.hash, readOnly: readOnly, expiresAt: expiresAt, createdAt: time))
        var payload: [String: JSONValue] = [
            "token": .integer(token.id), "user": .string(user), "read_only": .bool(readOnly),
        ]
        if let expiresAt { payload["expires_at"] = .string(RFC3339.format(expiresAt)) }
        try tx.append(EventDraft(type: .tokenAdded, payload: .object(payload)), actor: principal.name, at: time)
        return NewToken(
            token: TokenView(token, at: time), secret: Credentials.tokenText(id: token.id, secret: secret.secret))
    }
}

extension LetheApp {
    /// Users, roles, passwords and API tokens; authentication for the service and the console.
    public var users: UserService { UserService(app: self) }
}
