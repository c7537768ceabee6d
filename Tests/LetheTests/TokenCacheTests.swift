import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

/// API tokens verified recently are answered from memory; every user or token change made through
/// the application empties that memory, and another process's change is seen within a second.
@Suite struct TokenCacheTests {
    let installation: TestInstallation
    let admin: Principal

    init() throws {
        installation = try TestInstallation()
        admin = try Principal(name: "root-admin", roles: [.admin], authentication: .localOperator)
    }

    var users: UserService { installation.app.users }

    @Test func aRevokedTokenIsRefusedOnTheNextRequestEvenAfterItWasVerified() async throws {
        // Given a token that has just authenticated (so it is remembered)
        let added = try await users.add(name: "ivy", roles: [.itStaff], by: admin)
        _ = try await users.authenticate(token: added.token.secret)
        #expect(installation.app.tokenCache.entry(id: added.token.token.id) != nil)
        // When an admin revokes it
        _ = try await users.revokeToken(id: added.token.token.id, by: admin)
        // Then the very next request with it is refused
        await #expect(throws: LetheError.self) { _ = try await users.authenticate(token: added.token.secret) }
    }

    @Test func aDisabledUsersRememberedTokenIsRefusedAtOnce() async throws {
        let added = try await users.add(name: "ivy", roles: [.itStaff], by: admin)
        _ = try await users.authenticate(token: added.token.secret)
        _ = try await users.disable(name: "ivy", by: admin)
        await #expect(throws: LetheError.self) { _ = try await users.authenticate(token: added.token.secret) }
    }

    @Test func aRememberedTokenStillNeedsItsSecretAndHonoursItsExpiry() async throws {
        // Given an expiring token that has authenticated
        let added = try await users.add(name: "ivy", roles: [.itStaff], by: admin)
        let short = try await users.addToken(
            user: "ivy", expiresIn: ISODuration.parse("PT1H"), readOnly: true, by: admin)
        let principal = try await users.authenticate(token: short.secret)
        #expect(principal.readOnly)
        // Then another secret under the same number is refused, from memory as from the store
        let forged = Credentials.tokenText(id: short.token.id, secret: Credentials.newSecret().secret)
        await #expect(throws: LetheError.self) { _ = try await users.authenticate(token: forged) }
        // And the remembered token stops at its expiry
        installation.clock.advance(3_601)
        await #expect(throws: LetheError.self) { _ = try await users.authenticate(token: short.secret) }
        #expect(try await users.authenticate(token: added.token.secret).name == "ivy")
    }

    @Test func anEntryIsTrustedForOneSecondOnly() {
        // Given an entry verified now
        let cache = TokenCache()
        let now = ContinuousClock.now
        let principal = try! Principal(name: "ivy", roles: [.itStaff], authentication: .apiToken)
        let entry = TokenCache.Entry(secretHash: [1, 2, 3], principal: principal, expiresAt: nil, verifiedAt: now)
        cache.store(id: 7, entry, generation: cache.currentGeneration())
        // Then it is answered just before the lifetime ends, and read again from the store after it
        #expect(cache.entry(id: 7, now: now + .milliseconds(999)) != nil)
        #expect(cache.entry(id: 7, now: now + TokenCache.lifetime) == nil)
        #expect(cache.entry(id: 7, now: now) == nil)
    }

    @Test func whatWasReadBeforeAChangeIsNotRemembered() {
        // Given a look-up that began before a user or token change
        let cache = TokenCache()
        let before = cache.currentGeneration()
        cache.removeAll()
        // When its result arrives after the change
        let principal = try! Principal(name: "ivy", roles: [.itStaff], authentication: .apiToken)
        cache.store(
            id: 7, .init(secretHash: [1], principal: principal, expiresAt: nil, verifiedAt: .now), generation: before)
        // Then it is not kept
        #expect(cache.entry(id: 7) == nil)
    }

    @Test func base64URLRoundTripsEveryLengthAndRefusesOtherSpellings() {
        // Given byte strings of every length up to 40
        var generator = SystemRandomNumberGenerator()
        for length in 0...40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64URL.encode(bytes)
            // Then the text is Foundation's base64 in the URL alphabet without padding
            let foundation = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(text == foundation)
            #expect(Base64URL.decode(text) == bytes)
        }
        // And padding, the standard alphabet, a lone trailing character and non-zero unused bits are refused
        for text in ["QQ==", "a+b/", "QUJD" + "Q", "QR", "QUJ"] {
            #expect(Base64URL.decode(text) == nil, "\(text)")
        }
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QUI") == [0x41, 0x42])
    }
}
