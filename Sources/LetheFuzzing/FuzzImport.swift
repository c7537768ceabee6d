import Foundation
import Lethe
import LetheCore
import LetheStore

/// Drives the asset import use case (`app.assets.importAssets`, dry run) on one installation in a
/// temporary data directory that lives as long as the process: the input is handed over as bytes,
/// as an upload would be.
final class FuzzImport: Sendable {
    /// The one installation every input goes through.
    static let shared = FuzzImport()

    private let app: LetheApp
    private let principal = try! Principal.localOperator("fuzz")

    private init() {
        let root = FileManager.default.temporaryDirectory.path + "/lethe-fuzz-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            app = try LetheApp.open(DataDirectory(path: root + "/data"), busyTimeout: 1)
        } catch {
            fatalError("cannot open a fuzzing installation in \(root): \(error)")
        }
    }

    /// Imports `bytes` as a CSV file (dry run): it either fails with a `LetheError` or counts its
    /// rows, and in both cases nothing is registered.
    func run(_ bytes: [UInt8], format: ImportFormat) async {
        let summary = try? await app.assets.importAssets(
            ImportRequest(fileName: "input.csv", format: format, dryRun: true), from: InMemoryBytes(bytes),
            by: principal)
        if let summary {
            precondition(
                summary.registered + summary.updated + summary.unchanged <= summary.rows, "more assets than rows")
        }
        guard let registered = try? await app.assets.list(AssetQuery(limit: 1), by: principal) else {
            fatalError("the installation cannot be read after an import")
        }
        precondition(registered.total == 0, "a dry-run import registered \(registered.total) assets")
    }

    /// ``run(_:format:)`` for a caller that is not in a task (libFuzzer's entry point): waits for
    /// it. Never call it from a Swift concurrency thread.
    func runWaiting(_ bytes: [UInt8], format: ImportFormat) {
        let done = DispatchSemaphore(value: 0)
        Task.detached { [self] in
            await run(bytes, format: format)
            done.signal()
        }
        done.wait()
    }
}
