import Foundation
import LetheCore
import LetheStore
import Testing

@testable import LetheServer

@Suite struct ConsoleDisposalChartTests {
    @Test func eachExecutionCountsInItsWeekAndOlderOnesAreLeftOut() throws {
        // Given Thursday 3 December 2026, and executions this week, three weeks ago and ten weeks ago
        let now = try RFC3339.parse("2026-12-03T12:00:00Z")
        let week: TimeInterval = 7 * 86_400
        let executions = [
            JobExecution(executedAt: now.addingTimeInterval(-10 * week), method: .purge),
            JobExecution(executedAt: now.addingTimeInterval(-3 * week), method: .destroy),
            JobExecution(executedAt: now.addingTimeInterval(-3_600), method: .clear),
            JobExecution(executedAt: now.addingTimeInterval(-7_200), method: .clear),
        ]
        // When the chart is drawn
        let values = ConsoleDisposalChart.values(executions: executions, now: now)
        // Then the oldest week drawn starts on a Monday eight weeks back, and only the three inside count
        #expect(RFC3339.format(ConsoleDisposalChart.firstWeekStart(now: now)) == "2026-10-12T00:00:00Z")
        #expect(values["total"] as? Int == 3)
        let table = try #require(values["table"] as? [[String: Any]])
        #expect(table.count == ConsoleDisposalChart.weeks)
        #expect(table.last?["counts"] as? [Int] == [2, 0, 0])
        #expect(table[table.count - 4]["counts"] as? [Int] == [0, 0, 1])
    }
}
