import CoreMetrics
import Foundation
import Lethe
import LetheCore
import LetheStore
import Prometheus

/// The service's metrics in Prometheus's text format (`GET /metrics`), through swift-metrics with
/// swift-prometheus's registry. Requests are counted and timed by route pattern (never the path,
/// which may hold an asset tag) and status; the installation's gauges are read from the store at
/// each scrape. No label holds an identifier.
public final class ServiceMetrics: Sendable {
    /// The registry the metrics are emitted from.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// The counter and timer of each method, route pattern and status seen, made once: making
    /// them looks them up in the registry by label and dimensions, on every request otherwise.
    /// Bounded by the routes (patterns, never paths), methods and statuses.
    private let requestMetrics = RequestMetricsCache()

    /// The latency buckets of request durations, in seconds.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Creates the metrics with a registry of their own.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
        // Shown from the start, at 0, so that an alert on it has a series to read.
        CoreMetrics.Counter(label: "lethe_webhook_delivery_failures_total", factory: factory).increment(by: 0)
    }

    /// Counts and times one request by method, route pattern and status.
    func recordRequest(method: String, route: String, status: Int, nanoseconds: UInt64) {
        let key = RequestMetricsCache.Key(method: method, route: route, status: status)
        let (counter, timer) = requestMetrics.metrics(for: key) {
            (
                CoreMetrics.Counter(
                    label: "lethe_http_requests_total",
                    dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory),
                CoreMetrics.Timer(
                    label: "lethe_http_request_duration_seconds", dimensions: [("method", method), ("route", route)],
                    factory: factory)
            )
        }
        counter.increment()
        timer.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// Counts a webhook delivery attempt that failed.
    public func recordWebhookFailure() {
        CoreMetrics.Counter(label: "lethe_webhook_delivery_failures_total", factory: factory).increment()
    }

    /// Reads the installation's state into the gauges: jobs by state, what is overdue, erasure
    /// requests past due, the last verification run's failures and the last scheduler run.
    func refresh(app: LetheApp) async throws(LetheError) {
        let status = try await app.status.report(by: .scheduler)
        for (state, count) in status.jobs {
            gauge("lethe_jobs", [("state", state)]).record(count)
        }
        gauge("lethe_overdue_jobs").record(status.overdueJobCount)
        gauge("lethe_overdue_backups").record(status.overdueBackups.count)
        gauge("lethe_erasure_requests_past_due").record(status.overdueErasureRequests.count)
        gauge("lethe_erasure_requests_open").record(status.openErasureRequests)
        gauge("lethe_last_verification_run_failures").record(status.lastVerificationRun?.failed ?? 0)
        let last = try await app.scheduler.runs(limit: 1, by: .scheduler).first
        gauge("lethe_scheduler_last_run_timestamp_seconds").record(
            last.map { Int64($0.finishedAt.timeIntervalSince1970) } ?? 0)
        for outcome in StoredSchedulerRun.Outcome.allCases {
            gauge("lethe_scheduler_last_run_outcome", [("outcome", outcome.rawValue)]).record(
                last?.outcome == outcome ? 1 : 0)
        }
        gauge("lethe_scheduler_last_run_verification_failures").record(last?.counts["verification_failed"] ?? 0)
    }

    /// The metrics as Prometheus text.
    func exposition() -> [UInt8] { registry.emitToBuffer() }

    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
    }
}

/// The request metrics made so far, by method, route pattern and status.
final class RequestMetricsCache: @unchecked Sendable {
    struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    // Guarded by `lock`.
    private let lock = NSLock()
    private var made: [Key: (CoreMetrics.Counter, CoreMetrics.Timer)] = [:]

    /// The metrics for `key`, made with `make` the first time.
    func metrics(
        for key: Key, make: () -> (CoreMetrics.Counter, CoreMetrics.Timer)
    ) -> (CoreMetrics.Counter, CoreMetrics.Timer) {
        if let found = lock.withLock({ made[key] }) { return found }
        let fresh = make()
        return lock.withLock {
            if let found = made[key] { return found }
            made[key] = fresh
            return fresh
        }
    }
}
