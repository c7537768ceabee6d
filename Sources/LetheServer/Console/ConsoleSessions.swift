import Crypto
import Foundation
import LetheCore

/// The console's signed-in sessions, held in memory: a session id is 256 random bits handed to the
/// browser once, in a cookie; only its SHA-256 is kept here, so a memory dump does not hand out
/// sessions. A session ends on sign-out, after ``idleTimeout`` without a request, or
/// ``absoluteTimeout`` after sign-in, whichever comes first. A restart signs everyone out.
actor ConsoleSessions {
    /// One signed-in user.
    struct Session: Sendable {
        /// Who signed in, with their roles as they were then.
        var principal: Principal
        /// The token every form of this session carries (compared in constant time).
        var csrfToken: String
        /// When the user signed in.
        var createdAt: Date
        /// The last request.
        var lastSeen: Date
    }

    /// How long a session lives without a request.
    let idleTimeout: TimeInterval
    /// How long a session lives at most.
    let absoluteTimeout: TimeInterval
    private let clock: @Sendable () -> Date
    private var sessions: [Data: Session] = [:]

    init(
        idleTimeout: TimeInterval = 30 * 60, absoluteTimeout: TimeInterval = 12 * 60 * 60,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.clock = clock
    }

    /// Starts a session; returns the id for the cookie (never stored) and the session.
    func start(_ principal: Principal) -> (id: String, session: Session) {
        let now = clock()
        expire(now)
        let id = Self.randomToken()
        let session = Session(principal: principal, csrfToken: Self.randomToken(), createdAt: now, lastSeen: now)
        sessions[Self.hash(id)] = session
        return (id, session)
    }

    /// The live session of a cookie's id, touched; nil when unknown or expired (then forgotten).
    func session(_ id: String) -> Session? {
        let now = clock()
        let key = Self.hash(id)
        guard var session = sessions[key] else { return nil }
        guard isLive(session, now) else {
            sessions[key] = nil
            return nil
        }
        session.lastSeen = now
        sessions[key] = session
        return session
    }

    /// Ends a session (sign-out).
    func end(_ id: String) { sessions[Self.hash(id)] = nil }

    /// Ends every session of a user (disabled, or whose password was changed from the console).
    func end(user name: String) { sessions = sessions.filter { $0.value.principal.name != name } }

    /// How many sessions are held (expired ones included until swept).
    var count: Int { sessions.count }

    private func isLive(_ session: Session, _ now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeen) < idleTimeout
            && now.timeIntervalSince(session.createdAt) < absoluteTimeout
    }

    private func expire(_ now: Date) {
        sessions = sessions.filter { isLive($0.value, now) }
    }

    /// 256 random bits, base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ id: String) -> Data { Data(SHA256.hash(data: Data(id.utf8))) }

    /// Whether two secrets are equal, in time that depends only on their lengths.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

/// Slows down guessing of console passwords: after a few failed sign-ins from one address, or for
/// one user name, further attempts are refused for a time that doubles with each failure (capped).
actor SignInBackoff {
    private let freeAttempts: Int
    private let maxDelay: TimeInterval
    private let clock: @Sendable () -> Date
    private var failures: [String: (count: Int, last: Date)] = [:]

    init(freeAttempts: Int = 5, maxDelay: TimeInterval = 15 * 60, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.freeAttempts = freeAttempts
        self.maxDelay = maxDelay
        self.clock = clock
    }

    /// Seconds to wait before another attempt for any of `keys`, or nil when one may try now.
    func wait(_ keys: [String]) -> Int? {
        let now = clock()
        let waits = keys.compactMap { key -> TimeInterval? in
            guard let entry = failures[key], entry.count >= freeAttempts else { return nil }
            let delay = min(maxDelay, pow(2, Double(entry.count - freeAttempts)))
            let left = delay - now.timeIntervalSince(entry.last)
            return left > 0 ? left : nil
        }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    /// Records a failed attempt against each key.
    func fail(_ keys: [String]) {
        let now = clock()
        for key in keys { failures[key] = (failures[key].map { $0.count + 1 } ?? 1, now) }
        if failures.count > 10_000 {
            failures = failures.filter { now.timeIntervalSince($0.value.last) < maxDelay }
        }
    }

    /// Forgets the failures of a user who signed in.
    func succeed(_ keys: [String]) { for key in keys { failures[key] = nil } }
}
