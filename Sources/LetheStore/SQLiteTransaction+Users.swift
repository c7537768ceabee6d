import Foundation
import GRDB
import LetheCore

extension SQLiteTransaction {
    private static let userColumns = "name, roles, disabled, password_hash, created_at, updated_at"
    private static let tokenColumns = "id, user_name, secret_hash, read_only, expires_at, created_at, revoked_at"

    func user(name: String) throws(LetheError) -> StoredUser? {
        try guarded {
            // Cached: every API request that is not answered from the token cache runs this and the next.
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.userColumns) FROM app_user WHERE name = ?"), arguments: [name]
            )
            .map(Self.user(from:))
        }
    }

    func users() throws(LetheError) -> [StoredUser] {
        try guarded {
            try Row.fetchAll(db, sql: "SELECT \(Self.userColumns) FROM app_user ORDER BY name").map(Self.user(from:))
        }
    }

    func token(id: Int64) throws(LetheError) -> StoredToken? {
        try guarded {
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.tokenColumns) FROM api_token WHERE id = ?"), arguments: [id]
            )
            .map(Self.token(from:))
        }
    }

    func tokens(user: String?) throws(LetheError) -> [StoredToken] {
        try guarded {
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.tokenColumns) FROM api_token WHERE ?1 IS NULL OR user_name = ?1 ORDER BY id DESC",
                arguments: [user]
            ).map(Self.token(from:))
        }
    }

    func insert(_ user: StoredUser) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: "INSERT INTO app_user (\(Self.userColumns)) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    user.name, Self.encode(user.roles), user.disabled, user.passwordHash, formatted(user.createdAt),
                    formatted(user.updatedAt),
                ])
        }
    }

    func update(_ user: StoredUser) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: "UPDATE app_user SET roles = ?, disabled = ?, password_hash = ?, updated_at = ? WHERE name = ?",
                arguments: [
                    Self.encode(user.roles), user.disabled, user.passwordHash, formatted(user.updatedAt), user.name,
                ])
        }
        guard db.changesCount == 1 else { throw LetheError(.notFound, "user \(Quoted(user.name)) does not exist") }
    }

    func insert(_ token: StoredToken) throws(LetheError) -> StoredToken {
        try guarded {
            try db.execute(
                sql: """
                    INSERT INTO api_token (user_name, secret_hash, read_only, expires_at, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.user, Data(token.secretHash), token.readOnly, token.expiresAt.map(formatted),
                    formatted(token.createdAt),
                ])
        }
        var stored = token
        stored.id = db.lastInsertedRowID
        return stored
    }

    func revokeToken(id: Int64, at time: Date) throws(LetheError) {
        try guarded {
            try db.execute(
                sql: "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [formatted(time), id])
        }
    }

    private static func encode(_ roles: Set<Role>) -> String { roles.sorted().map(\.rawValue).joined(separator: ",") }

    private static func user(from row: Row) throws -> StoredUser {
        let roles: String = row[1]
        return StoredUser(
            name: row[0],
            roles: Set(
                try roles.split(separator: ",").map { (name) throws(LetheError) in try Role.parse(String(name)) }),
            disabled: row[2], passwordHash: row[3], createdAt: try RFC3339.parse(row[4]),
            updatedAt: try RFC3339.parse(row[5]))
    }

    private static func token(from row: Row) throws -> StoredToken {
        let hash: Data = row[2]
        let expires: String? = row[4]
        let revoked: String? = row[6]
        return StoredToken(
            id: row[0], user: row[1], secretHash: Array(hash), readOnly: row[3],
            expiresAt: try expires.map { (text) throws in try RFC3339.parse(text) },
            createdAt: try RFC3339.parse(row[5]),
            revokedAt: try revoked.map { (text) throws in try RFC3339.parse(text) })
    }
}
