import Foundation
import LetheCore
import LetheStore

extension EventType {
    /// A scheduled report was defined (name, kind, period, format).
    public static let reportDefined: EventType = "report.defined"
    /// A scheduled report's run produced the report of a period (definition, period, serial).
    public static let reportProduced: EventType = "report.produced"
}

/// The period a scheduled report covers: the last complete calendar month, quarter or year (UTC).
public enum ReportSchedulePeriod: String, Sendable, Hashable, Codable, CaseIterable {
    /// The calendar month before the run's.
    case previousMonth = "previous-month"
    /// The calendar quarter before the run's.
    case previousQuarter = "previous-quarter"
    /// The calendar year before the run's.
    case previousYear = "previous-year"

    /// Parses a period's name, naming the choices when it is not one.
    public init(parsing text: String) throws(LetheError) {
        guard let period = Self(rawValue: text.trimmed.lowercased()) else {
            throw LetheError(
                .usage,
                "report period '\(text)' is not one of: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = period
    }

    /// The last complete period before `time`.
    public func period(before time: Date) -> ReportPeriod {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let now = calendar.dateComponents([.year, .month], from: time)
        let (year, month) = (now.year!, now.month!)
        let startOfCurrent: DateComponents
        let months: Int
        switch self {
        case .previousMonth:
            startOfCurrent = DateComponents(year: year, month: month, day: 1)
            months = 1
        case .previousQuarter:
            startOfCurrent = DateComponents(year: year, month: (month - 1) / 3 * 3 + 1, day: 1)
            months = 3
        case .previousYear:
            startOfCurrent = DateComponents(year: year, month: 1, day: 1)
            months = 12
        }
        let end = calendar.date(from: startOfCurrent)!
        let start = calendar.date(byAdding: .month, value: -months, to: end)!
        let last = end.addingTimeInterval(-86_400)
        // Both days are well-formed by construction.
        return try! ReportPeriod(from: RFC3339.formatDay(start), to: RFC3339.formatDay(last))
    }
}

/// A scheduled report: its definition and what it last produced.
public struct ReportDefinition: Codable, Sendable, Hashable {
    /// The unique name.
    public var name: String
    /// The kind of report.
    public var kind: ReportKind
    /// The period each run covers.
    public var period: ReportSchedulePeriod
    /// The rendering to deliver (`json`, `csv`, `html`, `pdf`).
    public var format: String
    /// The program's target for independent re-checks, in percent.
    public var programTargetPercent: Int64
    /// Who defined it.
    public var createdBy: String
    /// When (RFC 3339).
    public var createdAt: String
    /// The last day of the last period produced.
    public var lastPeriodTo: String?
    /// The serial of the last report produced.
    public var lastSerial: String?

    enum CodingKeys: String, CodingKey {
        case name, kind, period, format
        case programTargetPercent = "program_target_percent"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case lastPeriodTo = "last_period_to"
        case lastSerial = "last_serial"
    }

    init(_ stored: StoredReportDefinition) throws(LetheError) {
        name = stored.name
        guard let kind = ReportKind(rawValue: stored.kind) else {
            throw LetheError(.internal, "report definition \(stored.name) has an unknown kind \(stored.kind)")
        }
        self.kind = kind
        period = try ReportSchedulePeriod(parsing: stored.period)
        format = stored.format
        programTargetPercent = stored.programTargetPercent
        createdBy = stored.createdBy
        createdAt = RFC3339.format(stored.createdAt)
        lastPeriodTo = stored.lastPeriodEnd.map { RFC3339.formatDay($0.addingTimeInterval(-86_400)) }
        lastSerial = stored.lastSerial
    }
}

/// A report a scheduled run produced: for the service to store and announce (a webhook).
public struct ScheduledReport: Encodable, Sendable, Hashable {
    /// The definition's name.
    public var definition: String
    /// The rendering its definition asks for.
    public var format: String
    /// The period it covers.
    public var period: ReportPeriod
    /// The signed report.
    public var report: IssuedReport
}

extension ReportService {
    /// The report formats a definition may name.
    public static let formats = ["json", "csv", "html", "pdf"]

    /// Defines a scheduled report; a `report.defined` event records it.
    @discardableResult
    public func define(
        name: String, kind: ReportKind = .disposal, period: ReportSchedulePeriod, format: String,
        programTargetPercent: Int64 = ReportParameters.defaultProgramTargetPercent, by principal: Principal
    ) async throws(LetheError) -> ReportDefinition {
        try app.authorize(.generateReport, principal)
        let name = name.trimmed
        guard !name.isEmpty, name.count <= 100,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw LetheError(.usage, "a report definition's name is 1 to 100 letters, digits, '-', '_' or '.'")
        }
        guard Self.formats.contains(format) else {
            throw LetheError(.usage, "report format '\(format)' is not one of: \(Self.formats.joined(separator: ", "))")
        }
        guard (0...100).contains(programTargetPercent) else {
            throw LetheError(.usage, "--program-target \(programTargetPercent) must be a percentage from 0 to 100")
        }
        let actor = principal.name
        let time = app.now
        let stored = try await app.store.write { (tx) throws(LetheError) in
            let stored = try tx.insert(
                StoredReportDefinition(
                    name: name, kind: kind.rawValue, period: period.rawValue, format: format,
                    programTargetPercent: programTargetPercent, createdBy: actor, createdAt: time))
            try tx.append(
                EventDraft(
                    type: .reportDefined,
                    payload: [
                        "definition": .string(name), "kind": .string(kind.rawValue), "period": .string(period.rawValue),
                        "format": .string(format), "program_target_percent": .integer(programTargetPercent),
                    ]), actor: actor, at: time)
            return stored
        }
        return try ReportDefinition(stored)
    }

    /// Every report definition, by name.
    public func definitions(by principal: Principal) async throws(LetheError) -> [ReportDefinition] {
        try app.authorize(.readReports, principal)
        return try await app.store.read { (tx) throws(LetheError) in
            try tx.reportDefinitions().map { (stored) throws(LetheError) in try ReportDefinition(stored) }
        }
    }

    /// The scheduler's one entry point: produces every report whose period has ended at `time`
    /// and was not produced yet — each signed, logged and recorded against its definition (with a
    /// `report.produced` event) in one transaction — and returns them for delivery.
    ///
    /// Only the latest complete period is produced: a run after a long pause does not backfill
    /// the periods it missed (`lethe report disposal` makes those by hand).
    public func runDue(at time: Date, by principal: Principal) async throws(LetheError) -> [ScheduledReport] {
        try app.authorize(.generateReport, principal)
        let definitions = try await app.store.read { (tx) throws(LetheError) in try tx.reportDefinitions() }
        let due = definitions.filter { definition in
            guard let period = try? ReportSchedulePeriod(parsing: definition.period) else { return false }
            let end = period.period(before: time).end
            return definition.lastPeriodEnd.map { $0 < end } ?? true
        }
        guard !due.isEmpty else { return [] }
        let issuer = try await app.evidence.recordIssuer()
        let actor = principal.name
        let issuedAt = app.now
        var produced: [ScheduledReport] = []
        for definition in due {
            let schedule = try ReportSchedulePeriod(parsing: definition.period)
            guard let kind = ReportKind(rawValue: definition.kind) else { continue }
            let period = schedule.period(before: time)
            let parameters = ReportParameters(
                kind: kind, period: period, programTargetPercent: definition.programTargetPercent)
            let (computed, draft) = try await computeDraft(parameters)
            let issued = try await app.store.write {
                (tx) throws(LetheError) -> (record: StoredRecord, sha256: String)? in
                // Another run may have produced it meanwhile: then nothing is written.
                guard let current = try tx.reportDefinition(name: definition.name),
                    current.lastPeriodEnd.map({ $0 < period.end }) ?? true
                else { return nil }
                let issued = try Self.issue(draft, issuer: issuer, in: tx, actor: actor, at: issuedAt)
                let record = issued.record
                try tx.recordReportRun(definition: current.id, periodEnd: period.end, serial: record.serial)
                try tx.append(
                    EventDraft(
                        type: .reportProduced,
                        payload: [
                            "definition": .string(definition.name), "serial": .string(record.serial),
                            "from": .string(period.from), "to": .string(period.to),
                        ]), actor: actor, at: issuedAt)
                return issued
            }
            guard let issued else { continue }
            produced.append(
                ScheduledReport(
                    definition: definition.name, format: definition.format, period: period,
                    report: try IssuedReport(
                        record: issued.record, computed: computed, recordSHA256: issued.sha256)))
        }
        return produced
    }
}
