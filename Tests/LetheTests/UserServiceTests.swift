import Foundation
import Lethe
import LetheCore
import LetheTestSupport
import Testing

@Suite struct UserServiceTests {
    let installation: TestInstallation
    let admin: Principal

    init() throws {
        installation = try TestInstallation()
        admin = try Principal(name: "root-admin", roles: [.admin], authentication: .localOperator)
    }

    var users: UserService { installation.app.users }

    @Test func aNewUsersTokenAuthenticatesAsThatUserWithItsRoles() async throws {
        // Given a user added by an admin
        let added = try await users.add(name: "ivy", roles: [.itStaff], by: admin)
        #expect(added.token.secret.hasPrefix("lethe_\(added.token.token.id)_"))
        // When the token is presented
        let principal = try await users.authenticate(token: added.token.secret)
        // Then it stands for ivy, with her roles, authenticated by token
        #expect(principal.name == "ivy")
        #expect(principal.roles == [.itStaff])
        #expect(principal.authentication == .apiToken)
        #expect(!principal.readOnly)
        #expect(Authorization.allows(principal, .registerAsset))
        #expect(!Authorization.allows(principal, .manageUsers))
    }

    @Test func aWrongRevokedExpiredOrDisabledTokenIsRefusedAlike() async throws {
        let added = try await users.add(name: "ivy", roles: [.itStaff], by: admin)
        let secret = added.token.secret
        // Any other last character (including those that differ only in base64url's unused bits),
        // another number, garbage: all unauthenticated.
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        let tampered = alphabet.filter { $0 != secret.last }.map { String(secret.dropLast()) + String($0) }
        #expect(tampered.count == 63)
        for text in tampered + [secret.replacingOccurrences(of: "lethe_1_", with: "lethe_2_"), "Bearer x", ""] {
            await #expect(throws: LetheError.self) { _ = try await users.authenticate(token: text) }
        }
        // An expiring token works until its expiry.
        let short = try await users.addToken(
            user: "ivy", expiresIn: ISODuration.parse("PT1H"), readOnly: false, by: admin)
        _ = try await users.authenticate(token: short.secret)
        installation.clock.advance(3_601)
        await #expect(throws: LetheError.self) { _ = try await users.authenticate(token: short.secret) }
        // A revoked token stops at once; so do all of a disabled user's.
        _ = try await users.revokeToken(id: added.token.token.id, by: admin)
        await #expect(throws: LetheError.self) { _ = try await users.authenticate(token: secret) }
        let other = try await users.addToken(user: "ivy", expiresIn: nil, readOnly: false, by: admin)
        _ = try await users.disable(name: "ivy", by: admin)
        do {
            _ = try await users.authenticate(token: other.secret)
            Issue.record("a disabled user's token authenticated")
        } catch {
            #expect(error.code == .unauthenticated)
        }
        let listed = try await users.listTokens(user: "ivy", by: admin)
        #expect(listed.map(\.state) == [.valid, .expired, .revoked])
    }

    @Test func theLastEnabledAdminCannotBeDisabled() async throws {
        // Given one admin user and an IT staff member
        _ = try await users.add(name: "ada", roles: [.admin], by: admin)
        _ = try await users.add(name: "ivy", roles: [.itStaff], by: admin)
        let events = try await installation.app.store.read { (tx) throws(LetheError) in try tx.eventCount() }
        // When the only admin is disabled
        do {
            _ = try await users.disable(name: "ada", by: admin)
            Issue.record("the last admin was disabled")
        } catch {
            // Then it is a conflict that says what to do, and nothing changed
            #expect(error.code == .conflict)
            #expect(error.message.contains("last enabled admin"))
        }
        #expect(try await users.list(by: admin).allSatisfy { !$0.disabled })
        #expect(try await installation.app.store.read { (tx) throws(LetheError) in try tx.eventCount() } == events)
        // With a second admin, either may be disabled, and then the other is the last
        _ = try await users.add(name: "bob", roles: [.admin, .auditor], by: admin)
        _ = try await users.disable(name: "ada", by: admin)
        await #expect(throws: LetheError.self) { _ = try await users.disable(name: "bob", by: admin) }
        // A user without the admin role is disabled as before
        _ = try await users.disable(name: "ivy", by: admin)
    }

    @Test func noPersonMayTakeTheSchedulersName() async throws {
        for name in ["scheduler", "Scheduler"] {
            await #expect(throws: LetheError.self) { _ = try await users.add(name: name, roles: [.auditor], by: admin) }
        }
        #expect(try await users.list(by: admin).isEmpty)
    }

    @Test func aReadOnlyTokenOnlyReads() async throws {
        _ = try await users.add(name: "carol", roles: [.verifier, .compliance], by: admin)
        let token = try await users.addToken(user: "carol", expiresIn: nil, readOnly: true, by: admin)
        let principal = try await users.authenticate(token: token.secret)
        #expect(principal.readOnly)
        #expect(Authorization.allows(principal, .readRecords))
        #expect(!Authorization.allows(principal, .issueRecord))
        #expect(throws: LetheError.self) { try Authorization.check(principal, .requestErasure) }
    }

    @Test func aPasswordIsCheckedAgainstItsScryptHashAndNeverStored() async throws {
        _ = try await users.add(name: "ivy", roles: [.itStaff], by: admin)
        let password = "correct horse battery staple"
        await #expect(throws: LetheError.self) {
            _ = try await users.setPassword(name: "ivy", password: "too short", by: admin)
        }
        let view = try await users.setPassword(name: "ivy", password: password, by: admin)
        #expect(view.hasPassword)
        let principal = try await users.authenticate(name: "ivy", password: password)
        #expect(principal.name == "ivy" && principal.authentication == .consoleSession)
        for (name, guess) in [("ivy", password + "!"), ("ivo", password), ("ivy", "")] {
            await #expect(throws: LetheError.self) { _ = try await users.authenticate(name: name, password: guess) }
        }
        // Neither the password nor any token secret is anywhere in the database file or its log.
        let newToken = try await users.addToken(user: "ivy", expiresIn: nil, readOnly: false, by: admin)
        let database = try tool(["sqlite3", installation.dataDirectory.databasePath, ".dump"]).stdout
        #expect(!database.contains(password))
        // The secret is everything after `lethe_<id>_`; base64url may itself contain "_", so it is not
        // the last "_"-separated piece (which could be one character, found anywhere by chance).
        let secret = newToken.secret.split(separator: "_", maxSplits: 2)[2]
        #expect(secret.count == 43)
        #expect(!database.contains(secret))
        #expect(database.contains("scrypt$32768$8$1$"))
    }

    @Test func onlyAnAdminManagesUsersAndARefusalChangesNothing() async throws {
        let clerk = try Principal(name: "ivy", roles: [.itStaff, .compliance], authentication: .apiToken)
        do {
            _ = try await users.add(name: "mallory", roles: [.admin], by: clerk)
            Issue.record("an it-staff and compliance user added an admin")
        } catch {
            #expect(error.code == .forbidden)
        }
        #expect(try await users.hasUsers() == false)
        await #expect(throws: LetheError.self) { _ = try await users.add(name: "bot", roles: [.scheduler], by: admin) }
        await #expect(throws: LetheError.self) { _ = try await users.add(name: "nobody", roles: [], by: admin) }
        _ = try await users.add(name: "ivy", roles: [.itStaff], by: admin)
        await #expect(throws: LetheError.self) { _ = try await users.add(name: "ivy", roles: [.auditor], by: admin) }
        // Only the successful change left an event, naming the user and its roles.
        let events = try await installation.app.store.read { (tx) throws(LetheError) in
            try tx.events(fromSeq: 1, limit: 100)
        }
        #expect(events.map(\.type) == [.userAdded, .tokenAdded])
        #expect(events.first?.payload["user"] == "ivy")
        #expect(events.first?.actor == "root-admin")
    }

    @Test func aUserAddedWithAPasswordSignsInAndABadPasswordAddsNobody() async throws {
        // Given an admin adding a user with a password too short
        do {
            _ = try await users.add(name: "ivy", roles: [.itStaff], password: "too short", by: admin)
            Issue.record("a user was added with a 9-character password")
        } catch {
            // Then nothing is written: no user, no event
            #expect(error.code == .invalidInput)
        }
        #expect(try await users.hasUsers() == false)
        #expect(try await installation.app.store.read { (tx) throws(LetheError) in try tx.eventCount() } == 0)
        // When the password is good, the user is added with it, in one change
        let password = "correct horse battery staple"
        let added = try await users.add(name: "ivy", roles: [.itStaff], password: password, by: admin)
        #expect(added.user.hasPassword)
        let principal = try await users.authenticate(name: "ivy", password: password)
        #expect(principal.name == "ivy" && principal.authentication == .consoleSession)
        let events = try await installation.app.store.read { (tx) throws(LetheError) in
            try tx.events(fromSeq: 1, limit: 100)
        }
        #expect(events.map(\.type) == [.userAdded, .userPasswordSet, .tokenAdded])
        #expect(events.allSatisfy { !"\($0.payload)".contains(password) })
    }
}
