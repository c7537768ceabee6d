import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import NIOCore

/// The open routes for operations, without credentials and without data: liveness
/// (`/healthz`), readiness (`/readyz`: the database answers and its migrations are current) and
/// Prometheus metrics (`/metrics`).
struct OperationsRoutes {
    let app: LetheApp
    let metrics: ServiceMetrics

    func add(to router: Router<LetheRequestContext>) {
        router.on(RouterPath(APIRoute.healthz.path), method: .get) { _, _ in JSONResult(value: ["status": "alive"]) }
        router.on(RouterPath(APIRoute.readyz.path), method: .get) { request, context -> Response in
            do {
                try await app.status.checkReady()
            } catch let error as LetheError {
                return Problem(
                    status: .serviceUnavailable, code: "not-ready", detail: "not ready: \(error.message)"
                ).response()
            }
            return try JSONResult(value: ["status": "ready"]).response(from: request, context: context)
        }
        router.get("metrics") { _, _ -> Response in
            try await metrics.refresh(app: app)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
