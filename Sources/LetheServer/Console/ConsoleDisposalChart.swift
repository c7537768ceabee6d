import Foundation
import Lethe
import LetheCore
import LetheStore

/// The dashboard's chart: sanitizations done per week (jobs executed, by NIST method: clear, purge,
/// destroy) over the last ``weeks`` weeks, drawn as inline SVG bars (no script, no external file).
struct ConsoleDisposalChart {
    static let weeks = 8
    static let colors: [MethodCategory: String] = [.clear: "#1d4ed8", .purge: "#b45309", .destroy: "#7e22ce"]
    static let width = 480.0
    static let height = 160.0

    /// The weeks drawn (ISO weeks, UTC), oldest first: the last ``weeks`` up to the one holding `now`.
    static func weekStarts(now: Date) -> [Date] {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let thisWeek = calendar.dateInterval(of: .weekOfYear, for: now)?.start ?? now
        return (0..<weeks).reversed().map { calendar.date(byAdding: .weekOfYear, value: -$0, to: thisWeek)! }
    }

    /// The start of the oldest week drawn: the executions to read are those since then.
    static func firstWeekStart(now: Date) -> Date { weekStarts(now: now)[0] }

    /// The chart's bars, axis labels and legend as template values.
    static func values(executions: [JobExecution], now: Date) -> [String: Any] {
        let starts = weekStarts(now: now)
        var counts = Array(repeating: [MethodCategory: Int](), count: weeks)
        for execution in executions {
            guard let week = starts.lastIndex(where: { $0 <= execution.executedAt }) else { continue }
            counts[week][execution.method, default: 0] += 1
        }
        let methods = MethodCategory.allCases
        let highest = max(1, counts.flatMap(\.values).max() ?? 0)
        let slot = width / Double(weeks)
        let barWidth = (slot - 8) / Double(methods.count)
        var bars: [[String: Any]] = []
        var labels: [[String: Any]] = []
        let formatter = DateFormatter()
        formatter.dateFormat = "d MMM"
        formatter.timeZone = TimeZone(identifier: "UTC")!
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for (week, start) in starts.enumerated() {
            let label = formatter.string(from: start)
            labels.append(["x": Double(week) * slot + slot / 2, "y": height + 16, "text": label])
            for (index, method) in methods.enumerated() {
                let count = counts[week][method] ?? 0
                let barHeight = count == 0 ? 0 : max(2, Double(count) / Double(highest) * (height - 10))
                bars.append([
                    "x": Double(week) * slot + 4 + Double(index) * barWidth, "y": height - barHeight,
                    "width": barWidth - 1, "height": barHeight, "fill": colors[method] ?? "#000",
                    "title": "week of \(label): \(count) \(method.rawValue)",
                ])
            }
        }
        let total = counts.flatMap(\.values).reduce(0, +)
        return [
            "bars": bars, "labels": labels, "total": total, "highest": highest,
            "legend": methods.map { ["method": $0.rawValue, "fill": colors[$0] ?? "#000"] },
            "table": starts.enumerated().map { week, start -> [String: Any] in
                [
                    "week": formatter.string(from: start),
                    "counts": methods.map { counts[week][$0] ?? 0 },
                ]
            },
            "methods": methods.map(\.rawValue),
        ]
    }
}
