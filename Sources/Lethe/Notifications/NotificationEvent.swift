import Crypto
import Foundation
import LetheCore

/// What a webhook can be told about.
public enum NotificationEvent: String, Sendable, Hashable, Codable, CaseIterable {
    /// An open disposal job is past its due date (once per job).
    case jobOverdue = "job.overdue"
    /// A verification found a sanitization bad (once per job).
    case verificationFailed = "verification.failed"
    /// An open erasure request is due within ``NotificationService/erasureWarning`` (once per request).
    case erasureDueSoon = "erasure.due-soon"
    /// An open erasure request is past its due date (once per request).
    case erasureOverdue = "erasure.overdue"
    /// A report is ready to download.
    case reportReady = "report.ready"

    /// Parses an event name, naming the valid ones when it is none.
    public static func parse(_ text: String) throws(LetheError) -> NotificationEvent {
        guard let event = NotificationEvent(rawValue: text.trimmed) else {
            throw LetheError(
                .usage,
                "\(Quoted(text)) is not a webhook event; use \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return event
    }
}

/// How a delivery is signed, and how a receiver checks it: HMAC-SHA-256 keyed with the webhook's
/// secret (its UTF-8 bytes) over `TIMESTAMP.BODY`, where TIMESTAMP is the `Lethe-Timestamp`
/// header (Unix seconds) and BODY the raw request body; `Lethe-Signature` is `sha256=` and the
/// lowercase hex of the MAC. A receiver recomputes it, compares in constant time, and refuses a
/// timestamp more than ``tolerance`` away from its clock and a `Lethe-Delivery` it has seen
/// (replays).
public enum WebhookSignature {
    /// The header with the signature.
    public static let signatureHeader = "Lethe-Signature"
    /// The header with the timestamp.
    public static let timestampHeader = "Lethe-Timestamp"
    /// The header with the event type.
    public static let eventHeader = "Lethe-Event"
    /// The header with the delivery's number, the same on every attempt.
    public static let deliveryHeader = "Lethe-Delivery"
    /// How far a receiver should accept a timestamp from its own clock: five minutes.
    public static let tolerance: TimeInterval = 300

    /// `sha256=` and the hex HMAC-SHA-256 of `timestamp.body` under `secret`.
    public static func sign(secret: [UInt8], timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "sha256=" + Hex.encode(Array(mac))
    }

    /// Whether a delivery is genuine and fresh: the signature matches (compared in constant time)
    /// and the timestamp is within ``tolerance`` of `now`. A receiver also refuses delivery
    /// numbers it has seen.
    public static func verify(
        secret: [UInt8], timestamp: String, signature: String, body: [UInt8], now: Date = Date()
    ) -> Bool {
        guard let seconds = Int64(timestamp), abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else {
            return false
        }
        let expected = Array(sign(secret: secret, timestamp: seconds, body: body).utf8)
        return Credentials.constantTimeEqual(expected, Array(signature.utf8))
    }
}
