import Foundation
import LetheCore

/// A scheduled report as stored: what to produce (kind, period, format) and the last period
/// produced, so that a run knows what is due.
public struct StoredReportDefinition: Sendable, Hashable {
    /// The definition's number (0 before it is stored).
    public var id: Int64
    /// Its unique name (`monthly-disposal`).
    public var name: String
    /// The kind of report (`disposal`).
    public var kind: String
    /// The period each run covers (`previous-month`, `previous-quarter`, `previous-year`).
    public var period: String
    /// The rendering delivered (`json`, `csv`, `html`, `pdf`); the signed JSON is always stored.
    public var format: String
    /// The program's target for independent re-checks, in percent.
    public var programTargetPercent: Int64
    /// Who defined it.
    public var createdBy: String
    /// When it was defined.
    public var createdAt: Date
    /// The end (midnight UTC, excluded) of the last period produced, nil before the first run.
    public var lastPeriodEnd: Date?
    /// The serial of the last report produced.
    public var lastSerial: String?

    /// Creates a definition.
    public init(
        id: Int64 = 0, name: String, kind: String, period: String, format: String, programTargetPercent: Int64,
        createdBy: String, createdAt: Date, lastPeriodEnd: Date? = nil, lastSerial: String? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.period = period
        self.format = format
        self.programTargetPercent = programTargetPercent
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.lastPeriodEnd = lastPeriodEnd
        self.lastSerial = lastSerial
    }
}

/// Reading report definitions, and the bulk reads reports are computed from (``ReportScanReading``).
public protocol ReportStoreReading: ReportScanReading {
    /// Every report definition, by name.
    func reportDefinitions() throws(LetheError) -> [StoredReportDefinition]
    /// The definition with this name, or nil.
    func reportDefinition(name: String) throws(LetheError) -> StoredReportDefinition?
}

/// Writing report definitions.
public protocol ReportStoreWriting: ReportStoreReading {
    /// Stores a new definition and returns it with its number; a name that exists is a `conflict`.
    func insert(_ definition: StoredReportDefinition) throws(LetheError) -> StoredReportDefinition
    /// Records that definition `id` produced the report `serial` for the period ending at `periodEnd`.
    func recordReportRun(definition id: Int64, periodEnd: Date, serial: String) throws(LetheError)
}
