import LetheCore

/// The series a disposal report's charts draw, read from its signed content: the HTML and the
/// PDF renderings draw the same numbers.
public struct ReportFigures: Sendable, Hashable {
    /// One bar group: a label and a count per series.
    public struct Bar: Sendable, Hashable {
        /// The bar's label (`2026-07`, `verified`, `0-30`).
        public var label: String
        /// Counts by series name, in ``ReportFigures/methods`` order for stacked bars.
        public var values: [Int64]
    }

    /// The methods stacked in the monthly chart.
    public static let methods = ["clear", "purge", "destroy", "none"]

    /// Disposals per month (by the date work was verified, executed or the asset disposed), by method.
    public var perMonth: [Bar]
    /// The outcome mix: assets per outcome.
    public var outcomes: [Bar]
    /// Open work at the period's end by age since retirement (days).
    public var openAges: [Bar]
    /// Erasure requests completed in the period by days from receipt to completion.
    public var erasureDays: [Bar]

    /// Reads the figures from a report's content.
    public init(content: JSONValue) {
        self.init(content: content, assets: content["assets"]?.arrayValue ?? [])
    }

    /// Reads the figures from a report's content whose asset rows are read apart from it (the
    /// PDF reads a year's rows one at a time, not as one tree).
    public init<Asset: JSONFieldReading>(content: JSONValue, assets: [Asset]) {
        var tally = Tally()
        for asset in assets { tally.add(asset) }
        self.init(content: content, tally: tally)
    }

    /// The counts the charts take from a report's asset rows, added a row at a time.
    public struct Tally: Sendable {
        var months: [String: [Int64]] = [:]
        var outcomes: [String: Int64] = [:]

        /// No rows yet.
        public init() {}

        /// Adds one asset row.
        public mutating func add<Asset: JSONFieldReading>(_ asset: Asset) {
            let date =
                asset["verified_at"]?.stringValue ?? asset["executed_at"]?.stringValue
                ?? asset["disposed_at"]?.stringValue ?? ""
            let month = String(date.prefix(7))
            let method = asset["method"]?.stringValue ?? "none"
            let index = ReportFigures.methods.firstIndex(of: method) ?? ReportFigures.methods.count - 1
            months[month, default: [Int64](repeating: 0, count: ReportFigures.methods.count)][index] += 1
            outcomes[asset["outcome"]?.stringValue ?? "unknown", default: 0] += 1
        }
    }

    /// Reads the figures from a report's content and the tally of its asset rows.
    public init(content: JSONValue, tally: Tally) {
        let (months, outcomes) = (tally.months, tally.outcomes)
        perMonth = months.keys.sorted().map { Bar(label: $0, values: months[$0]!) }
        self.outcomes = outcomes.keys.sorted().map { Bar(label: $0, values: [outcomes[$0]!]) }
        openAges = (content["open_work"]?["by_age_days"]?.arrayValue ?? []).map {
            Bar(label: $0["age"]?.stringValue ?? "", values: [$0["count"]?.integerValue ?? 0])
        }
        erasureDays = (content["erasure"]?["days_to_close"]?.arrayValue ?? []).map {
            Bar(label: $0["days"]?.stringValue ?? "", values: [$0["count"]?.integerValue ?? 0])
        }
    }
}
