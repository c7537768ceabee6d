import LetheCore

extension Event {
    /// One line for people: what the event says, without its envelope.
    public var summary: String {
        func text(_ key: String) -> String? { payload[key]?.stringValue }
        switch type {
        case .assetRegistered:
            let asset = payload["asset"]
            let parts = ["media_type", "classification", "state", "location", "custodian"].compactMap {
                asset?[$0]?.stringValue
            }
            let via = text("source") == "csv-import" ? " (CSV import, line \(payload["line"]?.integerValue ?? 0))" : ""
            return "registered: " + parts.joined(separator: ", ") + via
        case .assetUpdated:
            let changes = payload["changes"]?.objectValue ?? [:]
            return "updated: "
                + changes.keys.sorted().map { key in
                    let from = changes[key]?["from"].map(Self.describe) ?? "-"
                    let to = changes[key]?["to"].map(Self.describe) ?? "-"
                    return "\(key) \(from) → \(to)"
                }.joined(separator: "; ")
        case .assetStateChanged:
            var line = "\(text("from") ?? "?") → \(text("to") ?? "?")"
            if let destination = text("destination") { line += " (destination: \(destination))" }
            if payload["found"] == .bool(true) {
                line += text("location").map { " (found at \($0))" } ?? " (found)"
            }
            if let parent = text("with_parent") { line += " (with parent \(parent))" }
            if let reason = text("reason") { line += " (reason: \(reason))" }
            return line
        case .custodyTransferred:
            var line = "custody \(text("from") ?? "-") → \(text("to") ?? "-")"
            if let to = text("location_to"), to != text("location_from") { line += " at \(to)" }
            if let seals = payload["seals"]?.arrayValue, !seals.isEmpty {
                line += "; seals " + seals.compactMap(\.stringValue).joined(separator: ", ")
            }
            if let manifest = text("manifest") { line += "; manifest \(manifest)" }
            if let at = text("at") { line += "; handed over \(at)" }
            return line
        case .importCompleted:
            return "registered by CSV import of \(text("file") ?? "?") (\(text("format") ?? "?") format, "
                + "\(payload["registered"]?.integerValue ?? 0) registered, sha256 \(text("sha256")?.prefix(16) ?? "")…)"
        case .jobScheduled, .jobReplanned, .jobApproved, .jobStarted, .jobExecuted, .jobVerified, .jobFailed,
            .jobCancelled, .jobInterrupted, .jobResumed:
            return jobSummary
        case .backupRegistered, .backupDestructionScheduled, .backupShredded:
            return backupSummary
        default:
            return (try? CanonicalJSON.string(payload)) ?? ""
        }
    }

    /// The line of a job event (`job.scheduled` carries the whole job; the others its number).
    private var jobSummary: String {
        func text(_ key: String) -> String? { payload[key]?.stringValue }
        let job = payload["job"]
        let number = (job?.integerValue ?? job?["id"]?.integerValue).map { "job \($0)" } ?? "job"
        switch type {
        case .jobScheduled:
            var line = "\(number) scheduled: \(job?["method"]?.stringValue ?? "?")"
            if let techniques = job?["techniques"]?.arrayValue, !techniques.isEmpty {
                line += " (" + techniques.compactMap(\.stringValue).joined(separator: ", ") + ")"
            }
            if let due = job?["due_at"]?.stringValue { line += ", due \(due)" }
            if let rule = text("rule") { line += ", rule \(rule)" }
            if let failed = payload["after_failed_job"]?.integerValue { line += ", after job \(failed) failed" }
            return line
        case .jobReplanned:
            let after = payload["after"]
            var line = "\(number) re-planned under policy \(text("to_version")?.prefix(12) ?? "?")"
            line += " (was \(text("from_version")?.prefix(12) ?? "?")): \(after?["method"]?.stringValue ?? "?")"
            if let due = after?["due_at"]?.stringValue { line += ", due \(due)" }
            return line
        case .jobApproved: return "\(number) approved (requested by \(text("requested_by") ?? "?"))"
        case .jobStarted: return "\(number) started"
        case .jobExecuted:
            var line = "\(number) executed: \(text("technique") ?? text("method") ?? "?")"
            if let tool = text("tool") { line += " with \(tool)" + (text("tool_version").map { " \($0)" } ?? "") }
            return line
        case .jobVerified, .jobFailed:
            let verdict = type == .jobVerified ? "verified" : "failed verification"
            return "\(number) \(verdict)" + (text("method").map { " (\($0))" } ?? "")
                + (text("summary").map { ": \($0)" } ?? "")
        case .jobCancelled: return "\(number) cancelled" + (text("reason").map { ": \($0)" } ?? "")
        case .jobInterrupted, .jobResumed:
            let verb = type == .jobInterrupted ? "interrupted" : "resumed"
            return
                "\(number) \(verb) at pass \(payload["pass"]?.integerValue ?? 0), offset \(payload["offset"]?.integerValue ?? 0)"
        default: return number
        }
    }

    /// The line of a backup event that names a medium.
    private var backupSummary: String {
        func text(_ key: String) -> String? { payload[key]?.stringValue }
        let backup = "backup \(payload["backup"]?.integerValue.map(String.init) ?? "?") (\(text("store") ?? "?"))"
        switch type {
        case .backupRegistered:
            return "\(backup) registered on this medium" + (text("expires_at").map { ", expires \($0)" } ?? "")
        case .backupDestructionScheduled:
            return "\(backup) expired: destruction scheduled" + (text("due_at").map { ", due \($0)" } ?? "")
        default:
            return "\(backup) destroyed" + (text("method").map { ": \($0)" } ?? "")
        }
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "-"
        case .string(let text): text
        case .integer(let number): String(number)
        default: (try? CanonicalJSON.string(value)) ?? ""
        }
    }
}
