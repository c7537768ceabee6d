import Foundation
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

/// Report definitions, on every backend of ``StorageConformanceTests/backends``.
@Suite struct ReportDefinitionStoreTests {
    static func definition(_ name: String) -> StoredReportDefinition {
        StoredReportDefinition(
            name: name, kind: "disposal", period: "previous-month", format: "pdf", programTargetPercent: 5,
            createdBy: "carol", createdAt: StorageConformanceTests.time)
    }

    @Test(arguments: StorageConformanceTests.backends)
    func definitionsAreStoredByUniqueNameAndARunNeedsAStoredReport(
        _ backend: StorageConformanceTests.Backend
    ) async throws {
        let store = try backend.make(TemporaryDirectory())
        // Given a stored definition
        let stored = try await store.write { (tx) throws(LetheError) in try tx.insert(Self.definition("monthly")) }
        #expect(stored.id > 0)

        // When another takes its name, it is a conflict
        await #expect(throws: LetheError.self) {
            try await store.write { (tx) throws(LetheError) in _ = try tx.insert(Self.definition("monthly")) }
        }
        // and a run naming a report that was never stored is refused (the database checks it)
        await #expect(throws: LetheError.self) {
            try await store.write { (tx) throws(LetheError) in
                try tx.recordReportRun(
                    definition: stored.id, periodEnd: StorageConformanceTests.time, serial: "NOPE-2026-000001")
            }
        }
        // and a run of a definition that does not exist is not found
        await #expect(throws: LetheError.self) {
            try await store.write { (tx) throws(LetheError) in
                try tx.recordReportRun(definition: 99, periodEnd: StorageConformanceTests.time, serial: "X")
            }
        }

        // Then the one definition reads back as it was written, never run
        let read = try await store.read { (tx) throws(LetheError) in
            (try tx.reportDefinitions(), try tx.reportDefinition(name: "monthly"), try tx.reportDefinition(name: "x"))
        }
        #expect(read.0 == [stored])
        #expect(read.1 == stored && read.1?.lastPeriodEnd == nil && read.2 == nil)
    }
}
