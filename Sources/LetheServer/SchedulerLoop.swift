import Foundation
import Lethe
import LetheCore
import Logging
import ServiceLifecycle

/// The scheduler inside `lethe serve`: a service beside the HTTP server that runs
/// ``SchedulerService/run(policies:by:)`` as the ``Principal/scheduler`` principal at start and
/// then once per interval, one run at a time. Graceful shutdown (SIGTERM, SIGINT) lets a run in
/// progress end and record itself, then stops the loop.
public struct SchedulerLoop: Service {
    let app: LetheApp
    let interval: Duration
    let policies: @Sendable () throws(LetheError) -> LoadedPolicies
    let logger: Logger

    /// Creates the loop.
    ///
    /// - Parameters:
    ///   - interval: the time between the end of one run and the start of the next.
    ///   - policies: loads the policies for each run, so that a changed policy directory counts
    ///     from the next run on.
    public init(
        app: LetheApp, interval: Duration, logger: Logger,
        policies: @escaping @Sendable () throws(LetheError) -> LoadedPolicies
    ) {
        self.app = app
        self.interval = interval
        self.policies = policies
        self.logger = logger
    }

    /// Runs until graceful shutdown.
    public func run() async throws {
        logger.info("scheduler started", metadata: ["scheduler.interval": "\(interval)"])
        while !Task.isShuttingDownGracefully {
            await runOnce()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
        }
        logger.info("scheduler stopped")
    }

    /// One run, logged, then the report ledger cache brought up to date if enough was logged since
    /// (``ReportService/refreshLedgerCache()``); never throws (a failed run is recorded and
    /// the loop goes on).
    @discardableResult
    func runOnce() async -> SchedulerRun? {
        let run = await scheduledRun()
        do {
            if let size = try await app.reports.refreshLedgerCache() {
                logger.info("report ledger cache updated", metadata: ["log.size": "\(size)"])
            }
        } catch {
            logger.warning("report ledger cache not updated", metadata: ["error.code": "\(error.code.rawValue)"])
        }
        return run
    }

    private func scheduledRun() async -> SchedulerRun? {
        do {
            let run = try await app.scheduler.run(policies: try policies(), by: .scheduler)
            var metadata: Logger.Metadata = [
                "scheduler.run": "\(run.id)", "scheduler.outcome": "\(run.outcome.rawValue)",
            ]
            for (name, count) in run.counts where count > 0 { metadata["scheduler.\(name)"] = "\(count)" }
            if let error = run.error { metadata["error.code"] = "\(error.code)" }
            switch run.outcome {
            case .ok: logger.info("scheduler run done", metadata: metadata)
            case .attention: logger.warning("scheduler run needs attention", metadata: metadata)
            case .failed: logger.error("scheduler run failed", metadata: metadata)
            }
            return run
        } catch {
            logger.error("scheduler run could not run", metadata: ["error.code": "\(error.code.rawValue)"])
            return nil
        }
    }
}
